/**
 * One benchmark process: a real dchat node (createNode, as the CLI runs it) plus raw libp2p
 * protocols on the same libp2p instance, so the dchat figures and the raw baselines come from the
 * same two processes. Driven by the orchestrator over IPC (process.send).
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { lpStream } from '@libp2p/utils';
import { multiaddr } from '@multiformats/multiaddr';
import pino from 'pino';
import type { ApiEvent, Message } from '../node-core/api/contract.ts';
import { loadConfig } from '../node-core/config/load.ts';
import { createNode } from '../node-core/node.ts';

interface Command {
  readonly id: number;
  readonly cmd: string;
  readonly [key: string]: unknown;
}

const RAW_STREAM = '/bench/raw-stream/1.0.0';
const RAW_TOPIC = 'bench/raw';

const loaded = loadConfig({ env: process.env });
const node = createNode({ loaded, logger: pino({ level: 'silent' }), version: 'bench', http: false });
await node.start();
const services = node.network!;
const libp2p = services.network.libp2p;
const pubsub = services.network.pubsub;

// Raw stream sink: counts 1 KiB frames, answers with the count when the sender finishes.
await libp2p.handle(RAW_STREAM, async (stream) => {
  const lp = lpStream(stream, { maxDataLength: 64 * 1024 });
  let count = 0;
  try {
    for (;;) {
      const frame = await lp.read();
      if (frame.byteLength === 1) break;
      count++;
    }
    await lp.write(new TextEncoder().encode(String(count)));
  } finally {
    await stream.close().catch(() => undefined);
  }
});

let rawGossipSeen = 0;
pubsub.subscribe(RAW_TOPIC);
pubsub.addEventListener('message', (event) => {
  if (event.detail.topic === RAW_TOPIC) rawGossipSeen++;
});

const arrivals = new Map<string, number[]>();
const latencies: number[] = [];
node.events.subscribe((event: ApiEvent) => {
  if (event.type !== 'message.created') return;
  const message = event.data as Message;
  if (message.sender === identityId) return;
  const list = arrivals.get(message.chat_id) ?? [];
  list.push(performance.timeOrigin + performance.now());
  arrivals.set(message.chat_id, list);
  latencies.push(Date.now() - message.sent_at);
});

let identityId = '';
// Event-loop delay of this process's main thread: the thread Electron's main process runs the
// node on, next to the window's IPC.
let loopDelay: ReturnType<typeof monitorEventLoopDelay> | undefined;
const call = node.api.call;

async function waitUntil(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 2));
  }
  return true;
}

const handlers: Record<string, (c: Command) => Promise<unknown>> = {
  async info() {
    return { peerId: services.network.peerId, addresses: services.network.addresses(), identityId };
  },
  async identity(c) {
    identityId = (await call('identities.create', { username: c.username as string })).id;
    return { identityId };
  },
  async invite() {
    return (await call('contacts.invite', {})).invite;
  },
  async add(c) {
    return (await call('contacts.add', { invite: c.invite as string })).chat_id;
  },
  async relays(c) {
    return call('relays.set', { relays: c.relays as string[] });
  },
  async relayConnected() {
    return waitUntil(() => services.relayClient.status().every((r) => r.connected) && services.relayClient.status().length > 0, 15_000);
  },
  async rawStream(c) {
    const n = c.n as number;
    const frame = new Uint8Array(c.size as number);
    const stream = await libp2p.dialProtocol((c.addresses as string[]).map((a) => multiaddr(a)), RAW_STREAM);
    const lp = lpStream(stream, { maxDataLength: 64 * 1024 });
    const t0 = performance.now();
    for (let i = 0; i < n; i++) await lp.write(frame);
    await lp.write(new Uint8Array(1));
    const count = Number(new TextDecoder().decode((await lp.read()).subarray()));
    const ms = performance.now() - t0;
    await stream.close();
    return { count, ms };
  },
  async rawGossipPublish(c) {
    const n = c.n as number;
    const data = new Uint8Array(c.size as number);
    const t0 = performance.now();
    // Published as fast as gossipsub takes them, like the group path does (no await per message).
    const published: Array<Promise<unknown>> = [];
    for (let i = 0; i < n; i++) {
      const message = data.slice();
      message[0] = i & 255;
      message[1] = (i >> 8) & 255;
      message[2] = (i >> 16) & 255;
      published.push(pubsub.publish(RAW_TOPIC, message));
    }
    await Promise.all(published);
    return { ms: performance.now() - t0 };
  },
  async rawGossipExpect(c) {
    const target = rawGossipSeen + (c.n as number);
    const t0 = performance.now();
    const ok = await waitUntil(() => rawGossipSeen >= target, c.timeoutMs as number);
    return { ok, ms: performance.now() - t0, seen: rawGossipSeen };
  },
  async mark(c) {
    arrivals.set(c.chat as string, []);
    latencies.length = 0;
    return true;
  },
  async expect(c) {
    const chat = c.chat as string;
    const n = c.n as number;
    const ok = await waitUntil(() => (arrivals.get(chat)?.length ?? 0) >= n, c.timeoutMs as number);
    const times = arrivals.get(chat) ?? [];
    return { ok, got: times.length, first: times[0], last: times[times.length - 1], latencies: [...latencies] };
  },
  async send(c) {
    const chat = c.chat as string;
    const n = c.n as number;
    const rate = c.rate as number | undefined;
    const started = performance.timeOrigin + performance.now();
    if (rate) {
      // A fixed offered load: `rate` messages per second, sent in 10 ms ticks.
      const perTick = Math.max(1, Math.round(rate / 100));
      let sent = 0;
      const pending: Array<Promise<unknown>> = [];
      await new Promise<void>((resolve) => {
        const timer = setInterval(() => {
          for (let i = 0; i < perTick && sent < n; i++, sent++) pending.push(call('messages.send', { chat_id: chat, text: `m${sent} ${'x'.repeat(900)}` }));
          if (sent >= n) {
            clearInterval(timer);
            resolve();
          }
        }, 10);
      });
      await Promise.all(pending);
    } else {
      const inflight = 500;
      for (let i = 0; i < n; i += inflight) {
        await Promise.all(Array.from({ length: Math.min(inflight, n - i) }, (_, j) => call('messages.send', { chat_id: chat, text: `m${i + j} ${'x'.repeat(900)}` })));
      }
    }
    return { started, ms: performance.timeOrigin + performance.now() - started };
  },
  async groupCreate(c) {
    return call('groups.create', { title: 'bench', members: c.members as string[] });
  },
  async groupKnown(c) {
    return waitUntil(() => {
      try {
        return node.store.repos.groups.get(c.group as string) !== undefined && node.store.repos.groups.latestSenderKey(c.group as string, c.sender as string) !== undefined;
      } catch {
        return false;
      }
    }, 20_000);
  },
  async relayFigures() {
    return call('relay.status', {});
  },
  async loopDelayStart() {
    loopDelay?.disable();
    loopDelay = monitorEventLoopDelay({ resolution: 1 });
    loopDelay.enable();
    return true;
  },
  async loopDelayStop() {
    if (!loopDelay) throw new Error('loopDelayStart first');
    loopDelay.disable();
    const ms = (ns: number) => ns / 1e6;
    // The histogram includes the 1 ms sampling interval itself; subtract it to get the delay.
    const figures = { p50: ms(loopDelay.percentile(50)) - 1, p99: ms(loopDelay.percentile(99)) - 1, max: ms(loopDelay.max) - 1 };
    loopDelay = undefined;
    return figures;
  },
  async usage() {
    const memory = process.memoryUsage();
    return { cpu: process.cpuUsage(), rss: memory.rss, heapUsed: memory.heapUsed, external: memory.external, arrayBuffers: memory.arrayBuffers, connections: libp2p.getConnections().length };
  },
  async stop() {
    await node.stop();
    setImmediate(() => process.exit(0));
    return true;
  },
};

process.on('message', (message: Command) => {
  const handler = handlers[message.cmd];
  if (!handler) {
    process.send!({ id: message.id, error: `unknown command ${message.cmd}` });
    return;
  }
  handler(message).then(
    (result) => process.send!({ id: message.id, result }),
    (err: Error) => process.send!({ id: message.id, error: err.stack ?? err.message }),
  );
});
process.send!({ ready: true });
