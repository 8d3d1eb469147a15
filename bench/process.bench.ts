import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { freePort } from '../node-core/test/helpers/net.ts';
import { fmt, percentile, table } from './lib.ts';
import { MESSAGES } from './query.bench.ts';
import { count, sized } from './size.ts';
import { tempDir } from './tmp.ts';

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'bin', 'dchat.js');

interface BenchNode {
  readonly child: ChildProcess;
  /** What the node wrote to stderr, for the error when it does not come up. */
  readonly stderr: () => string;
}

function spawnNode(dataDir: string, port: number, env: Record<string, string> = {}): BenchNode {
  const child = spawn(process.execPath, [BIN, '--headless', '--data-dir', dataDir, '--api-port', String(port), '--p2p-port', '0', '--p2p-ws-port', '0', '--log-level', 'warn'], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, DCHAT_P2P_HOST: '127.0.0.1', ...env },
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  return { child, stderr: () => stderr };
}

/** Polls /ready until it answers 200; throws (with the node's stderr) when the node exits or the deadline passes. */
async function waitReady(node: BenchNode, port: number, deadlineMs = 20_000): Promise<number> {
  const t0 = performance.now();
  while (performance.now() - t0 < deadlineMs) {
    if (node.child.exitCode !== null || node.child.signalCode !== null) {
      throw new Error(`the node exited with ${node.child.exitCode ?? node.child.signalCode} before it was ready:\n${node.stderr()}`);
    }
    try {
      const res = await fetch(`http://127.0.0.1:${port}/ready`);
      if (res.status === 200) return performance.now() - t0;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 2));
  }
  node.child.kill('SIGKILL');
  throw new Error(`node did not become ready within ${deadlineMs} ms:\n${node.stderr()}`);
}

/** SIGTERM and wait (with a deadline) for a clean exit. */
async function stopNode(node: BenchNode, deadlineMs = 10_000): Promise<void> {
  const { child } = node;
  if (child.exitCode !== null || child.signalCode !== null) throw new Error(`the node had already exited with ${child.exitCode ?? child.signalCode}:\n${node.stderr()}`);
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  child.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((r) => (timer = setTimeout(() => r('late'), deadlineMs)));
  const code = await Promise.race([exited, late]).finally(() => clearTimeout(timer));
  if (code === 'late') {
    child.kill('SIGKILL');
    throw new Error(`the node did not stop within ${deadlineMs} ms of SIGTERM`);
  }
  if (code !== 0) throw new Error(`the node exited with ${code} after SIGTERM:\n${node.stderr()}`);
}

export async function runColdStartBench(bigDir: string): Promise<Record<string, number>> {
  const RUNS = sized(5, 2);
  const timeToReady = async (dataDir: string): Promise<number[]> => {
    const times: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const port = await freePort();
      const t0 = performance.now();
      const node = spawnNode(dataDir, port);
      await waitReady(node, port);
      times.push(performance.now() - t0);
      await stopNode(node);
    }
    return times;
  };
  const times = await timeToReady(bigDir);
  const emptyTimes = await timeToReady(tempDir('empty'));
  const bare: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    const run = spawnSync(process.execPath, ['-e', '0'], { timeout: 10_000 });
    if (run.status !== 0) throw new Error(`node -e 0 exited with ${run.status ?? run.signal}`);
    bare.push(performance.now() - t0);
  }
  [times, emptyTimes, bare].forEach((t) => t.sort((a, b) => a - b));
  const size = fs.statSync(path.join(bigDir, 'dchat.db')).size;
  table('Cold start: process spawn to /ready answering 200 (target < 1 s on 1,000,000 messages)', [
    { case: `${count(MESSAGES)}-message database (${(size / 1e6).toFixed(0)} MB)`, median: fmt(percentile(times, 50)), worst: fmt(times[RUNS - 1]!), runs: RUNS },
    { case: 'empty data directory', median: fmt(percentile(emptyTimes, 50)), worst: fmt(emptyTimes[RUNS - 1]!), runs: RUNS },
    { case: 'baseline: `node -e 0`', median: fmt(percentile(bare, 50)), worst: fmt(bare[RUNS - 1]!), runs: RUNS },
  ]);
  return { messages: MESSAGES, cold_start_1m_median_ms: percentile(times, 50), cold_start_empty_median_ms: percentile(emptyTimes, 50), node_bare_median_ms: percentile(bare, 50) };
}

interface CannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number };
  duration: number;
  '2xx': number;
  non2xx: number;
  errors: number;
  timeouts: number;
}

function cannon(options: autocannon.Options): Promise<CannonResult> {
  return new Promise((resolve, reject) => {
    autocannon(options, (err, result) => (err ? reject(err) : resolve(result as unknown as CannonResult)));
  });
}

/** A run with any failed, refused or timed-out request is not a figure: it throws. Rates count answered requests only. */
function answered(what: string, r: CannonResult): CannonResult & { rate: number } {
  if (r.non2xx > 0 || r.errors > 0 || r.timeouts > 0 || r['2xx'] === 0) {
    throw new Error(`${what}: ${r['2xx']} answered, ${r.non2xx} non-2xx, ${r.errors} errors, ${r.timeouts} timeouts — not a benchmark figure`);
  }
  return { ...r, rate: r['2xx'] / r.duration };
}

export async function runHttpBench(): Promise<Record<string, number>> {
  const dataDir = tempDir('http');
  const port = await freePort();
  const node = spawnNode(dataDir, port, { DCHAT_RATE_LIMIT_ENABLED: 'false' });
  await waitReady(node, port);
  const base = `http://127.0.0.1:${port}`;
  const token = fs.readFileSync(path.join(dataDir, 'api-token'), 'utf8').trim();
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  for (const [url, body] of [['/api/identities', { username: 'bench' }], ['/api/chats', { chat_id: 'bench' }]] as const) {
    const res = await fetch(`${base}${url}`, { method: 'POST', headers, body: JSON.stringify(body) });
    if (res.status !== 201) throw new Error(`POST ${url}: ${res.status} ${await res.text()}`);
  }
  const stored = async () => ((await (await fetch(`${base}/status`, { headers })).json()) as { store: { messages: number } }).store.messages;

  const DURATION = sized(5, 1);
  const CONNECTIONS = 32;
  const health = answered('GET /health', await cannon({ url: `${base}/health`, connections: CONNECTIONS, duration: DURATION }));
  const storedBefore = await stored();
  // A fixed number of sends (not a duration), so every request is answered before the count.
  const SENDS = sized(100_000, 2_000);
  const send = answered('POST /api/messages/send', await cannon({
    url: `${base}/api/messages/send`,
    method: 'POST',
    headers,
    body: JSON.stringify({ chat_id: 'bench', text: 'benchmark message with a few words in it' }),
    connections: CONNECTIONS,
    amount: SENDS,
    timeout: 30,
  }));
  if (send['2xx'] !== SENDS) throw new Error(`POST /api/messages/send: ${send['2xx']} of ${SENDS} answered`);
  // Every acknowledged send is a stored message: no more, no fewer.
  const storedSends = (await stored()) - storedBefore;
  if (storedSends !== send['2xx']) throw new Error(`POST /api/messages/send: ${send['2xx']} acknowledged but ${storedSends} stored`);
  const list = answered('GET /api/messages', await cannon({ url: `${base}/api/messages?chat_id=bench&limit=50`, headers, connections: CONNECTIONS, duration: DURATION }));
  await stopNode(node);

  const row = (what: string, r: CannonResult & { rate: number }) => ({
    request: what,
    'req/s': Math.round(r.rate),
    answered: r['2xx'],
    'p50': `${r.latency.p50} ms`,
    'p99': `${r.latency.p99} ms`,
  });
  table(`HTTP throughput (autocannon, ${CONNECTIONS} connections; GETs for ${DURATION} s, ${count(SENDS)} sends; one node process)`, [
    row('GET /health', health),
    row('POST /api/messages/send (durable, group-committed)', send),
    row('GET /api/messages?limit=50', list),
  ]);
  return { health_rps: health.rate, send_rps: send.rate, list_rps: list.rate, send_p99_ms: send.latency.p99 };
}
