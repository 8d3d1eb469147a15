import { fork, spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../node-core/test/helpers/net.ts';
import { fmt, percentile, table } from './lib.ts';
import { stageBreakdown } from './profile-stages.ts';
import { sized } from './size.ts';
import { tempDir } from './tmp.ts';

const HERE = path.dirname(fileURLToPath(import.meta.url));

interface Worker {
  readonly name: string;
  readonly child: ChildProcess;
  readonly dataDir: string;
  call<T = unknown>(cmd: string, args?: Record<string, unknown>): Promise<T>;
}

interface RelayMemory {
  readonly idle: { rss: number; heapUsed: number };
  readonly loaded: { rss: number; heapUsed: number; connections: number };
  readonly connectedPeers: number;
}

/** A fresh relay in one memory mode (server.memory_mode), idle and then with simulated peers connected. */
async function relayMemory(workers: Worker[], mode: 'throughput' | 'lean'): Promise<RelayMemory> {
  const memPort = await freePort();
  const memRelay = await startWorker(`relay-mem-${mode}`, { DCHAT_MEMORY_MODE: mode, DCHAT_NODE_ROLE: 'relay', DCHAT_P2P_PORT: String(memPort), DCHAT_RELAY_MAX_PEERS: '1500' });
  workers.push(memRelay);
  const memAddress = `/ip4/127.0.0.1/tcp/${memPort}/p2p/${(await memRelay.call<{ peerId: string }>('info')).peerId}`;
  const idle = await memRelay.call<{ rss: number; heapUsed: number; connections: number }>('usage');
  const swarms: ChildProcess[] = [];
  let connectedPeers = 0;
  const SWARM = sized(250, 25);
  await Promise.all(
    Array.from({ length: 4 }, (_, group) =>
      new Promise<void>((resolve) => {
        const swarm = spawn(process.execPath, [path.join(HERE, 'p2p-swarm.ts'), memAddress, String(SWARM), String(group)], { stdio: ['pipe', 'pipe', 'inherit'] });
        swarms.push(swarm);
        swarm.stdout!.on('data', (d: Buffer) => {
          const m = /connected (\d+)/.exec(String(d));
          if (m) {
            connectedPeers += Number(m[1]);
            resolve();
          }
        });
        swarm.once('exit', () => resolve());
      }),
    ),
  );
  if (connectedPeers !== 4 * SWARM) {
    for (const swarm of swarms) swarm.kill('SIGTERM');
    throw new Error(`relay memory: ${connectedPeers} of ${4 * SWARM} simulated peers connected`);
  }
  // Let the relay settle with its peers (identify, buffers) before reading its memory.
  await new Promise((r) => setTimeout(r, sized(3000, 500)));
  const loaded = await memRelay.call<{ rss: number; heapUsed: number; connections: number }>('usage');
  for (const swarm of swarms) swarm.kill('SIGTERM');
  // Stopped and gone before the next one starts (the run's cleanup skips workers that exited).
  const exited = new Promise((resolve) => memRelay.child.once('exit', resolve));
  await memRelay.call('stop');
  await exited;
  return { idle, loaded, connectedPeers };
}

async function startWorker(name: string, env: Record<string, string>, dataDir = tempDir(name)): Promise<Worker> {
  const [p2p, ws] = [await freePort(), await freePort()];
  const child = fork(path.join(HERE, 'p2p-worker.ts'), [], {
    env: {
      ...process.env,
      DCHAT_DATA_DIR: dataDir,
      DCHAT_P2P_HOST: '127.0.0.1',
      DCHAT_P2P_PORT: env.DCHAT_P2P_PORT ?? String(p2p),
      DCHAT_P2P_WS_PORT: String(ws),
      DCHAT_RATE_LIMIT_ENABLED: 'false',
      DCHAT_LOG_LEVEL: 'silent',
      ...env,
    },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    // BENCH_PROFILE=dir writes a CPU profile of every worker there (open it in Chrome DevTools).
    execArgv: process.env.BENCH_PROFILE ? [...process.execArgv, '--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`, `--cpu-prof-name=${name}.cpuprofile`] : process.execArgv,
  });
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let next = 1;
  await new Promise<void>((resolve, reject) => {
    child.on('message', (message: { ready?: boolean; id?: number; result?: unknown; error?: string }) => {
      if (message.ready) return resolve();
      const waiter = pending.get(message.id!);
      if (!waiter) return;
      pending.delete(message.id!);
      if (message.error) waiter.reject(new Error(`${name}: ${message.error}`));
      else waiter.resolve(message.result);
    });
    child.once('exit', (code) => reject(new Error(`${name} exited with ${code}`)));
  });
  return {
    name,
    child,
    dataDir,
    call: <T>(cmd: string, args: Record<string, unknown> = {}) =>
      new Promise<T>((resolve, reject) => {
        const id = next++;
        pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
        child.send({ id, cmd, ...args });
      }),
  };
}

/** The CPU of the sender, the recipient and the relay over the whole run, by stage (`--profile`). */
async function printStages(workers: readonly Worker[], dir: string): Promise<void> {
  await Promise.all(workers.map((w) => (w.child.exitCode === null ? new Promise((r) => w.child.once('exit', r)) : Promise.resolve())));
  const [relay, alice, bob] = [workers[0]!, workers[1]!, workers[2]!];
  const shares = new Map([relay, alice, bob].map((w) => [w.name, stageBreakdown(path.join(dir, `${w.name}.cpuprofile`))]));
  const stages = [...new Set([...shares.values()].flatMap((list) => list.map((s) => s.stage)))];
  table(
    `CPU by stage over the whole run (sender alice, recipient bob, relay; profiles in ${dir})`,
    stages.map((stage) => ({
      stage,
      ...Object.fromEntries(
        [...shares].map(([name, list]) => {
          const hit = list.find((s) => s.stage === stage);
          return [name, hit ? `${fmt(hit.ms)} (${(hit.share * 100).toFixed(0)}%)` : '—'];
        }),
      ),
    })),
  );
}

/** What a worker's `expect` answers. */
interface Arrivals {
  readonly ok: boolean;
  readonly got: number;
  readonly first?: number;
  readonly last?: number;
  readonly latencies: number[];
}

/** Throws unless exactly `n` messages arrived in time: a run that lost, duplicated or timed out messages prints no figure. */
function delivered(what: string, got: Arrivals, n: number): Arrivals & { last: number } {
  if (!got.ok || got.got !== n || got.last === undefined) throw new Error(`${what}: ${got.got} of ${n} messages arrived${got.ok ? '' : ' before the deadline'} — not a benchmark figure`);
  return got as Arrivals & { last: number };
}

/** A worker's yes/no wait (relay connected, group known): false means it timed out. */
async function must(what: string, check: Promise<boolean>): Promise<void> {
  if (!(await check)) throw new Error(`${what}: timed out`);
}

const ratio = (x: number, base: number) => `${((x / base) * 100).toFixed(0)}%`;
const latencyRow = (what: string, values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return { path: what, messages: sorted.length, p50: fmt(percentile(sorted, 50)), p99: fmt(percentile(sorted, 99)), max: fmt(sorted[sorted.length - 1] ?? NaN) };
};

export async function runP2pBench(): Promise<Record<string, number>> {
  const relayPort = await freePort();
  const relay = await startWorker('relay', { DCHAT_NODE_ROLE: 'relay', DCHAT_P2P_PORT: String(relayPort), DCHAT_RELAY_MAX_PEERS: '1500' });
  const relayInfo = await relay.call<{ peerId: string }>('info');
  const relayAddress = `/ip4/127.0.0.1/tcp/${relayPort}/p2p/${relayInfo.peerId}`;
  const a = await startWorker('alice', { DCHAT_HOME_RELAYS: relayAddress });
  const b = await startWorker('bob', { DCHAT_HOME_RELAYS: relayAddress });
  // Carol announces an address nobody can reach, so mail to her always goes through the relay.
  const carolEnv = { DCHAT_HOME_RELAYS: relayAddress, RELAY_EXTERNAL_ADDRESSES: '/ip4/127.0.0.1/tcp/1' };
  let c = await startWorker('carol', carolEnv);
  const workers = [relay, a, b, c];
  try {
    await a.call('identity', { username: 'alice' });
    const bob = await b.call<{ identityId: string }>('identity', { username: 'bob' });
    await c.call('identity', { username: 'carol' });
    await Promise.all([a, b, c].map((w) => must(`${w.name} connecting to the relay`, w.call<boolean>('relayConnected'))));
    const chatB = await a.call<string>('add', { invite: await b.call('invite') });
    const chatC = await a.call<string>('add', { invite: await c.call('invite') });
    const bInfo = await b.call<{ addresses: string[] }>('info');

    const warm = async (target: Worker, chat: string) => {
      await target.call('mark', { chat });
      await a.call('send', { chat, n: 50 });
      delivered(`warm-up to ${target.name}`, await target.call<Arrivals>('expect', { chat, n: 50, timeoutMs: 30_000 }), 50);
    };
    await warm(b, chatB);
    await warm(c, chatC);

    // Raw baselines between the same processes.
    const RAW_N = sized(20_000, 2_000);
    const raw = await a.call<{ count: number; ms: number }>('rawStream', { addresses: bInfo.addresses, n: RAW_N, size: 1024 });
    if (raw.count !== RAW_N) throw new Error(`raw libp2p stream: ${raw.count} of ${RAW_N} frames arrived`);
    const rawRate = (raw.count / raw.ms) * 1000;

    // CPU time per 1,000 messages on each end: steadier than msg/s on a shared machine, and what
    // a profile's stage breakdown is read against.
    type Usage = { cpu: NodeJS.CpuUsage };
    const cpuMs = (from: Usage, to: Usage) => (to.cpu.user + to.cpu.system - from.cpu.user - from.cpu.system) / 1000;
    const measureThroughput = async (target: Worker, chat: string, n: number) => {
      await target.call('mark', { chat });
      const [senderBefore, targetBefore] = await Promise.all([a.call<Usage>('usage'), target.call<Usage>('usage')]);
      const sent = await a.call<{ started: number }>('send', { chat, n });
      const got = delivered(`${n} messages to ${target.name}`, await target.call<Arrivals>('expect', { chat, n, timeoutMs: 120_000 }), n);
      const [senderAfter, targetAfter] = await Promise.all([a.call<Usage>('usage'), target.call<Usage>('usage')]);
      return {
        rate: (got.got / (got.last - sent.started)) * 1000,
        senderCpu: (cpuMs(senderBefore, senderAfter) / n) * 1000,
        recipientCpu: (cpuMs(targetBefore, targetAfter) / n) * 1000,
      };
    };
    const N = sized(5000, 500);
    const direct = await measureThroughput(b, chatB, N);
    const viaRelay = await measureThroughput(c, chatC, N);

    type LoopDelay = { p50: number; p99: number; max: number };
    const loopDelays: Array<{ path: string; side: string } & LoopDelay> = [];
    const LATENCY_N = sized(3000, 300);
    const measureLatency = async (target: Worker, chat: string, path: string) => {
      await target.call('mark', { chat });
      await Promise.all([a.call('loopDelayStart'), target.call('loopDelayStart')]);
      await a.call('send', { chat, n: LATENCY_N, rate: 1000 });
      const got = delivered(`${LATENCY_N} messages at 1,000 msg/s to ${target.name}`, await target.call<Arrivals>('expect', { chat, n: LATENCY_N, timeoutMs: 60_000 }), LATENCY_N);
      if (got.latencies.length !== LATENCY_N) throw new Error(`${path}: ${got.latencies.length} latencies for ${LATENCY_N} messages`);
      const [sender, receiver] = await Promise.all([a.call<LoopDelay>('loopDelayStop'), target.call<LoopDelay>('loopDelayStop')]);
      loopDelays.push({ path, side: 'sender', ...sender }, { path, side: 'recipient', ...receiver });
      return got.latencies;
    };
    const directLatency = await measureLatency(b, chatB, 'direct');
    const relayLatency = await measureLatency(c, chatC, 'via relay');

    // Raw gossipsub vs group messages between the same two processes.
    const GOSSIP_N = sized(3000, 300);
    const expectRaw = b.call<{ ok: boolean; ms: number; seen: number }>('rawGossipExpect', { n: GOSSIP_N, timeoutMs: 120_000 });
    const published = await a.call<{ ms: number }>('rawGossipPublish', { n: GOSSIP_N, size: 1024 });
    const rawGossip = await expectRaw;
    if (!rawGossip.ok) throw new Error(`raw gossipsub: not all of ${GOSSIP_N} messages arrived before the deadline`);
    const rawGossipRate = (GOSSIP_N / Math.max(published.ms, rawGossip.ms)) * 1000;

    const group = await a.call<{ group_id: string; chat_id: string }>('groupCreate', { members: [bob.identityId] });
    const aInfo = await a.call<{ identityId: string }>('info');
    await must('bob learning the group and its sender key', b.call<boolean>('groupKnown', { group: group.group_id, sender: aInfo.identityId }));
    await warm(b, group.chat_id);
    const groupRun = await measureThroughput(b, group.chat_id, GOSSIP_N);

    // Relay ingest: Carol goes offline; the relay stores what Alice sends her.
    await c.call('stop');
    await new Promise((r) => c.child.once('exit', r));
    const INGEST_N = sized(3000, 300);
    const before = await relay.call<{ stored_total: number }>('relayFigures');
    const cpuBefore = await relay.call<{ cpu: NodeJS.CpuUsage }>('usage');
    const t0 = performance.now();
    await a.call('send', { chat: chatC, n: INGEST_N });
    const ingestDeadline = Date.now() + 120_000;
    let ingested = 0;
    while ((ingested = (await relay.call<{ stored_total: number }>('relayFigures')).stored_total - before.stored_total) < INGEST_N) {
      if (Date.now() > ingestDeadline) throw new Error(`relay ingest: the relay stored ${ingested} of ${INGEST_N} messages in 120 s`);
      await new Promise((r) => setTimeout(r, 20));
    }
    if (ingested !== INGEST_N) throw new Error(`relay ingest: the relay stored ${ingested} messages for ${INGEST_N} sent`);
    const ingestRate = (ingested / (performance.now() - t0)) * 1000;
    // Carol comes back and the relay hands everything over.
    c = await startWorker('carol', carolEnv, c.dataDir);
    workers[3] = c;
    await c.call('mark', { chat: chatC });
    delivered(`${INGEST_N} messages handed over by the relay`, await c.call<Arrivals>('expect', { chat: chatC, n: INGEST_N, timeoutMs: 120_000 }), INGEST_N);
    const cpuAfter = await relay.call<{ cpu: NodeJS.CpuUsage }>('usage');
    const cpuPer1000 = cpuMs(cpuBefore, cpuAfter) / (INGEST_N / 1000);

    // Relay memory with 1,000 connected peers, simulated from four processes, on a fresh relay
    // (the one above carries the heap of everything it just relayed); in both memory modes.
    const memory = await relayMemory(workers, 'throughput');
    const lean = await relayMemory(workers, 'lean');
    const { idle, loaded, connectedPeers } = memory;
    const busy = await relay.call<{ rss: number; heapUsed: number }>('usage');

    table('1:1 messaging between two node processes vs raw libp2p between the same processes (1 KiB each)', [
      { path: 'raw libp2p stream (length-prefixed frames)', 'msg/s': Math.round(rawRate), 'of raw': '100%' },
      { path: 'dchat direct (encrypt, sign, send, verify, decrypt, persist both ends)', 'msg/s': Math.round(direct.rate), 'of raw': ratio(direct.rate, rawRate) },
      { path: 'dchat via relay (sender → relay mailbox → recipient)', 'msg/s': Math.round(viaRelay.rate), 'of raw': ratio(viaRelay.rate, rawRate) },
      { path: 'raw gossipsub publish', 'msg/s': Math.round(rawGossipRate), 'of raw': '—' },
      { path: 'dchat group (sender keys over gossipsub)', 'msg/s': Math.round(groupRun.rate), 'of raw': `${ratio(groupRun.rate, rawGossipRate)} of raw gossipsub` },
    ]);
    table('CPU time per 1,000 messages in the throughput runs above (user + system, each process)', [
      { path: 'dchat direct', sender: `${direct.senderCpu.toFixed(0)} ms`, recipient: `${direct.recipientCpu.toFixed(0)} ms` },
      { path: 'dchat via relay', sender: `${viaRelay.senderCpu.toFixed(0)} ms`, recipient: `${viaRelay.recipientCpu.toFixed(0)} ms` },
      { path: 'dchat group', sender: `${groupRun.senderCpu.toFixed(0)} ms`, recipient: `${groupRun.recipientCpu.toFixed(0)} ms` },
    ]);
    table('Latency at 1,000 msg/s offered load (send call to stored at the recipient)', [latencyRow('direct', directLatency), latencyRow('via relay', relayLatency)]);
    table(
      'Event-loop delay of the node thread at 1,000 msg/s (Electron main process target: p99 < 50 ms)',
      loopDelays.map((d) => ({ path: d.path, side: d.side, p50: fmt(d.p50), p99: fmt(d.p99), max: fmt(d.max) })),
    );
    table('Relay', [
      { figure: 'mailbox ingest (stored durably)', value: `${Math.round(ingestRate)} msg/s` },
      { figure: 'CPU per 1,000 relayed messages (verify, store, push, receipt, delete)', value: `${cpuPer1000.toFixed(0)} ms` },
      { figure: 'RSS of a fresh relay, idle', value: `${(idle.rss / 1e6).toFixed(0)} MB (heap ${(idle.heapUsed / 1e6).toFixed(0)} MB)` },
      { figure: `RSS of a fresh relay with ${connectedPeers} simulated peers (${loaded.connections} connections)`, value: `${(loaded.rss / 1e6).toFixed(0)} MB (heap ${(loaded.heapUsed / 1e6).toFixed(0)} MB)` },
      { figure: 'the same two, memory_mode = "lean"', value: `${(lean.idle.rss / 1e6).toFixed(0)} MB / ${(lean.loaded.rss / 1e6).toFixed(0)} MB (heap ${(lean.loaded.heapUsed / 1e6).toFixed(0)} MB)` },
      { figure: 'RSS of the relay above, after relaying everything in this run', value: `${(busy.rss / 1e6).toFixed(0)} MB (heap ${(busy.heapUsed / 1e6).toFixed(0)} MB)` },
    ]);
    const sortedRelay = [...relayLatency].sort((x, y) => x - y);
    const sortedDirect = [...directLatency].sort((x, y) => x - y);
    return {
      raw_stream_msg_s: rawRate,
      direct_msg_s: direct.rate,
      relay_msg_s: viaRelay.rate,
      raw_gossip_msg_s: rawGossipRate,
      group_msg_s: groupRun.rate,
      direct_sender_cpu_ms_per_1000: direct.senderCpu,
      direct_recipient_cpu_ms_per_1000: direct.recipientCpu,
      relay_path_sender_cpu_ms_per_1000: viaRelay.senderCpu,
      relay_path_recipient_cpu_ms_per_1000: viaRelay.recipientCpu,
      group_sender_cpu_ms_per_1000: groupRun.senderCpu,
      group_recipient_cpu_ms_per_1000: groupRun.recipientCpu,
      direct_p99_ms_at_1000: percentile(sortedDirect, 99),
      relay_p99_ms_at_1000: percentile(sortedRelay, 99),
      event_loop_p99_ms_at_1000: Math.max(...loopDelays.map((d) => d.p99)),
      relay_ingest_msg_s: ingestRate,
      relay_cpu_ms_per_1000: cpuPer1000,
      relay_rss_mb_idle: idle.rss / 1e6,
      relay_rss_mb_1000_peers: loaded.rss / 1e6,
      relay_rss_mb_idle_lean: lean.idle.rss / 1e6,
      relay_rss_mb_1000_peers_lean: lean.loaded.rss / 1e6,
      relay_simulated_peers: connectedPeers,
    };
  } finally {
    await Promise.allSettled(workers.map((w) => (w.child.exitCode === null ? w.call('stop') : Promise.resolve())));
    if (process.env.BENCH_PROFILE) await printStages(workers, process.env.BENCH_PROFILE);
  }
}
