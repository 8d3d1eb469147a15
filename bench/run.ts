/**
 * `npm run bench [store|query|coldstart|http|p2p|bots|chain|bridge|market|relay-cluster|ui ...] [--small] [--record]` — prints figures,
 * asserts nothing about time. With no names, runs everything. A suite whose run lost, timed out
 * or skipped work throws, and the run exits non-zero without a figure for it.
 *
 * --small (or BENCH_SIZE=small): every suite on a little data, as CI runs them.
 * --profile: the p2p workers, the bridge's nodes and the market's validator-0 run with --cpu-prof; prints their CPU by stage (bench/profile-stages.ts).
 * --record: also keeps each suite's figures with the machine they came from as
 *   bench/results/<date>-<suite>.json (the README's table is generated from those: npm run bench:readme).
 * The figures of the last run are always written to bench-results/latest.json (not kept in git).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runBotsBench } from './bots.bench.ts';
import { runBridgeBench } from './bridge.bench.ts';
import { runChainBench } from './chain.bench.ts';
import { runMarketBench } from './market.bench.ts';
import { runColdStartBench, runHttpBench } from './process.bench.ts';
import { runP2pBench } from './p2p.bench.ts';
import { runRelayClusterBench } from './relay-cluster.bench.ts';
import { bigDataDir, runQueryBench } from './query.bench.ts';
import { BENCH_SIZE } from './size.ts';
import { runStoreBench } from './store.bench.ts';
import { runUiBench } from './ui.bench.ts';
import { cleanTempDirs } from './tmp.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
export const RESULTS_DIR = path.join(ROOT, 'bench', 'results');
const SUITES = ['store', 'query', 'coldstart', 'http', 'p2p', 'bots', 'chain', 'bridge', 'market', 'relay-cluster', 'ui'] as const;
type Suite = (typeof SUITES)[number];

const args = process.argv.slice(2);
const asked = args.filter((a) => !a.startsWith('-'));
const flags = args.filter((a) => a.startsWith('-'));
const unknown = [...asked.filter((a) => !(SUITES as readonly string[]).includes(a)), ...flags.filter((f) => !['--small', '--record', '--profile'].includes(f))];
if (unknown.length > 0) {
  console.error(`unknown benchmark or option ${unknown.join(', ')}; choose from ${SUITES.join(', ')}, --small, --record, --profile`);
  process.exit(2);
}
const record = flags.includes('--record');
if (flags.includes('--profile')) {
  // The p2p workers write CPU profiles here, and the run prints where their time went by stage.
  process.env.BENCH_PROFILE ??= path.join(ROOT, 'bench-results', 'profiles', new Date().toISOString().replace(/[:.]/g, '-'));
  fs.mkdirSync(process.env.BENCH_PROFILE, { recursive: true });
}
const run = new Set<Suite>(asked.length > 0 ? (asked as Suite[]) : SUITES);

function git(...command: string[]): string | null {
  try {
    // Not trimmed: porcelain lines start with a status column that may be a space.
    return execFileSync('git', command, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return null;
  }
}

/** The machine and the code a figure came from. */
function machine() {
  const cpus = os.cpus();
  return {
    node: process.version,
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    cpu: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    memory_gib: Math.round(os.totalmem() / 2 ** 30),
    commit: git('rev-parse', 'HEAD')?.trim() ?? null,
    // Files changed or added (not ignored) against that commit when the run started: a figure
    // from a dirty tree says so, and which files made it dirty.
    uncommitted: (git('status', '--porcelain') ?? '').split('\n').filter(Boolean).length,
    uncommitted_files: (git('status', '--porcelain') ?? '').split('\n').filter(Boolean).map((l) => l.slice(3)),
  };
}

const about = machine();
console.log(`dchat benchmarks (${BENCH_SIZE} size) — Node ${about.node}, ${about.cores} × ${about.cpu}, ${about.memory_gib} GiB`);
const results: Partial<Record<Suite, { at: string; ms: number; figures: Record<string, number> }>> = {};
const timed = async (suite: Suite, fn: () => Promise<Record<string, number>> | Record<string, number>) => {
  const at = new Date().toISOString();
  const t0 = performance.now();
  const figures = await fn();
  results[suite] = { at, ms: Math.round(performance.now() - t0), figures };
};
try {
  if (run.has('store')) await timed('store', runStoreBench);
  if (run.has('query') || run.has('coldstart')) {
    const dir = await bigDataDir();
    if (run.has('query')) await timed('query', () => runQueryBench(dir));
    if (run.has('coldstart')) await timed('coldstart', () => runColdStartBench(dir));
  }
  if (run.has('http')) await timed('http', runHttpBench);
  if (run.has('p2p')) await timed('p2p', runP2pBench);
  if (run.has('bots')) await timed('bots', runBotsBench);
  if (run.has('chain')) await timed('chain', runChainBench);
  if (run.has('bridge')) await timed('bridge', runBridgeBench);
  if (run.has('market')) await timed('market', runMarketBench);
  if (run.has('relay-cluster')) await timed('relay-cluster', runRelayClusterBench);
  if (run.has('ui')) await timed('ui', runUiBench);
} finally {
  cleanTempDirs();
}
fs.mkdirSync(path.join(ROOT, 'bench-results'), { recursive: true });
fs.writeFileSync(path.join(ROOT, 'bench-results', 'latest.json'), `${JSON.stringify({ size: BENCH_SIZE, machine: about, results }, null, 2)}\n`);
console.log('\nfigures written to bench-results/latest.json');
if (record) {
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  for (const [suite, result] of Object.entries(results)) {
    // A suite with nothing to measure here (the UI without Chromium) leaves no record.
    if (Object.keys(result.figures).length === 0) continue;
    const file = path.join(RESULTS_DIR, `${result.at.slice(0, 10)}-${suite}${BENCH_SIZE === 'small' ? '-small' : ''}.json`);
    fs.writeFileSync(file, `${JSON.stringify({ suite, size: BENCH_SIZE, at: result.at, duration_ms: result.ms, machine: about, figures: result.figures }, null, 2)}\n`);
    console.log(`recorded ${path.relative(ROOT, file)}`);
  }
}
