/**
 * `npm run bench [store|query|coldstart|http|p2p|ui ...]` — prints figures, asserts nothing about time.
 * With no names, runs everything. Results are also written to bench-results/latest.json.
 */
import fs from 'node:fs';
import os from 'node:os';
import { runColdStartBench, runHttpBench } from './process.bench.ts';
import { runP2pBench } from './p2p.bench.ts';
import { millionMessageDataDir, runQueryBench } from './query.bench.ts';
import { runStoreBench } from './store.bench.ts';
import { runUiBench } from './ui.bench.ts';
import { cleanTempDirs } from './tmp.ts';

const SUITES = ['store', 'query', 'coldstart', 'http', 'p2p', 'ui'] as const;
const asked = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const unknown = asked.filter((a) => !(SUITES as readonly string[]).includes(a));
if (unknown.length > 0) {
  console.error(`unknown benchmark ${unknown.join(', ')}; choose from ${SUITES.join(', ')}`);
  process.exit(2);
}
const run = new Set(asked.length > 0 ? asked : SUITES);

console.log(`dchat benchmarks — Node ${process.version}, ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB`);
const results: Record<string, Record<string, number>> = {};
try {
  if (run.has('store')) results.store = await runStoreBench();
  if (run.has('query') || run.has('coldstart')) {
    const dir = millionMessageDataDir();
    if (run.has('query')) results.query = runQueryBench(dir);
    if (run.has('coldstart')) results.coldstart = await runColdStartBench(dir);
  }
  if (run.has('http')) results.http = await runHttpBench();
  if (run.has('p2p')) results.p2p = await runP2pBench();
  if (run.has('ui')) results.ui = await runUiBench();
} finally {
  cleanTempDirs();
}
fs.mkdirSync('bench-results', { recursive: true });
fs.writeFileSync('bench-results/latest.json', `${JSON.stringify({ at: new Date().toISOString(), node: process.version, results }, null, 2)}\n`);
console.log('\nfigures written to bench-results/latest.json');
