/**
 * `npm run bench relay-cluster` — a relay's mailbox ingest on its three storage shapes, same run,
 * same load: the embedded SQLite relay; one relay on PostgreSQL; three relay replicas sharing one
 * peer key and one PostgreSQL behind HAProxy (TCP mode, least connections), as the Phase 5 guide
 * deploys it. The load is CLIENTS processes (bench/relay-cluster-client.ts) with CONNECTIONS libp2p
 * peers each, depositing signed 1 KiB envelopes for RECIPIENTS registered recipients over the
 * relay protocol, INFLIGHT at a time per process: msg/s stored (acknowledged, so durable) over the
 * window and each deposit's latency p50/p99 as the client saw it. Then the delivery latency across
 * replicas: two dchat nodes that cannot reach each other directly, their connections on different
 * replicas; a message sent by one (API call) until the other shows it, pushed by the recipient's
 * replica on PostgreSQL's notification of the deposit on the other.
 * Goals (this 2-core machine): 3 replicas ≥ 1.5× one replica's ingest; one PostgreSQL replica
 * ≥ 80 % of the SQLite relay. Printed beside the figures, never asserted; when a goal is not met
 * the CPU each process used in the window says which resource limited it. Throws if a deposit
 * was refused or lost. Needs PostgreSQL's server binaries and haproxy (as the tests do): without
 * them the suite says so and records nothing.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { bytesToHex } from '@noble/hashes/utils.js';
import { generateSigningKeyPair } from '../node-core/crypto/signing.ts';
import { loadOrCreatePeerKey, PEER_KEY_FILE } from '../node-core/p2p/peer-key.ts';
import { haproxyMissing, startHaproxy } from '../node-core/test/helpers/haproxy.ts';
import { freePort, startTestPostgres, type TestPostgres } from '../node-core/test/helpers/postgres.ts';
import { introduceOverRelay, json, messages, send, startRelay, startUser, waitFor, waitRelayConnected, type RelayNode } from '../node-core/test/helpers/p2p-net.ts';
import { killAllNodes, type RunningNode } from '../node-core/test/helpers/spawn-node.ts';
import { percentile, table } from './lib.ts';
import { sized } from './size.ts';
import { tempDir } from './tmp.ts';

const N = sized(16_000, 600);
const WARMUP = sized(1_000, 100);
const CLIENTS = 2;
const CONNECTIONS = 3;
const INFLIGHT = 32;
const RECIPIENTS = 256;
const CROSS_SAMPLES = sized(30, 5);
const CLIENT = path.join(import.meta.dirname, 'relay-cluster-client.ts');
const TICK_MS = 10; // /proc's clock ticks (USER_HZ 100 on Linux)

interface ClientResult {
  readonly ms: number;
  readonly stored: number;
  readonly refused: number;
  readonly latencies: number[];
  readonly cpu_ms: number;
}

function runClient(args: Record<string, unknown>): Promise<ClientResult & { registered?: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLIENT, JSON.stringify(args)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d));
    child.stderr.on('data', (d: Buffer) => (err += d));
    // 'close', not 'exit': stdout (thousands of latencies) may still be arriving at exit.
    child.on('close', (code) => (code === 0 ? resolve(JSON.parse(out.trim().split('\n').pop()!)) : reject(new Error(`relay-cluster client exited ${code}: ${err.slice(-2000)}`))));
  });
}

/** A process's CPU (user + system, and its exited children's) from /proc, in ms. */
function procCpuMs(pid: number, withChildren = false): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ').map(Number);
    let ms = (f[11]! + f[12]! + f[13]! + f[14]!) * TICK_MS;
    if (withChildren) {
      for (const entry of fs.readdirSync('/proc')) {
        if (!/^\d+$/.test(entry)) continue;
        try {
          const s = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
          const g = s.slice(s.lastIndexOf(')') + 2).split(' ').map(Number);
          if (g[1] === pid) ms += (g[11]! + g[12]!) * TICK_MS;
        } catch {
          // gone meanwhile
        }
      }
    }
    return ms;
  } catch {
    return 0;
  }
}

const postmasterPid = (pg: TestPostgres) => Number(fs.readFileSync(path.join(pg.dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);

interface Shape {
  readonly name: string;
  readonly target: string;
  readonly relayPeer: string;
  /** Processes whose CPU is shown: name → pid (with children for PostgreSQL). */
  readonly processes: ReadonlyArray<{ readonly name: string; readonly pid: number; readonly children?: boolean }>;
}

interface ShapeFigures {
  readonly msgPerS: number;
  readonly p50: number;
  readonly p99: number;
  /** CPU used in the window, as % of one core, by process. */
  readonly cpu: Record<string, number>;
  readonly busyPct: number;
}

async function measure(shape: Shape, recipients: string[]): Promise<ShapeFigures> {
  const base = { target: shape.target, relay: shape.relayPeer, recipients };
  await runClient({ ...base, mode: 'register' });
  const warm = await runClient({ ...base, mode: 'deposit', n: WARMUP, inflight: INFLIGHT, connections: CONNECTIONS });
  if (warm.refused > 0) throw new Error(`${shape.name}: ${warm.refused} warm-up deposits refused`);
  const before = shape.processes.map((p) => procCpuMs(p.pid, p.children));
  const t0 = performance.now();
  const results = await Promise.all(Array.from({ length: CLIENTS }, () => runClient({ ...base, mode: 'deposit', n: N / CLIENTS, inflight: INFLIGHT, connections: CONNECTIONS })));
  const windowMs = performance.now() - t0;
  const after = shape.processes.map((p) => procCpuMs(p.pid, p.children));
  const refused = results.reduce((n, r) => n + r.refused, 0);
  const stored = results.reduce((n, r) => n + r.stored, 0);
  if (refused > 0 || stored !== N) throw new Error(`${shape.name}: ${stored} of ${N} deposits acknowledged, ${refused} refused or lost`);
  const latencies = results.flatMap((r) => r.latencies).sort((a, b) => a - b);
  const clientWindow = Math.max(...results.map((r) => r.ms));
  const cpu: Record<string, number> = {};
  shape.processes.forEach((p, i) => (cpu[p.name] = (100 * (after[i]! - before[i]!)) / windowMs));
  cpu.clients = (100 * results.reduce((n, r) => n + r.cpu_ms, 0)) / windowMs;
  const busyPct = Object.values(cpu).reduce((a, b) => a + b, 0) / 2;
  return { msgPerS: (stored / clientWindow) * 1000, p50: percentile(latencies, 50), p99: percentile(latencies, 99), cpu, busyPct };
}

// (The test helpers read the nodes' info-level "ready" line: the log level stays.)
const relayEnv = {};

export async function runRelayClusterBench(): Promise<Record<string, number>> {
  const missing = haproxyMissing();
  const started = missing ? undefined : await startTestPostgres();
  const why = missing ?? started?.skip;
  if (!started?.server) {
    console.log(`\nrelay-cluster: skipped — ${why}`);
    return {};
  }
  const pg = started.server;
  const recipients = Array.from({ length: RECIPIENTS }, () => bytesToHex(generateSigningKeyPair().secretKey));
  const results: Record<string, ShapeFigures> = {};
  let cross: number[] = [];
  let crossConfirmed: number | undefined;
  const stopAll: Array<() => Promise<unknown>> = [];
  try {
    // 1. The embedded SQLite relay.
    const sqlite = await startRelay({ env: relayEnv });
    stopAll.push(() => sqlite.stop());
    results.sqlite = await measure({ name: 'SQLite relay', target: sqlite.relayAddress, relayPeer: sqlite.peerId!, processes: [{ name: 'relay', pid: sqlite.child.pid! }] }, recipients);
    await sqlite.stop();

    // 2. One relay on PostgreSQL.
    const oneUrl = await pg.createDatabase();
    const one = await startRelay({ env: { ...relayEnv, DATABASE_URL: oneUrl } });
    stopAll.push(() => one.stop());
    results.pg1 = await measure({
      name: '1 PostgreSQL replica',
      target: one.relayAddress,
      relayPeer: one.peerId!,
      processes: [{ name: 'relay', pid: one.child.pid! }, { name: 'postgres', pid: postmasterPid(pg), children: true }],
    }, recipients);
    await one.stop();

    // 3. Three replicas, one peer key, one database, behind HAProxy.
    const url = await pg.createDatabase();
    const dirs = [tempDir('relay-cluster'), tempDir('relay-cluster'), tempDir('relay-cluster')];
    await loadOrCreatePeerKey(dirs[0]!);
    for (const dir of dirs.slice(1)) fs.copyFileSync(path.join(dirs[0]!, PEER_KEY_FILE), path.join(dir, PEER_KEY_FILE));
    const [front, ...ports] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
    const haproxy = await startHaproxy(front!, ports.map((p) => `127.0.0.1:${p}`));
    stopAll.push(() => haproxy.stop());
    const replicas: RelayNode[] = await Promise.all(dirs.map((dataDir, i) => startRelay({
      dataDir,
      p2pPort: ports[i]!,
      env: { ...relayEnv, DATABASE_URL: url, RELAY_EXTERNAL_ADDRESSES: `/ip4/127.0.0.1/tcp/${front}`, DCHAT_RELAY_BALANCER_ADDRESSES: '127.0.0.1' },
    })));
    for (const r of replicas) stopAll.push(() => r.stop());
    const cluster = `/ip4/127.0.0.1/tcp/${front}/p2p/${replicas[0]!.peerId}`;
    results.pg3 = await measure({
      name: '3 replicas behind HAProxy',
      target: cluster,
      relayPeer: replicas[0]!.peerId!,
      processes: [
        ...replicas.map((r, i) => ({ name: `replica ${i + 1}`, pid: r.child.pid! })),
        { name: 'postgres', pid: postmasterPid(pg), children: true },
        { name: 'haproxy', pid: haproxy.pid },
      ],
    }, recipients);

    // 4. Delivery across replicas, between two dchat nodes.
    const unreachable = async () => ({ DCHAT_HOME_RELAYS: cluster, RELAY_EXTERNAL_ADDRESSES: `/ip4/127.0.0.1/tcp/${await freePort()}` });
    const [alice, bob] = await Promise.all<[Promise<RunningNode>, Promise<RunningNode>]>([startUser(null, { env: await unreachable() }), startUser(null, { env: await unreachable() })]);
    stopAll.push(() => alice.stop(), () => bob.stop());
    const chat = await introduceOverRelay(alice, bob, 'hello');
    await waitRelayConnected(alice);
    const subs = await Promise.all(replicas.map(async (r) => (await json<{ subscribers: number }>(r.api('/api/relay'))).subscribers));
    crossConfirmed = subs.filter((n) => n === 1).length === 2 ? 1 : 0;
    for (let i = 0; i < CROSS_SAMPLES; i++) {
      const t0 = performance.now();
      const sent = await send(alice, chat, `cross ${i}`);
      await waitFor(`cross ${i}`, async () => (await messages(bob, chat)).some((m) => m.id === sent.id), 10_000);
      cross.push(performance.now() - t0);
    }
    cross = cross.sort((a, b) => a - b);
  } finally {
    for (const stop of stopAll.reverse()) await stop().catch(() => undefined);
    await killAllNodes();
    await pg.stop();
  }

  const { sqlite, pg1, pg3 } = results as Record<'sqlite' | 'pg1' | 'pg3', ShapeFigures>;
  const scale = pg3.msgPerS / pg1.msgPerS;
  const ofSqlite = pg1.msgPerS / sqlite.msgPerS;
  const cpuText = (f: ShapeFigures) => Object.entries(f.cpu).map(([k, v]) => `${k} ${Math.round(v)} %`).join(', ');
  table(`relay-cluster: mailbox ingest, ${N} deposits of 1 KiB, ${CLIENTS}×${CONNECTIONS} connections, ${CLIENTS}×${INFLIGHT} in flight, ${RECIPIENTS} recipients`, [
    ...(['sqlite', 'pg1', 'pg3'] as const).map((k) => ({
      shape: { sqlite: 'SQLite relay', pg1: '1 PostgreSQL replica', pg3: '3 replicas + HAProxy' }[k],
      'msg/s': Math.round(results[k]!.msgPerS),
      'p50 ms': results[k]!.p50.toFixed(1),
      'p99 ms': results[k]!.p99.toFixed(1),
      'CPU (% of one core) in the window': `${cpuText(results[k]!)}; machine ${Math.round(results[k]!.busyPct)} % busy`,
    })),
  ]);
  const limit = (f: ShapeFigures) =>
    f.busyPct >= 85
      ? `CPU: both cores busy (${Math.round(f.busyPct)} %); the largest share is ${Object.entries(f.cpu).sort((a, b) => b[1] - a[1])[0]![0]}`
      : `not CPU (the machine was ${Math.round(f.busyPct)} % busy): each deposit waits for its commit (one mailbox_deposit call and its WAL flush) and a recipient's deposits go one after another (stored in order)`;
  table('relay-cluster: goals', [
    { goal: '3 replicas ≥ 1.5× one replica', figure: `${scale.toFixed(2)}×`, met: scale >= 1.5 ? 'yes' : `no — ${limit(pg3)}` },
    { goal: 'one PostgreSQL replica ≥ 80 % of SQLite', figure: `${Math.round(ofSqlite * 100)} %`, met: ofSqlite >= 0.8 ? 'yes' : `no — ${limit(pg1)}` },
    {
      goal: 'delivery across replicas < 1 s',
      figure: `p50 ${percentile(cross, 50).toFixed(0)} ms, p99 ${percentile(cross, 99).toFixed(0)} ms (${cross.length} messages${crossConfirmed ? ', sender and recipient on different replicas' : ', NOT confirmed on different replicas'})`,
      met: percentile(cross, 99) < 1000 ? 'yes' : 'no',
    },
  ]);
  return {
    sqlite_ingest_msg_s: sqlite.msgPerS,
    sqlite_p50_ms: sqlite.p50,
    sqlite_p99_ms: sqlite.p99,
    pg1_ingest_msg_s: pg1.msgPerS,
    pg1_p50_ms: pg1.p50,
    pg1_p99_ms: pg1.p99,
    pg3_ingest_msg_s: pg3.msgPerS,
    pg3_p50_ms: pg3.p50,
    pg3_p99_ms: pg3.p99,
    pg3_vs_pg1: scale,
    pg1_vs_sqlite: ofSqlite,
    sqlite_busy_pct: sqlite.busyPct,
    pg1_busy_pct: pg1.busyPct,
    pg3_busy_pct: pg3.busyPct,
    pg1_postgres_cpu_pct: pg1.cpu.postgres ?? 0,
    pg3_postgres_cpu_pct: pg3.cpu.postgres ?? 0,
    cross_replica_p50_ms: percentile(cross, 50),
    cross_replica_p99_ms: percentile(cross, 99),
    cross_replica_confirmed: crossConfirmed ?? 0,
  };
}
