/**
 * Bots over real processes: a person on node A talks end to end with a bot hosted by node B,
 * and the bot is a real grammY bot long-polling B's Bot API (and a real telegraf one, unchanged).
 * Covers the echo round trip, edits as edited_message, token rotation, durable updates across a kill -9, Telegram-shaped schema
 * errors, the 429 limits and a flood of bogus tokens.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { Bot, GrammyError } from 'grammy';
import { Telegraf } from 'telegraf';
import { message } from 'telegraf/filters';
import type { Message } from '../../api/contract.ts';
import { createIdentity, json, messages, send, startRelay, startUser, waitFor, waitRelayConnected, type RelayNode } from '../helpers/p2p-net.ts';
import { killAllNodes, startNode, type RunningNode } from '../helpers/spawn-node.ts';

after(killAllNodes);

interface Created {
  bot_id: number;
  username: string;
  identity_id: string;
  token: string;
  invite: string;
}
interface TgAnswer<T = unknown> {
  ok: boolean;
  result?: T;
  error_code?: number;
  description?: string;
  parameters?: { retry_after?: number };
}
interface TgUpdate {
  update_id: number;
  message?: { message_id: number; text?: string; chat: { id: number } };
  edited_message?: { message_id: number; text?: string };
}

/** A Bot API call over plain HTTP, as any client makes it. */
async function botCall<T>(node: RunningNode, token: string, method: string, params?: Record<string, unknown>): Promise<{ status: number; body: TgAnswer<T> }> {
  const res = await fetch(`${node.url}/bot${token}/${method}`, params ? { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(params) } : {});
  return { status: res.status, body: (await res.json()) as TgAnswer<T> };
}

const fromBot = async (node: RunningNode, chat: string, botIdentity: string, text: string): Promise<Message | undefined> =>
  (await messages(node, chat)).find((m) => m.sender === botIdentity && m.text === text);

describe('a grammY bot hosted on one node, talking with a person on another', () => {
  let relay: RelayNode;
  let a: RunningNode;
  let b: RunningNode;
  let created: Created;
  let chat: string;
  let botChatId = 0;

  before(async () => {
    relay = await startRelay();
    a = await startUser(relay);
    b = await startUser(relay);
    await createIdentity(a, 'alice');
    // The deployment guide's call, as written (with the API token).
    const res = await b.api('/api/bots/create', { json: { username: 'echobot', name: 'Echo Bot' } });
    assert.equal(res.status, 201);
    created = (await res.json()) as Created;
    assert.match(created.token, /^\d+:[A-Za-z0-9_-]{35}$/);
    await waitRelayConnected(b);
    const added = await json<{ chat_id: string }>(a.api('/api/contacts', { json: { invite: created.invite } }));
    chat = added.chat_id;
  });

  it('answers the person end to end: grammY long polling, sendMessage with a reply, and an edit as edited_message', async () => {
    const bot = new Bot(created.token, { client: { apiRoot: b.url } });
    const edits: string[] = [];
    // Commands are found by their bot_command entity, as grammY looks for them.
    bot.command('start', (ctx) => ctx.reply(`welcome, ${ctx.from?.first_name}`));
    bot.on('message:text', async (ctx) => {
      botChatId = ctx.chat.id;
      await ctx.reply(`echo: ${ctx.message.text}`, { reply_parameters: { message_id: ctx.message.message_id } });
    });
    bot.on('edited_message:text', (ctx) => void edits.push(ctx.editedMessage.text));
    bot.catch((err) => console.error('bot error', err));
    const running = bot.start({ timeout: 5 });
    try {
      const me = await bot.api.getMe();
      assert.equal(me.username, 'echobot');
      assert.equal(me.is_bot, true);
      const sent = await send(a, chat, 'hello bot');
      const echo = await waitFor('the echo at A', () => fromBot(a, chat, created.identity_id, 'echo: hello bot'), 30_000);
      assert.equal(echo.reply_to, sent.id, 'the echo answers the person\'s message');
      assert.equal(echo.quote?.found, true);

      await bot.api.setMyCommands([{ command: 'start', description: 'Say hello' }]);
      assert.deepEqual(await bot.api.getMyCommands(), [{ command: 'start', description: 'Say hello' }]);
      await send(a, chat, '/start');
      await waitFor('the command\'s answer at A', () => fromBot(a, chat, created.identity_id, 'welcome, Alice'), 30_000);

      const edited = await json<Message>(a.api(`/api/messages/${sent.id}`, { method: 'PATCH', json: { text: 'hello bot, edited' } }));
      assert.equal(edited.text, 'hello bot, edited');
      await waitFor('the edit at the bot', async () => edits.includes('hello bot, edited'), 30_000);
      // Edits of the bot's own messages are not updates for it; only one edited_message arrived.
      assert.deepEqual(edits, ['hello bot, edited']);
    } finally {
      await bot.stop();
      await running;
    }
  });

  it('answers the person end to end from a telegraf bot, long polling, unchanged', async () => {
    const bot = new Telegraf(created.token, { telegram: { apiRoot: b.url } });
    bot.on(message('text'), (ctx) => ctx.reply(`telegraf: ${ctx.message.text}`, { reply_parameters: { message_id: ctx.message.message_id } }));
    bot.catch((err) => console.error('telegraf bot error', err));
    // launch() calls getMe and deleteWebhook, then long-polls getUpdates (timeout 50, offset,
    // allowed_updates []) until stop(), and confirms the last offset as it stops.
    const running = bot.launch();
    try {
      const me = await waitFor('telegraf\'s getMe', async () => bot.botInfo, 30_000);
      assert.equal(me.username, 'echobot');
      assert.equal(me.is_bot, true);
      const sent = await send(a, chat, 'hello telegraf');
      const echo = await waitFor('telegraf\'s echo at A', () => fromBot(a, chat, created.identity_id, 'telegraf: hello telegraf'), 30_000);
      assert.equal(echo.reply_to, sent.id, 'the echo answers the person\'s message');
    } finally {
      bot.stop('test over');
      await running;
    }
  });

  it('answers bad parameters in Telegram\'s shape, and 429 with retry_after over the per-chat limit', async () => {
    const noText = await botCall(b, created.token, 'sendMessage', { chat_id: botChatId });
    assert.equal(noText.status, 400);
    assert.deepEqual(noText.body, { ok: false, error_code: 400, description: 'Bad Request: message text is empty' });
    const badLimit = await fetch(`${b.url}/bot${created.token}/getUpdates?limit=0`);
    assert.equal(badLimit.status, 400);
    const limitBody = (await badLimit.json()) as TgAnswer;
    assert.equal(limitBody.ok, false);
    assert.match(limitBody.description!, /^Bad Request: limit/);
    const noChat = await botCall(b, created.token, 'sendMessage', { chat_id: 42, text: 'anyone?' });
    assert.deepEqual(noChat.body, { ok: false, error_code: 400, description: 'Bad Request: chat not found' });
    // A form body works as well as JSON, and grammY sees the same errors as GrammyErrors.
    const form = await fetch(`${b.url}/bot${created.token}/getChat`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `chat_id=${botChatId}` });
    assert.equal(((await form.json()) as TgAnswer<{ type: string }>).result?.type, 'private');
    // Hostile bodies get Telegram-shaped 400s too, never a crash or a dchat-shaped error.
    for (const [type, body] of [['application/json', '{bad'], ['application/json', '[1,2]'], ['application/json', '{"chat_id":1,"text":"\\ud800"}'], ['multipart/form-data; boundary=x', '--x--']]) {
      const res = await fetch(`${b.url}/bot${created.token}/sendMessage`, { method: 'POST', headers: { 'content-type': type! }, body: body! });
      const answer = (await res.json()) as TgAnswer;
      assert.deepEqual([res.status, answer.ok, answer.error_code], [400, false, 400], `${type} ${body}`);
      assert.match(answer.description!, /^Bad Request: /);
    }
    const api = new Bot(created.token, { client: { apiRoot: b.url } }).api;
    await assert.rejects(api.sendMessage(botChatId, ''), (err: unknown) => err instanceof GrammyError && err.error_code === 400);

    // The chat's bucket refills at 1 a second up to 3: after the earlier answers, let it fill.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const answers = await Promise.all(Array.from({ length: 8 }, (_, i) => botCall(b, created.token, 'sendMessage', { chat_id: botChatId, text: `burst ${i}` })));
    const limited = answers.filter((r) => r.status === 429);
    assert.ok(limited.length > 0, 'over the per-chat burst, sends are refused');
    for (const r of limited) {
      assert.equal(r.body.error_code, 429);
      assert.match(r.body.description!, /^Too Many Requests: retry after \d+$/);
      assert.ok(r.body.parameters!.retry_after! >= 1);
    }
    const through = answers.filter((r) => r.body.ok).length;
    assert.ok(through >= 3 && through < 8, `the burst allowance (3, and 1 a second more) went through: ${through}`);
  });

  it('keeps unconfirmed updates across a kill -9 and a restart, loses none and repeats none past the offset', async () => {
    const before = await botCall<TgUpdate[]>(b, created.token, 'getUpdates', { timeout: 0 });
    assert.deepEqual(before.body.result, [], 'grammY confirmed everything it handled when it stopped');
    const texts = ['pending 1', 'pending 2', 'pending 3'];
    for (const text of texts) await send(a, chat, text);
    await waitFor('three pending updates at B', async () => {
      const { bots } = await json<{ bots: Array<{ bot_id: number; pending_updates: number }> }>(b.api('/api/bots'));
      return bots.find((x) => x.bot_id === created.bot_id)?.pending_updates === 3;
    }, 30_000);
    await b.stop('SIGKILL');
    b = await startUser(relay, { dataDir: b.dataDir });
    const first = await botCall<TgUpdate[]>(b, created.token, 'getUpdates', { limit: 2 });
    assert.deepEqual(first.body.result!.map((u) => u.message?.text), texts.slice(0, 2));
    const [u1, u2] = first.body.result!;
    assert.equal(u2!.update_id, u1!.update_id + 1);
    // Confirm the first; the restart must not bring it back.
    await botCall(b, created.token, 'getUpdates', { offset: u1!.update_id + 1, limit: 1 });
    await b.stop();
    b = await startUser(relay, { dataDir: b.dataDir });
    const rest = await botCall<TgUpdate[]>(b, created.token, 'getUpdates', {});
    assert.deepEqual(rest.body.result!.map((u) => u.message?.text), texts.slice(1));
    assert.ok(rest.body.result!.every((u) => u.update_id > u1!.update_id));
    // A negative offset keeps the last one; a positive one past it empties the queue.
    const last = await botCall<TgUpdate[]>(b, created.token, 'getUpdates', { offset: -1 });
    assert.deepEqual(last.body.result!.map((u) => u.message?.text), ['pending 3']);
    const done = await botCall<TgUpdate[]>(b, created.token, 'getUpdates', { offset: last.body.result![0]!.update_id + 1 });
    assert.deepEqual(done.body.result, []);

    // An edit stored just before a crash, before its update was (the row as the edit path leaves
    // it): the restart finds it and tells the bot once.
    const seq = last.body.result![0]!.message!.message_id;
    await b.stop('SIGKILL');
    const db = new Database(path.join(b.dataDir, 'dchat.db'));
    db.prepare("UPDATE messages SET text = 'pending 3, edited', edited_at = ? WHERE seq = ?").run(Date.now(), seq);
    db.close();
    b = await startUser(relay, { dataDir: b.dataDir });
    const edits = await botCall<TgUpdate[]>(b, created.token, 'getUpdates', {});
    assert.deepEqual(edits.body.result!.map((u) => [u.edited_message?.message_id, u.edited_message?.text]), [[seq, 'pending 3, edited']]);
    await botCall(b, created.token, 'getUpdates', { offset: edits.body.result![0]!.update_id + 1 });
    // A long poll does not hold a shutdown: it answers (empty) as the node begins to stop, and
    // stop() itself fails the test if the node takes over 5 s to exit.
    const polling = botCall<TgUpdate[]>(b, created.token, 'getUpdates', { timeout: 50 });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const stopping = Date.now();
    await b.stop();
    assert.deepEqual((await polling).body, { ok: true, result: [] });
    assert.ok(Date.now() - stopping < 5000);
    b = await startUser(relay, { dataDir: b.dataDir });
    assert.deepEqual((await botCall<TgUpdate[]>(b, created.token, 'getUpdates', {})).body.result, [], 'told once, not at every start');
  });

  it('rejects a flood of bogus tokens with 401 while the real bot keeps answering', async () => {
    const bogus = () => `${created.bot_id}:${Buffer.from(crypto.getRandomValues(new Uint8Array(26))).toString('base64url')}`;
    let rejected = 0;
    let answered = 0;
    const flood = async () => {
      for (let i = 0; i < 60; i++) {
        const res = await fetch(`${b.url}/bot${i % 3 === 0 ? 'nonsense' : bogus()}/getMe`);
        if (res.status === 401 && ((await res.json()) as TgAnswer).description === 'Unauthorized') rejected++;
      }
    };
    const real = async () => {
      for (let i = 0; i < 20; i++) if ((await botCall(b, created.token, 'getMe')).body.ok) answered++;
    };
    await Promise.all([...Array.from({ length: 50 }, flood), real()]);
    assert.equal(rejected, 3000);
    assert.equal(answered, 20);
  });

  it('rotating the token stops the old one at once', async () => {
    const rotated = await json<Created>(b.api(`/api/bots/${created.bot_id}/token`, { method: 'POST' }));
    assert.notEqual(rotated.token, created.token);
    const old = await botCall(b, created.token, 'getMe');
    assert.equal(old.status, 401);
    assert.deepEqual(old.body, { ok: false, error_code: 401, description: 'Unauthorized' });
    await assert.rejects(new Bot(created.token, { client: { apiRoot: b.url } }).api.getMe(), (err: unknown) => err instanceof GrammyError && err.error_code === 401);
    assert.equal((await new Bot(rotated.token, { client: { apiRoot: b.url } }).api.getMe()).id, created.bot_id);
    const deleted = await b.api(`/api/bots/${created.bot_id}`, { method: 'DELETE' });
    assert.equal(deleted.status, 200);
    assert.equal((await botCall(b, rotated.token, 'getMe')).status, 401);
  });
});

describe('the per-address limit with bots (security.rate_limit_enabled, as by default)', () => {
  it('cuts off an address sending bad tokens, in Telegram\'s shape, while requests with the valid token skip it', async () => {
    const node = await startNode();
    try {
      const made = await json<Created>(node.api('/api/bots/create', { json: { username: 'limitbot', name: 'Limit' } }));
      const bogus: Record<number, number> = {};
      let real = 0;
      await Promise.all([
        ...Array.from({ length: 20 }, async () => {
          for (let i = 0; i < 20; i++) {
            const res = await fetch(`${node.url}/bot${made.bot_id}:${'a'.repeat(35)}/getMe`);
            const body = (await res.json()) as TgAnswer;
            bogus[res.status] = (bogus[res.status] ?? 0) + 1;
            if (res.status === 429) assert.deepEqual(body.parameters, { retry_after: 1 });
          }
        }),
        (async () => {
          for (let i = 0; i < 150; i++) if ((await botCall(node, made.token, 'getMe')).status === 200) real++;
        })(),
      ]);
      assert.ok((bogus[429] ?? 0) > 0, `over 100 a second from one address, bad tokens are cut off (${JSON.stringify(bogus)})`);
      assert.equal((bogus[401] ?? 0) + (bogus[429] ?? 0), 400);
      assert.equal(real, 150, 'the real bot, from the same address, was never limited');
    } finally {
      await node.stop();
    }
  });
});
