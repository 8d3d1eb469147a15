import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { freePort } from '../node-core/test/helpers/net.ts';
import { fmt, percentile, table } from './lib.ts';
import { tempDir } from './tmp.ts';

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'bin', 'dchat.js');

function spawnNode(dataDir: string, port: number, env: Record<string, string> = {}): ChildProcess {
  return spawn(process.execPath, [BIN, '--headless', '--data-dir', dataDir, '--api-port', String(port), '--log-level', 'warn'], {
    stdio: 'ignore',
    env: { ...process.env, ...env },
  });
}

async function waitReady(port: number, deadlineMs = 20_000): Promise<number> {
  const t0 = performance.now();
  while (performance.now() - t0 < deadlineMs) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/ready`);
      if (res.status === 200) return performance.now() - t0;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 2));
  }
  throw new Error('node did not become ready');
}

async function stopNode(child: ChildProcess): Promise<void> {
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

export async function runColdStartBench(millionDir: string): Promise<Record<string, number>> {
  const RUNS = 5;
  const timeToReady = async (dataDir: string): Promise<number[]> => {
    const times: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const port = await freePort();
      const t0 = performance.now();
      const child = spawnNode(dataDir, port);
      await waitReady(port);
      times.push(performance.now() - t0);
      await stopNode(child);
    }
    return times;
  };
  const times = await timeToReady(millionDir);
  const emptyTimes = await timeToReady(tempDir('empty'));
  const bare: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    spawnSync(process.execPath, ['-e', '0']);
    bare.push(performance.now() - t0);
  }
  [times, emptyTimes, bare].forEach((t) => t.sort((a, b) => a - b));
  const size = fs.statSync(path.join(millionDir, 'dchat.db')).size;
  table('Cold start: process spawn to /ready answering 200 (target < 1 s on 1,000,000 messages)', [
    { case: `1,000,000-message database (${(size / 1e6).toFixed(0)} MB)`, median: fmt(percentile(times, 50)), worst: fmt(times[RUNS - 1]!), runs: RUNS },
    { case: 'empty data directory', median: fmt(percentile(emptyTimes, 50)), worst: fmt(emptyTimes[RUNS - 1]!), runs: RUNS },
    { case: 'baseline: `node -e 0`', median: fmt(percentile(bare, 50)), worst: fmt(bare[RUNS - 1]!), runs: RUNS },
  ]);
  return { cold_start_1m_median_ms: percentile(times, 50), cold_start_empty_median_ms: percentile(emptyTimes, 50), node_bare_median_ms: percentile(bare, 50) };
}

interface CannonResult {
  requests: { average: number };
  latency: { p50: number; p99: number };
  non2xx: number;
  errors: number;
}

function cannon(options: autocannon.Options): Promise<CannonResult> {
  return new Promise((resolve, reject) => {
    autocannon(options, (err, result) => (err ? reject(err) : resolve(result as unknown as CannonResult)));
  });
}

export async function runHttpBench(): Promise<Record<string, number>> {
  const dataDir = tempDir('http');
  const port = await freePort();
  const child = spawnNode(dataDir, port, { DCHAT_RATE_LIMIT_ENABLED: 'false' });
  await waitReady(port);
  const base = `http://127.0.0.1:${port}`;
  const token = fs.readFileSync(path.join(dataDir, 'api-token'), 'utf8').trim();
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  await fetch(`${base}/api/identities`, { method: 'POST', headers, body: JSON.stringify({ username: 'bench' }) });
  await fetch(`${base}/api/chats`, { method: 'POST', headers, body: JSON.stringify({ chat_id: 'bench' }) });

  const DURATION = 5;
  const CONNECTIONS = 32;
  const health = await cannon({ url: `${base}/health`, connections: CONNECTIONS, duration: DURATION });
  const send = await cannon({
    url: `${base}/api/messages/send`,
    method: 'POST',
    headers,
    body: JSON.stringify({ chat_id: 'bench', text: 'benchmark message with a few words in it' }),
    connections: CONNECTIONS,
    duration: DURATION,
  });
  const list = await cannon({ url: `${base}/api/messages?chat_id=bench&limit=50`, headers, connections: CONNECTIONS, duration: DURATION });
  await stopNode(child);

  const row = (what: string, r: CannonResult) => ({
    request: what,
    'req/s': Math.round(r.requests.average),
    'p50': `${r.latency.p50} ms`,
    'p99': `${r.latency.p99} ms`,
    'non-2xx': r.non2xx,
    errors: r.errors,
  });
  table(`HTTP throughput (autocannon, ${CONNECTIONS} connections, ${DURATION} s each, one node process)`, [
    row('GET /health', health),
    row('POST /api/messages/send (durable, group-committed)', send),
    row('GET /api/messages?limit=50', list),
  ]);
  return { health_rps: health.requests.average, send_rps: send.requests.average, list_rps: list.requests.average, send_p99_ms: send.latency.p99 };
}
