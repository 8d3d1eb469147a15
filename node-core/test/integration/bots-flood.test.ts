/**
 * 10,000 Bot API requests with bogus tokens against a node (malformed ones and well-formed ones
 * no bot has) while a real grammY bot long-polls the same node, from the same address, and keeps
 * answering a person on another node. The node's per-address limiter is on (as by default): it
 * counts only requests whose token is not a bot's (api-instance.ts allow-lists valid tokens), so
 * the flood is cut to 429 without slowing the real bot. Every bogus request must get 401 or 429,
 * every reply must arrive; the bot's latency during the flood is printed, not asserted.
 */
import assert from 'node:assert/strict';
import { after, it } from 'node:test';
import { Bot } from 'grammy';
import { createIdentity, json, messages, send, startRelay, startUser, waitFor, waitRelayConnected } from '../helpers/p2p-net.ts';
import { killAllNodes } from '../helpers/spawn-node.ts';

after(killAllNodes);

const FLOOD = 10_000;
const WORKERS = 64;
const ROUND_TRIPS = 20;

const randomPart = () => Buffer.from(crypto.getRandomValues(new Uint8Array(27))).toString('base64url').slice(0, 35);

it('answers a flood of bogus tokens with 401 or 429 while a real grammY bot keeps answering a person', { timeout: 240_000 }, async () => {
  const relay = await startRelay();
  const a = await startUser(relay);
  // The bot's node keeps the per-address limiter on (startUser turns it off for other tests).
  const b = await startUser(relay, { env: { DCHAT_RATE_LIMIT_ENABLED: 'true' } });
  await createIdentity(a, 'alice');
  const made = await json<{ bot_id: number; token: string; invite: string; identity_id: string }>(b.api('/api/bots/create', { json: { username: 'floodbot', name: 'Flood Bot' } }));
  await waitRelayConnected(b);
  const chat = (await json<{ chat_id: string }>(a.api('/api/contacts', { json: { invite: made.invite } }))).chat_id;

  const bot = new Bot(made.token, { client: { apiRoot: b.url } });
  bot.on('message:text', (ctx) => ctx.reply(`pong ${ctx.message.text}`));
  const botErrors: unknown[] = [];
  bot.catch((err) => void botErrors.push(err.error));
  const polling = bot.start({ drop_pending_updates: true });
  try {
    await waitFor('the bot polling', async () => bot.isRunning());
    const bogusTokens = [
      () => 'nonsense', () => '123', () => `${made.bot_id}:short`, () => `x:${randomPart()}`, () => 'a'.repeat(300),
      () => `${made.bot_id}:${randomPart()}`, () => `${made.bot_id + 1}:${randomPart()}`, () => `1:${randomPart()}`,
    ];
    const statuses: Record<string, number> = {};
    let sent = 0;
    let floodDone = false;
    const worker = async () => {
      while (sent < FLOOD) {
        const i = sent++;
        const res = await fetch(`${b.url}/bot${bogusTokens[i % bogusTokens.length]!()}/${i % 2 ? 'getMe' : 'sendMessage'}`, { method: 'POST' });
        const body = (await res.json()) as { ok: boolean; description?: string; parameters?: { retry_after?: number } };
        const ok = (res.status === 401 && body.description === 'Unauthorized') || (res.status === 429 && body.parameters?.retry_after === 1);
        const key = ok ? String(res.status) : `unexpected ${res.status} ${body.description}`;
        statuses[key] = (statuses[key] ?? 0) + 1;
      }
    };
    const started = Date.now();
    let floodMs = 0;
    const flood = Promise.all(Array.from({ length: WORKERS }, worker)).then(() => {
      floodDone = true;
      floodMs = Date.now() - started;
    });

    const latencies: number[] = [];
    const duringFlood: number[] = [];
    for (let i = 0; i < ROUND_TRIPS; i++) {
      const t0 = performance.now();
      await send(a, chat, `ping ${i}`);
      await waitFor(`the reply to ping ${i}`, async () => (await messages(a, chat)).some((m) => m.sender === made.identity_id && m.text === `pong ping ${i}`), 60_000);
      const took = performance.now() - t0;
      latencies.push(took);
      if (!floodDone) duringFlood.push(took);
      // Telegram's (and the node's) limit in one chat is about one message a second.
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, 1050 - took)));
    }
    await flood;
    const ms = (xs: number[]) => xs.map((x) => Math.round(x)).join(', ');
    console.log(
      `flood: ${FLOOD} bogus requests in ${floodMs} ms (${Math.round((FLOOD / floodMs) * 1000)}/s) ${JSON.stringify(statuses)}; ` +
        `person→bot→person round trips during the flood: ${ms(duringFlood)} ms; after it: ${ms(latencies.slice(duringFlood.length))} ms`,
    );
    assert.equal((statuses['401'] ?? 0) + (statuses['429'] ?? 0), FLOOD, `every bogus request refused: ${JSON.stringify(statuses)}`);
    assert.equal(latencies.length, ROUND_TRIPS, 'every reply arrived');
    assert.deepEqual(botErrors, []);
    assert.ok(duringFlood.length > 0, 'the bot answered while the flood was running');
  } finally {
    await bot.stop();
    await polling;
  }
});
