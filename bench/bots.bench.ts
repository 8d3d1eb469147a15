/**
 * `npm run bench bots` — the bot path across two node processes (and a relay): people on node A,
 * a bot hosted by node B.
 *  - updates/s to a long-polling bot and to a webhook bot: a backlog of messages from the people
 *    on A is stored at B first (with nothing consuming), then drained, so the figure is B's bot
 *    path alone (the Bot API or the webhook deliverer, the store's confirms), not p2p transport.
 *    The webhook backlog spans several chats, so deliveries run in parallel up to max_connections
 *    (in order within each chat).
 *  - p99 person→bot→person round trip: a person sends on A, a long-polling bot on B answers, the
 *    answer is seen on A's event stream. Each chat is paced to Telegram's one message a second,
 *    so many people take turns.
 * Goals: ≥ 1,000 updates/s, round trip p99 < 50 ms on loopback.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createIdentity, json, startRelay, startUser, waitFor, waitRelayConnected } from '../node-core/test/helpers/p2p-net.ts';
import { killAllNodes, type RunningNode } from '../node-core/test/helpers/spawn-node.ts';
import { fmt, percentile, rate, table } from './lib.ts';
import { count, sized } from './size.ts';

const PEOPLE = sized(16, 2);
const BACKLOG = sized(5000, 100);
const ROUND_TRIPS = sized(320, 6);
/** Each chat's pace: Telegram's (and the node's) limit is about one message a second per chat. */
const PACE_MS = 1050;
// Info, not the tests' debug: the helpers wait for the ready line, and per-message debug lines would be measured too.
const QUIET = { DCHAT_LOG_LEVEL: 'info' };

interface Person {
  readonly identity: string;
  readonly chat: string;
}
interface Made {
  bot_id: number;
  token: string;
  invite: string;
  identity_id: string;
}

const call = async <T>(node: RunningNode, token: string, method: string, params: Record<string, unknown> = {}): Promise<T> => {
  const res = await fetch(`${node.url}/bot${token}/${method}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(params) });
  const body = (await res.json()) as { ok: boolean; result: T; description?: string };
  if (!body.ok) throw new Error(`${method}: ${body.description}`);
  return body.result;
};

const pending = async (b: RunningNode, botId: number) => (await json<{ bots: Array<{ bot_id: number; pending_updates: number }> }>(b.api('/api/bots'))).bots.find((x) => x.bot_id === botId)!.pending_updates;

/** `total` messages from the people on A (several senders at once), stored at B as updates. */
async function backlog(a: RunningNode, b: RunningNode, made: Made, people: readonly Person[], total: number, tag: string): Promise<void> {
  let next = 0;
  await Promise.all(people.map(async (p) => {
    while (next < total) {
      const i = next++;
      const res = await a.api('/api/messages/send', { json: { chat_id: p.chat, text: `${tag} ${i}` } });
      if (res.status !== 200 && res.status !== 201) throw new Error(`send: ${res.status} ${await res.text()}`);
    }
  }));
  await waitFor(`${total} updates stored at B`, async () => (await pending(b, made.bot_id)) >= total, 120_000);
}

/** A raw long-polling client: getUpdates with the offset until `total` came. */
async function drainLongPoll(b: RunningNode, token: string, total: number): Promise<number> {
  let offset = 0;
  let got = 0;
  const t0 = performance.now();
  while (got < total) {
    const updates = await call<Array<{ update_id: number }>>(b, token, 'getUpdates', { offset, limit: 100, timeout: 5 });
    got += updates.length;
    if (updates.length > 0) offset = updates.at(-1)!.update_id + 1;
  }
  const ms = performance.now() - t0;
  await call(b, token, 'getUpdates', { offset, timeout: 0 });
  return ms;
}

/** A local webhook answering 200 at once; resolves with the time from setWebhook to the last delivery. */
async function drainWebhook(b: RunningNode, token: string, total: number): Promise<number> {
  let got = 0;
  let done!: () => void;
  const all = new Promise<void>((resolve) => (done = resolve));
  const server = http.createServer((req, res) => {
    req.resume().on('end', () => {
      res.writeHead(200).end();
      if (++got === total) done();
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const t0 = performance.now();
    await call(b, token, 'setWebhook', { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, max_connections: 40 });
    await all;
    const ms = performance.now() - t0;
    await call(b, token, 'deleteWebhook');
    return ms;
  } finally {
    server.closeAllConnections();
    server.close();
  }
}

/** Round trips person→bot→person, seen on A's event stream; each chat paced to one a second. */
async function roundTrips(a: RunningNode, b: RunningNode, made: Made, people: readonly Person[], total: number): Promise<Legs> {
  const stopBot = new AbortController();
  const seen = new Map<string, { got: number; sent: number }>();
  const bot = (async () => {
    let offset = 0;
    while (!stopBot.signal.aborted) {
      const updates = await call<Array<{ update_id: number; message: { chat: { id: number }; text: string } }>>(b, made.token, 'getUpdates', { offset, timeout: 1 });
      // Answered concurrently (each chat has one ping outstanding, so no chat's order is at stake):
      // a bot that answers one update after another would put its own queue into the figure.
      const got = performance.now();
      await Promise.all(updates.map(async (u) => {
        await call(b, made.token, 'sendMessage', { chat_id: u.message.chat.id, text: `re: ${u.message.text}` });
        seen.set(u.message.text, { got, sent: performance.now() });
      }));
      if (updates.length > 0) offset = updates.at(-1)!.update_id + 1;
    }
  })();
  const waiting = new Map<string, () => void>();
  const ws = new WebSocket(`${a.url.replace('http', 'ws')}/api/events?access_token=${a.token}`);
  ws.onmessage = (e) => {
    const event = JSON.parse(String(e.data)) as { type: string; data?: { sender: string; text: string } };
    if (event.type === 'message.created' && event.data?.sender === made.identity_id) waiting.get(event.data.text)?.();
  };
  await new Promise((resolve, reject) => ((ws.onopen = resolve), (ws.onerror = reject)));
  const legs: Legs = { total: [], in: [], bot: [], out: [] };
  let next = 0;
  await Promise.all(people.map(async (p, i) => {
    // Staggered over the one-second pace, so the pings arrive evenly, not all at once every second.
    await new Promise((resolve) => setTimeout(resolve, (i * PACE_MS) / people.length));
    while (next < total) {
      const text = `ping ${next++}`;
      const answered = new Promise<void>((resolve) => waiting.set(`re: ${text}`, resolve));
      const t0 = performance.now();
      await a.api('/api/messages/send', { json: { chat_id: p.chat, text } });
      await answered;
      const took = performance.now() - t0;
      const at = seen.get(text);
      legs.total.push(took);
      if (at) {
        legs.in.push(at.got - t0);
        legs.bot.push(at.sent - at.got);
        legs.out.push(t0 + took - at.sent);
      }
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, PACE_MS - took)));
    }
  }));
  ws.close();
  stopBot.abort();
  await bot;
  for (const leg of Object.values(legs) as number[][]) leg.sort((x, y) => x - y);
  return legs;
}

/** A round trip's time, and its legs: A's send to the bot's update, the bot's sendMessage call, its answer to the message on A. */
interface Legs {
  readonly total: number[];
  readonly in: number[];
  readonly bot: number[];
  readonly out: number[];
}

export async function runBotsBench(): Promise<Record<string, number>> {
  try {
    const relay = await startRelay({ env: QUIET });
    const a = await startUser(relay, { env: QUIET });
    const b = await startUser(relay, { env: QUIET });
    const made = await json<Made>(b.api('/api/bots/create', { json: { username: 'benchbot', name: 'Bench Bot' } }));
    await waitRelayConnected(b);
    const people: Person[] = [];
    for (let i = 0; i < PEOPLE; i++) {
      const identity = await createIdentity(a, `person${i}`);
      const added = await json<{ chat_id: string }>(a.api('/api/contacts', { json: { invite: made.invite, identity_id: identity } }));
      people.push({ identity, chat: added.chat_id });
    }
    // Round trips first: the backlogs leave the nodes busy for a while (receipts of thousands of messages).
    // A first message per chat warms up its session and the code paths; not counted.
    await roundTrips(a, b, made, people, PEOPLE);
    const trips = await roundTrips(a, b, made, people, ROUND_TRIPS);
    await backlog(a, b, made, people, BACKLOG, 'poll');
    const pollMs = await drainLongPoll(b, made.token, BACKLOG);
    await backlog(a, b, made, people, BACKLOG, 'hook');
    const hookMs = await drainWebhook(b, made.token, BACKLOG);
    const figures = {
      bot_longpoll_updates_s: rate(BACKLOG, pollMs),
      bot_webhook_updates_s: rate(BACKLOG, hookMs),
      bot_round_trip_p50_ms: percentile(trips.total, 50),
      bot_round_trip_p99_ms: percentile(trips.total, 99),
      bot_leg_in_p50_ms: percentile(trips.in, 50),
      bot_leg_send_p50_ms: percentile(trips.bot, 50),
      bot_leg_out_p50_ms: percentile(trips.out, 50),
    };
    table(`Bots: ${count(BACKLOG)} stored updates drained by one bot; ${count(trips.total.length)} round trips from ${PEOPLE} people (goals: ≥ 1,000 updates/s, p99 < 50 ms)`, [
      { case: 'long polling (getUpdates, limit 100, offset confirms)', figure: `${count(figures.bot_longpoll_updates_s)} updates/s` },
      { case: `webhook (${PEOPLE} chats, max_connections 40, each confirmed durably)`, figure: `${count(figures.bot_webhook_updates_s)} updates/s` },
      { case: 'person on A → long-polling bot on B → person, p50', figure: fmt(figures.bot_round_trip_p50_ms) },
      { case: 'person on A → long-polling bot on B → person, p99', figure: fmt(figures.bot_round_trip_p99_ms) },
      { case: '  of which, p50: A sends → the bot has the update (p2p, store, long poll)', figure: fmt(figures.bot_leg_in_p50_ms) },
      { case: '  the bot\'s sendMessage call (store, encrypt, hand to p2p)', figure: fmt(figures.bot_leg_send_p50_ms) },
      { case: '  its answer → on A\'s event stream (p2p, store, event)', figure: fmt(figures.bot_leg_out_p50_ms) },
    ]);
    return figures;
  } finally {
    await killAllNodes();
  }
}
