/**
 * Webhooks over real processes: a person on node A writes to a bot hosted by node B, and B pushes
 * the updates to a real grammY webhook bot behind a local node:http server that checks Telegram's
 * secret-token header and verifies the Standard Webhooks signature with the standardwebhooks
 * library. Covers retries while the webhook is down (in order, nothing repeated after a 2xx),
 * pending deliveries across a kill -9, the SSRF refusals, and getUpdates' 409 while a webhook is set.
 */
import assert from 'node:assert/strict';
import { lookup } from 'node:dns/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { after, before, describe, it } from 'node:test';
import { Bot, webhookCallback } from 'grammy';
import { Webhook } from 'standardwebhooks';
import { createIdentity, json, messages, send, startRelay, startUser, waitFor, waitRelayConnected, type RelayNode } from '../helpers/p2p-net.ts';
import { killAllNodes, type RunningNode } from '../helpers/spawn-node.ts';

after(killAllNodes);

interface TgAnswer<T = unknown> {
  ok: boolean;
  result?: T;
  error_code?: number;
  description?: string;
}
interface WebhookInfo {
  url: string;
  pending_update_count: number;
  max_connections?: number;
  last_error_date?: number;
  last_error_message?: string;
  allowed_updates?: string[];
}
interface Delivery {
  headers: http.IncomingHttpHeaders;
  body: string;
  update: { update_id: number; message?: { text?: string } };
}

async function botCall<T>(node: RunningNode, token: string, method: string, params?: Record<string, unknown>): Promise<{ status: number; body: TgAnswer<T> }> {
  const res = await fetch(`${node.url}/bot${token}/${method}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(params ?? {}) });
  return { status: res.status, body: (await res.json()) as TgAnswer<T> };
}

/** A local webhook receiver: `answer` decides each delivery's status; every delivery is kept. */
async function receiver(answer: (d: Delivery) => number | Promise<number>): Promise<{ url: string; deliveries: Delivery[]; close(): Promise<void> }> {
  const deliveries: Delivery[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c)).on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const delivery = { headers: req.headers, body, update: JSON.parse(body) as Delivery['update'] };
      deliveries.push(delivery);
      void Promise.resolve(answer(delivery)).then((status) => res.writeHead(status).end());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    deliveries,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

const headerOf = (d: Delivery, name: string) => String(d.headers[name]);
const textsOf = (ds: readonly Delivery[]) => ds.map((d) => d.update.message?.text);

describe('a grammY webhook bot hosted on one node, talking with a person on another', () => {
  let relay: RelayNode;
  let a: RunningNode;
  let b: RunningNode;
  let token: string;
  let botId: number;
  let botIdentity: string;
  let chat: string;
  let secret: string;

  const info = async () => (await botCall<WebhookInfo>(b, token, 'getWebhookInfo')).body.result!;
  const pendingAtB = async () => (await json<{ bots: Array<{ bot_id: number; pending_updates: number }> }>(b.api('/api/bots'))).bots.find((x) => x.bot_id === botId)!.pending_updates;

  before(async () => {
    relay = await startRelay();
    a = await startUser(relay);
    b = await startUser(relay);
    await createIdentity(a, 'alice');
    const created = await json<{ bot_id: number; token: string; invite: string; identity_id: string }>(b.api('/api/bots/create', { json: { username: 'hookbot', name: 'Hook Bot' } }));
    ({ token, bot_id: botId, identity_id: botIdentity } = created);
    // The operator's step: the signing secret is shown once, by this call, and never listed.
    secret = (await json<{ signing_secret: string }>(b.api(`/api/bots/${botId}/webhook-secret`, { method: 'POST' }))).signing_secret;
    await waitRelayConnected(b);
    chat = (await json<{ chat_id: string }>(a.api('/api/contacts', { json: { invite: created.invite } }))).chat_id;
  });

  it('delivers signed updates to grammY (webhookCallback) and the reply reaches the person', async () => {
    const bot = new Bot(token, { client: { apiRoot: b.url } });
    bot.on('message:text', (ctx) => ctx.reply(`hooked: ${ctx.message.text}`));
    await bot.init();
    const handle = webhookCallback(bot, 'std/http', { secretToken: 'grammy_Secret-1' });
    const verifier = new Webhook(secret);
    const refused: string[] = [];
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c)).on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        try {
          verifier.verify(body, req.headers as Record<string, string>);
        } catch (err) {
          refused.push(String(err));
          return res.writeHead(401).end();
        }
        // grammY itself checks X-Telegram-Bot-Api-Secret-Token (401 when it differs).
        const request = new Request('http://bot.local/hook', { method: 'POST', headers: req.headers as Record<string, string>, body });
        void handle(request).then(async (answer) => res.writeHead(answer.status).end(await answer.text()));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/grammy`;
    try {
      await bot.api.setWebhook(url, { secret_token: 'grammy_Secret-1', max_connections: 5, allowed_updates: ['message', 'edited_message'] });
      const hook = await info();
      assert.equal(hook.url, url);
      assert.equal(hook.max_connections, 5);
      assert.deepEqual(hook.allowed_updates, ['message', 'edited_message']);
      const listed = (await json<{ bots: Array<{ bot_id: number; webhook: unknown }> }>(b.api('/api/bots'))).bots.find((x) => x.bot_id === botId)!;
      assert.deepEqual(listed.webhook, { url, last_error_at: null, last_error_message: null });
      assert.equal(JSON.stringify(listed).includes(secret), false, 'the signing secret is never listed');

      await send(a, chat, 'hello webhook');
      const reply = await waitFor('the bot\'s reply at A', async () => (await messages(a, chat)).find((m) => m.sender === botIdentity && m.text === 'hooked: hello webhook'), 30_000);
      assert.ok(reply);
      assert.deepEqual(refused, [], 'every delivery carried a valid signature');
      await waitFor('the update confirmed', async () => (await info()).pending_update_count === 0);
    } finally {
      server.close();
    }
  });

  it('answers getUpdates with 409 while a webhook is set, and polls again after deleteWebhook', async () => {
    const conflict = await botCall(b, token, 'getUpdates', { timeout: 0 });
    assert.equal(conflict.status, 409);
    assert.deepEqual(conflict.body, { ok: false, error_code: 409, description: "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first" });
    assert.deepEqual((await botCall(b, token, 'deleteWebhook', {})).body, { ok: true, result: true });
    assert.deepEqual((await botCall(b, token, 'getUpdates', { timeout: 0 })).body, { ok: true, result: [] });
    assert.equal((await info()).url, '');
  });

  it('retries while the webhook is down, then delivers everything once, in order, with stable ids', async () => {
    let failures = 3;
    const hook = await receiver(() => (failures-- > 0 ? 503 : 200));
    try {
      assert.equal((await botCall(b, token, 'setWebhook', { url: hook.url, secret_token: 'down_then_up' })).body.result, true);
      const texts = ['one', 'two', 'three', 'four', 'five'];
      for (const text of texts) await send(a, chat, text);
      await waitFor('five confirmed deliveries', async () => hook.deliveries.length >= texts.length + 3 && (await info()).pending_update_count === 0, 60_000);
      const failed = hook.deliveries.slice(0, 3);
      const accepted = hook.deliveries.slice(3);
      // The first update was retried until it went through; the others waited behind it (same chat).
      assert.deepEqual(textsOf(failed), ['one', 'one', 'one']);
      assert.deepEqual(textsOf(accepted), texts);
      assert.ok(failed.every((d) => headerOf(d, 'webhook-id') === String(accepted[0]!.update.update_id)), 'webhook-id is the update id, the same on every retry');
      for (const d of hook.deliveries) assert.equal(headerOf(d, 'x-telegram-bot-api-secret-token'), 'down_then_up');
      const ids = accepted.map((d) => d.update.update_id);
      assert.deepEqual(ids, [...ids].sort((x, y) => x - y));
      assert.equal(new Set(ids).size, ids.length);
      const last = await info();
      assert.equal(last.last_error_message, 'Wrong response from the webhook: 503 Service Unavailable');
      assert.ok(last.last_error_date! > 0);
      // Nothing confirmed comes again.
      await new Promise((resolve) => setTimeout(resolve, 1500));
      assert.equal(hook.deliveries.length, texts.length + 3);
    } finally {
      await hook.close();
    }
  });

  it('keeps pending webhook updates across a kill -9 and delivers them after the restart', async () => {
    let up = false;
    const hook = await receiver(() => (up ? 200 : 500));
    try {
      await botCall(b, token, 'setWebhook', { url: hook.url });
      const texts = ['crash 1', 'crash 2', 'crash 3'];
      for (const text of texts) await send(a, chat, text);
      await waitFor('three pending updates at B', async () => (await pendingAtB()) === 3, 30_000);
      await b.stop('SIGKILL');
      up = true;
      const before = hook.deliveries.length;
      b = await startUser(relay, { dataDir: b.dataDir });
      await waitFor('the pending updates delivered', async () => (await pendingAtB()) === 0, 60_000);
      const accepted = hook.deliveries.slice(before);
      assert.deepEqual(textsOf(accepted), texts);
      await b.stop();
      b = await startUser(relay, { dataDir: b.dataDir });
      await new Promise((resolve) => setTimeout(resolve, 1500));
      assert.equal(hook.deliveries.length, before + texts.length, 'confirmed before the restart: not sent again');
    } finally {
      await botCall(b, token, 'deleteWebhook', {});
      await hook.close();
    }
  });

  it('refuses webhooks the SSRF rules forbid, in Telegram\'s words', async () => {
    const refusal = async (url: string) => {
      const res = await botCall(b, token, 'setWebhook', { url });
      assert.equal(res.status, 400, url);
      return res.body.description!;
    };
    assert.equal(await refusal('http://example.com/hook'), 'Bad Request: bad webhook: An HTTPS URL must be provided for webhook');
    assert.equal(await refusal('https://10.0.0.1/hook'), 'Bad Request: bad webhook: IP address 10.0.0.1 is reserved (private)');
    assert.equal(await refusal('https://169.254.169.254/latest/meta-data/'), 'Bad Request: bad webhook: IP address 169.254.169.254 is reserved (link-local)');
    assert.equal(await refusal('https://[::ffff:10.0.0.1]/hook'), 'Bad Request: bad webhook: IP address ::ffff:a00:1 is reserved (private)');
    assert.equal(await refusal('https://[fd00::1]/hook'), 'Bad Request: bad webhook: IP address fd00::1 is reserved (unique-local)');
    assert.match(await refusal('https://no-such-host.invalid/hook'), /^Bad Request: bad webhook: Failed to resolve host/);
    // The machine's own name resolves to a loopback or LAN address: only literal loopback reaches loopback.
    const own = await lookup(os.hostname());
    assert.match(await refusal(`https://${os.hostname()}/hook`), new RegExp(`^Bad Request: bad webhook: IP address ${own.address.replace(/\./g, '\\.')} is reserved`));
    // IPv4-mapped loopback is loopback: accepted like 127.0.0.1.
    assert.equal((await botCall(b, token, 'setWebhook', { url: 'http://[::ffff:127.0.0.1]:9/hook' })).body.result, true);
    assert.equal((await botCall(b, token, 'deleteWebhook', {})).body.result, true);
    const badSecret = await botCall(b, token, 'setWebhook', { url: 'http://127.0.0.1:9/x', secret_token: 'has space' });
    assert.equal(badSecret.status, 400);
    assert.match(badSecret.body.description!, /secret token must be 1-256 characters/);
    assert.equal((await botCall(b, token, 'setWebhook', { url: 'http://127.0.0.1:9/x', max_connections: 101 })).status, 400);
    assert.equal((await info()).url, '', 'no refused URL was kept');
  });
});
