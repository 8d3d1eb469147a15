/**
 * Inline keyboards over real processes: a grammY bot hosted on one node sends a message with
 * buttons to a person on another node; the person's node shows them on the message, presses one
 * (POST /api/messages/:id/press), the bot gets the callback_query through bot.callbackQuery() and
 * answers it, and the person's event stream carries the answer. Then what must not work: data
 * that is not on the keyboard, a second answer, a reply keyboard, a press lost to a restart.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Bot, GrammyError, InlineKeyboard } from 'grammy';
import type { ApiEvent, Message } from '../../api/contract.ts';
import { botWithPerson } from '../helpers/bot-net.ts';
import { json, messages, send, startUser, waitFor, type RelayNode } from '../helpers/p2p-net.ts';
import { killAllNodes, type RunningNode } from '../helpers/spawn-node.ts';

after(killAllNodes);

/** The node's event stream, collected. */
function eventsOf(node: RunningNode): { seen: ApiEvent[]; close(): void; opened: Promise<void> } {
  const ws = new WebSocket(`${node.url.replace('http', 'ws')}/api/events?access_token=${node.token}`);
  const seen: ApiEvent[] = [];
  ws.onmessage = (m) => void seen.push(JSON.parse(String(m.data)) as ApiEvent);
  return { seen, close: () => ws.close(), opened: new Promise((resolve) => (ws.onopen = () => resolve())) };
}

describe('inline keyboards between a grammY bot and a person on another node', () => {
  let relay: RelayNode;
  let person: RunningNode;
  let host: RunningNode;
  let token: string;
  let botIdentity: string;
  let chat: string;
  /** The bot's (Telegram) id of its chat with the person, from the first test's updates. */
  let botChatId = 0;

  before(async () => {
    ({ relay, person, host, token, botIdentity, chat } = await botWithPerson('pollbot', 'Poll Bot'));
  });

  const withButtons = (text: string) => waitFor(`"${text}" with its buttons at the person`, async () => (await messages(person, chat)).find((m) => m.sender === botIdentity && m.text === text && m.keyboard), 30_000);
  const press = (message: Message, data: string) => person.api(`/api/messages/${message.id}/press`, { json: { data } });

  it('round trip: buttons shown, a press becomes callback_query, the answer reaches the person', async () => {
    const bot = new Bot(token, { client: { apiRoot: host.url } });
    const pressedWith: { data: string; from?: string; text?: string; markup: unknown }[] = [];
    bot.command('poll', (ctx) => (botChatId = ctx.chat.id) && ctx.reply('Coffee or tea?', { reply_markup: new InlineKeyboard().text('Coffee', 'vote:coffee').text('Tea', 'vote:tea').row().url('About', 'https://example.org/poll') }));
    bot.callbackQuery(/^vote:/, async (ctx) => {
      pressedWith.push({ data: ctx.callbackQuery.data, from: ctx.from.first_name, text: ctx.callbackQuery.message?.text, markup: ctx.callbackQuery.message?.reply_markup });
      await ctx.answerCallbackQuery({ text: `You chose ${ctx.callbackQuery.data.slice(5)}`, show_alert: true });
      await ctx.editMessageReplyMarkup({ reply_markup: new InlineKeyboard().text('Thanks!', 'done') });
    });
    bot.catch((err) => console.error('bot error', err));
    const events = eventsOf(person);
    await events.opened;
    const running = bot.start({ timeout: 5 });
    try {
      await send(person, chat, '/poll');
      const poll = await withButtons('Coffee or tea?');
      assert.deepEqual(poll.keyboard, [[{ text: 'Coffee', data: 'vote:coffee' }, { text: 'Tea', data: 'vote:tea' }], [{ text: 'About', url: 'https://example.org/poll' }]]);

      const pressed = await json<{ query_id: string }>(press(poll, 'vote:tea'));
      const answer = await waitFor('the answer on the person\'s event stream', async () => events.seen.find((e) => e.type === 'button.answered'), 30_000);
      assert.deepEqual(answer.data, { query_id: pressed.query_id, chat_id: chat, message_id: poll.id, text: 'You chose tea', alert: true });
      assert.deepEqual(pressedWith, [{ data: 'vote:tea', from: 'Alice', text: 'Coffee or tea?', markup: { inline_keyboard: [[{ text: 'Coffee', callback_data: 'vote:coffee' }, { text: 'Tea', callback_data: 'vote:tea' }], [{ text: 'About', url: 'https://example.org/poll' }]] } }]);
      // The bot replaced the buttons: the person's copy follows.
      await waitFor('the new buttons at the person', async () => (await messages(person, chat)).find((m) => m.id === poll.id && m.keyboard?.[0]?.[0]?.data === 'done'), 30_000);

      // Data that is not on the keyboard is refused at the person's node; a link is not pressed.
      const bogus = await press(poll, 'vote:coffee');
      assert.equal(bogus.status, 400);
      assert.equal(((await bogus.json()) as { error: string }).error, 'ValidationError');
    } finally {
      events.close();
      await bot.stop();
      await running;
    }
  });

  it('refuses what Telegram refuses: unknown queries, reply keyboards, bad buttons', async () => {
    const bot = new Bot(token, { client: { apiRoot: host.url } });
    const chatId = botChatId;
    const refused = async (call: Promise<unknown>, pattern: RegExp) => {
      const err = await call.then(() => undefined, (e: unknown) => e);
      assert.ok(err instanceof GrammyError, `refused (${String(err)})`);
      assert.equal(err.error_code, 400);
      assert.match(err.description, pattern);
    };
    await refused(bot.api.answerCallbackQuery('no-such-query'), /query ID is invalid/);
    await refused(bot.api.sendMessage(chatId, 'pick', { reply_markup: { keyboard: [[{ text: 'a' }]] } }), /only inline keyboards/);
    await refused(bot.api.sendMessage(chatId, 'pick', { reply_markup: { inline_keyboard: [[{ text: 'x', callback_data: 'x'.repeat(65) }]] } }), /BUTTON_DATA_INVALID/);
    await refused(bot.api.sendMessage(chatId, 'pick', { reply_markup: { inline_keyboard: [[{ text: 'x', url: 'http://example.org' }]] } }), /https/);
    await refused(bot.api.sendMessage(chatId, 'pick', { reply_markup: { inline_keyboard: [[{ text: 'x', switch_inline_query: 'q' }]] } }), /switch_inline_query buttons are not supported/);
  });

  it('a press that reaches the bot\'s node is a durable callback_query: kept across a kill -9, answered once', async () => {
    const sent = await json<{ ok: boolean; result: { message_id: number; chat: { id: number } } }>(
      fetch(`${host.url}/bot${token}/sendMessage`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ chat_id: botChatId, text: 'Restart me', reply_markup: { inline_keyboard: [[{ text: 'Go', callback_data: 'go' }]] } }) }),
    );
    assert.equal(sent.ok, true);
    const message = await withButtons('Restart me');
    await json(press(message, 'go'));
    type Update = { update_id: number; callback_query?: { id: string; data: string } };
    const read = async () => (await json<{ result: Update[] }>(fetch(`${host.url}/bot${token}/getUpdates`))).result.filter((u) => u.callback_query);
    const before = await waitFor('the callback_query at the bot', async () => (await read()).find((u) => u.callback_query?.data === 'go'), 30_000);
    await host.stop('SIGKILL');
    host = await startUser(relay, { dataDir: host.dataDir });
    const after = (await read()).filter((u) => u.callback_query?.data === 'go');
    assert.deepEqual(after.map((u) => u.update_id), [before.update_id], 'kept across the restart, once');
    const answered = await json<{ ok: boolean }>(fetch(`${host.url}/bot${token}/answerCallbackQuery?callback_query_id=${after[0]!.callback_query!.id}`));
    assert.equal(answered.ok, true);
    const again = await fetch(`${host.url}/bot${token}/answerCallbackQuery?callback_query_id=${after[0]!.callback_query!.id}`);
    assert.equal(again.status, 400, 'a press is answered once');
    await fetch(`${host.url}/bot${token}/getUpdates?offset=${before.update_id + 1}`);
  });
});
