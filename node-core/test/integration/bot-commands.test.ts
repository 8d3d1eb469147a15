/**
 * A bot's commands reach the people it talks with: real nodes (a person's and the bot's), a real
 * grammY bot. The list arrives with the chat's first message and again whenever the bot sets new
 * commands; it marks the chat as a bot's on the person's node (Chat.bot_commands), which a chat
 * between two people never is.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Bot } from 'grammy';
import type { Chat } from '../../api/contract.ts';
import { addContact, createIdentity, json, messages, send, startRelay, startUser, waitFor, waitRelayConnected, type RelayNode } from '../helpers/p2p-net.ts';
import { killAllNodes, type RunningNode } from '../helpers/spawn-node.ts';

after(killAllNodes);

const chatAt = (node: RunningNode, chatId: string) => json<Chat>(node.api(`/api/chats/${chatId}`));

describe("a bot's commands on the person's node", () => {
  let relay: RelayNode;
  let a: RunningNode;
  let b: RunningNode;
  let created: { token: string; invite: string; identity_id: string };
  let chat: string;

  before(async () => {
    relay = await startRelay();
    a = await startUser(relay);
    b = await startUser(relay);
    await createIdentity(a, 'alice');
    await createIdentity(b, 'bob');
    created = await json(b.api('/api/bots/create', { json: { username: 'menubot', name: 'Menu Bot' } }));
    await waitRelayConnected(b);
    chat = (await json<{ chat_id: string }>(a.api('/api/contacts', { json: { invite: created.invite } }))).chat_id;
  });

  it('come with the first message, follow setMyCommands, and only a bot chat has them', async () => {
    const bot = new Bot(created.token, { client: { apiRoot: b.url } });
    bot.on('message:text', (ctx) => ctx.reply('hi'));
    bot.catch((err) => console.error('bot error', err));
    const running = bot.start({ timeout: 5 });
    try {
      await bot.api.setMyCommands([{ command: 'start', description: 'Begin' }, { command: 'help', description: 'What I do' }]);
      assert.equal((await chatAt(a, chat)).bot_commands, undefined, 'not known as a bot chat before it wrote');
      await send(a, chat, 'hello');
      await waitFor('the answer', async () => (await messages(a, chat)).some((m) => m.sender === created.identity_id), 30_000);
      const first = await waitFor('the commands at A', async () => (await chatAt(a, chat)).bot_commands, 30_000);
      assert.deepEqual(first, [{ command: 'start', description: 'Begin' }, { command: 'help', description: 'What I do' }]);

      await bot.api.setMyCommands([{ command: 'quiz', description: 'A question' }]);
      const second = await waitFor('the new commands at A', async () => {
        const list = (await chatAt(a, chat)).bot_commands;
        return list?.[0]?.command === 'quiz' ? list : undefined;
      }, 30_000);
      assert.deepEqual(second, [{ command: 'quiz', description: 'A question' }]);

      await bot.api.deleteMyCommands();
      await waitFor('the emptied list at A', async () => (await chatAt(a, chat)).bot_commands?.length === 0, 30_000);
    } finally {
      await bot.stop();
      await running;
    }
    // A chat between two people stays a plain chat.
    const people = await addContact(a, b);
    await send(a, people, 'hello bob');
    await waitFor('bob to get it', async () => (await messages(b, people)).length === 1, 30_000);
    assert.equal((await chatAt(a, people)).bot_commands, undefined);
    assert.equal((await chatAt(b, people)).bot_commands, undefined);
  });
});
