/**
 * `npm run bench chain` — the ledgers on loopback, node processes as `dchat devnet init` writes them.
 *  - finality latency: a transfer submitted to a validator's API until the answer says final
 *    (wait: true), one at a time; 4 validators (quorum 3), beside a single-validator local chain
 *    (the same node code, no consensus network) as the same run's baseline;
 *  - finalized transfers/s while signed transfers from many accounts are offered as fast as the
 *    validators' APIs take them, sustained for the window (60 s full size), from the
 *    `dchat_chain_transactions_total` counter of a validator; with the CPU each validator process
 *    and this client spent per finalized transfer, beside one Ed25519 verification here (every
 *    node checks every transaction's signature once: the floor under the per-node cost);
 *  - full-node sync: a full node started after the load catches up block by block (every
 *    certificate and transaction signature checked, every block executed); blocks/s and
 *    transactions/s; and a second new node by state sync (headers and certificates, then the
 *    latest snapshot, then the blocks after it); and on a long chain of empty blocks (10,000 full
 *    size), state sync and block sync from the node's start;
 *  - state-proof verification per second (directory proofs), in this process.
 * Goals (2 cores): finality p50 < 200 ms, p99 < 500 ms; ≥ 3,000 transfers/s; sync ≥ 2,000 blocks/s.
 */
import fs from 'node:fs';
import { signTx, type DecodedTx } from '../node-core/chain/transactions.ts';
import { stateTreeFrom, verifyStateProof } from '../node-core/chain/state-tree.ts';
import { generateSigningKeyPair, signWithContext, verifyWithContext } from '../node-core/crypto/signing.ts';
import type { ChainsInfo } from '../node-core/domain/chain-model.ts';
import { createDevnet, devnetPath, keyAway, noBlockIntervals, type Devnet } from '../node-core/test/helpers/devnet.ts';
import { json, waitFor } from '../node-core/test/helpers/p2p-net.ts';
import { killAllNodes, startNode, type RunningNode } from '../node-core/test/helpers/spawn-node.ts';
import { fmt, percentile, rate, table } from './lib.ts';
import { sized } from './size.ts';

const LATENCY_RUNS = sized(200, 10);
const WINDOW_MS = sized(60_000, 3_000);
const ACCOUNTS = sized(200, 8);
const IN_FLIGHT = 32;
const UNLIMITED = { DCHAT_RATE_LIMIT_ENABLED: 'false' };
const SNAPSHOT_EVERY = sized(100, 10);
const LONG_CHAIN = sized(10_000, 200);

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const submit = (node: RunningNode, tx: DecodedTx, wait: boolean) => node.api('/api/chains/currency/transactions', { json: { chain: 'currency', tx: hex(tx.bytes), wait } });

async function finality(node: RunningNode, chain: string, runs: number): Promise<number[]> {
  const key = generateSigningKeyPair();
  const gift = await submit(node, signTx(key.secretKey, { chain, from: key.publicKey, nonce: 0, fee: 0, body: { kind: 'faucet' } }), true);
  if (gift.status !== 202) throw new Error(`faucet: ${gift.status} ${await gift.text()}`);
  const times: number[] = [];
  for (let i = 1; i <= runs; i++) {
    const tx = signTx(key.secretKey, { chain, from: key.publicKey, nonce: i, fee: 1_000, body: { kind: 'transfer', to: new Uint8Array(32).fill(7), amount: 1 } });
    const t0 = performance.now();
    const answer = await json<{ status: string }>(submit(node, tx, true));
    if (answer.status !== 'final') throw new Error('a transfer was not final within 30 s');
    times.push(performance.now() - t0);
  }
  return times.sort((a, b) => a - b);
}

const counter = async (node: RunningNode): Promise<number> => {
  const text = await (await fetch(`${node.url}/metrics`, { headers: { authorization: `Bearer ${node.token}` } })).text();
  const line = text.split('\n').find((l) => l.startsWith('dchat_chain_transactions_total{') && l.includes('chain="currency"'));
  return line ? Number(line.split(' ').pop()) : 0;
};

/** Offers signed transfers from many funded accounts to the validators for `windowMs`. */
async function throughput(net: Devnet, validators: readonly string[], chain: string, windowMs: number): Promise<{ perSecond: number; offered: number; refused: number; validatorCpuUs: number; clientCpuUs: number }> {
  const accounts = Array.from({ length: ACCOUNTS }, () => ({ key: generateSigningKeyPair(), nonce: 1 }));
  const nodes = validators.map((n) => net.node(n));
  await Promise.all(accounts.map((a, i) => submit(nodes[i % nodes.length]!, signTx(a.key.secretKey, { chain, from: a.key.publicKey, nonce: 0, fee: 0, body: { kind: 'faucet' } }), true)));
  const before = await counter(nodes[0]!);
  const cpuBefore = await Promise.all(nodes.map(processCpu));
  const clientBefore = process.cpuUsage();
  const t0 = performance.now();
  let offered = 0;
  let refused = 0;
  // Each worker owns its accounts, so one account's nonces go out in order, one at a time.
  const workers = Math.min(IN_FLIGHT, accounts.length);
  await Promise.all(Array.from({ length: workers }, async (_, worker) => {
    const mine = accounts.filter((_, i) => i % workers === worker);
    for (let turn = 0; performance.now() - t0 < windowMs; turn++) {
      const account = mine[turn % mine.length]!;
      const tx = signTx(account.key.secretKey, { chain, from: account.key.publicKey, nonce: account.nonce, fee: 1_000, body: { kind: 'transfer', to: accounts[(turn + 1) % accounts.length]!.key.publicKey, amount: 1 } });
      const res = await submit(nodes[worker % nodes.length]!, tx, false);
      await res.arrayBuffer();
      offered++;
      if (res.status === 202) account.nonce++;
      else {
        refused++;
        await new Promise((r) => setTimeout(r, 20));
      }
    }
  }));
  const elapsed = performance.now() - t0;
  const final = (await counter(nodes[0]!)) - before;
  const client = process.cpuUsage(clientBefore);
  const cpuAfter = await Promise.all(nodes.map(processCpu));
  const validatorUs = cpuAfter.map((c, i) => ((c - cpuBefore[i]!) * 1e6) / Math.max(1, final));
  return { perSecond: rate(final, elapsed), offered, refused, validatorCpuUs: validatorUs.reduce((a, b) => a + b, 0) / validatorUs.length, clientCpuUs: (client.user + client.system) / Math.max(1, final) };
}

/** A node's own CPU seconds so far (prom-client's process metric). */
async function processCpu(node: RunningNode): Promise<number> {
  const text = await (await fetch(`${node.url}/metrics`)).text();
  return Number(/^process_cpu_seconds_total (\S+)$/m.exec(text)?.[1] ?? NaN);
}

/** Ed25519 verifications per second on one core here: every node checks every transaction's signature once. */
function verifyRate(count: number): number {
  const key = generateSigningKeyPair();
  const messages = Array.from({ length: count }, (_, i) => Buffer.from(`transfer ${i}`));
  const sigs = messages.map((m) => signWithContext('dchat/bench/v1', key.secretKey, m));
  const t0 = performance.now();
  for (let i = 0; i < count; i++) if (!verifyWithContext('dchat/bench/v1', key.publicKey, messages[i]!, sigs[i]!)) throw new Error('a signature did not verify');
  return rate(count, performance.now() - t0);
}

async function syncRate(net: Devnet, name: string, source: string): Promise<{ blocks: number; perSecond: number; txsPerSecond: number }> {
  const target = (await net.info(source)).currency.final_height;
  const txs = await counter(net.node(source));
  await net.start(name);
  // From the moment it is ready (its start-up is the coldstart suite's figure).
  const t0 = performance.now();
  await waitFor('the new full node caught up', async () => (await net.info(name)).currency.final_height >= target || undefined, 600_000);
  const elapsed = performance.now() - t0;
  return { blocks: target, perSecond: rate(target, elapsed), txsPerSecond: rate(txs, elapsed) };
}

/** Validators and full-1 keep a state snapshot every SNAPSHOT_EVERY blocks (full-0 the default 1,000, so it syncs block by block). */
function snapshotOften(net: Devnet, names: readonly string[]): void {
  for (const name of names) fs.appendFileSync(devnetPath(net, name, 'config.toml'), `[bridge]\nstate_snapshot_interval = ${SNAPSHOT_EVERY}\n`);
}

/**
 * A long chain of empty blocks: one validator with no block intervals makes LONG_CHAIN blocks,
 * then serves them without its key (so the chain stands still); full-0 catches up by state sync
 * (its default snapshot interval, 1,000), full-1 block by block (snapshots never far enough ahead).
 */
async function longChainSync(): Promise<{ blocks: number; stateSyncPerSecond: number; blockSyncPerSecond: number }> {
  const net = await createDevnet(1, 2, UNLIMITED);
  noBlockIntervals(net);
  fs.appendFileSync(devnetPath(net, 'full-1', 'config.toml'), `[bridge]\nstate_snapshot_interval = ${LONG_CHAIN * 10}\n`);
  await net.start('validator-0');
  await waitFor('the long chain', async () => (await net.info('validator-0')).currency.final_height >= LONG_CHAIN || undefined, 600_000);
  await net.node('validator-0').stop();
  keyAway(net, 'validator-0', true);
  await net.start('validator-0');
  const state = await syncRate(net, 'full-0', 'validator-0');
  const blocks = await syncRate(net, 'full-1', 'validator-0');
  return { blocks: state.blocks, stateSyncPerSecond: state.perSecond, blockSyncPerSecond: blocks.perSecond };
}

function proofRate(entries: number, proofs: number): number {
  const key = (i: number) => Buffer.from(`n/user${i}`);
  const tree = stateTreeFrom(Array.from({ length: entries }, (_, i) => [key(i), Buffer.from(`record ${i}`)] as const));
  const made = Array.from({ length: proofs }, (_, i) => ({ k: key((i * 7919) % entries), v: tree.get(key((i * 7919) % entries)), p: tree.prove(key((i * 7919) % entries)) }));
  const t0 = performance.now();
  for (const m of made) if (!verifyStateProof(tree.root, m.k, m.v, m.p)) throw new Error('a proof did not verify');
  return rate(proofs, performance.now() - t0);
}

export async function runChainBench(): Promise<Record<string, number>> {
  try {
    const local = await startNode({ env: { DCHAT_LOG_LEVEL: 'info', ...UNLIMITED } });
    const localChain = (await json<ChainsInfo>(local.api('/api/chains'))).currency.chain_id;
    const localTimes = await finality(local, localChain, LATENCY_RUNS);
    await local.stop();

    // The API's per-address limit (100 requests/s) would measure itself, not the chain.
    const net = await createDevnet(4, 2, UNLIMITED);
    const validators = ['validator-0', 'validator-1', 'validator-2', 'validator-3'];
    snapshotOften(net, [...validators, 'full-1']);
    await Promise.all(validators.map((n) => net.start(n)));
    const chain = (await net.info('validator-0')).currency.chain_id;
    const times = await finality(net.node('validator-0'), chain, LATENCY_RUNS);
    const load = await throughput(net, validators, chain, WINDOW_MS);
    const sync = await syncRate(net, 'full-0', 'validator-0');
    const stateSync = await syncRate(net, 'full-1', 'validator-0');
    const verifies = verifyRate(sized(20_000, 500));
    await killAllNodes();
    const long = await longChainSync();
    const proofs = proofRate(sized(100_000, 2_000), sized(20_000, 500));
    const figures = {
      finality_p50_ms: percentile(times, 50),
      finality_p99_ms: percentile(times, 99),
      local_finality_p50_ms: percentile(localTimes, 50),
      local_finality_p99_ms: percentile(localTimes, 99),
      transfers_final_per_s: load.perSecond,
      transfers_offered: load.offered,
      transfers_refused: load.refused,
      sync_blocks: sync.blocks,
      sync_blocks_per_s: sync.perSecond,
      sync_txs_per_s: sync.txsPerSecond,
      state_sync_blocks_per_s: stateSync.perSecond,
      validator_cpu_us_per_tx: load.validatorCpuUs,
      client_cpu_us_per_tx: load.clientCpuUs,
      ed25519_verify_per_s: verifies,
      long_chain_blocks: long.blocks,
      long_state_sync_blocks_per_s: long.stateSyncPerSecond,
      long_block_sync_blocks_per_s: long.blockSyncPerSecond,
      proof_verifications_per_s: proofs,
    };
    table('ledgers on loopback (4 validators, quorum 3; baseline: a single-validator local chain, same run)', [
      { figure: 'finality p50 / p99, 4 validators', value: `${fmt(figures.finality_p50_ms)} / ${fmt(figures.finality_p99_ms)}`, baseline: `local: ${fmt(figures.local_finality_p50_ms)} / ${fmt(figures.local_finality_p99_ms)}`, goal: '< 200 / < 500 ms' },
      { figure: `finalized transfers/s over ${WINDOW_MS / 1000} s`, value: Math.round(load.perSecond), baseline: `${load.offered} offered, ${load.refused} refused (mempool limits; retried)`, goal: '≥ 3,000' },
      { figure: 'CPU per finalized transfer: each validator / the bench client', value: `${Math.round(load.validatorCpuUs)} / ${Math.round(load.clientCpuUs)} µs`, baseline: `one Ed25519 check: ${Math.round(1e6 / verifies)} µs`, goal: '—' },
      { figure: 'full-node block sync, blocks/s (transactions/s)', value: `${Math.round(sync.perSecond)} (${Math.round(sync.txsPerSecond)})`, baseline: `${sync.blocks} blocks`, goal: '≥ 2,000' },
      { figure: `state sync (snapshot every ${SNAPSHOT_EVERY}), blocks/s`, value: Math.round(stateSync.perSecond), baseline: `${sync.blocks}+ blocks`, goal: '≥ 2,000' },
      { figure: `${long.blocks} empty blocks: state sync / block sync, blocks/s`, value: `${Math.round(long.stateSyncPerSecond)} / ${Math.round(long.blockSyncPerSecond)}`, baseline: 'one validator, no block interval', goal: '≥ 2,000' },
      { figure: 'state-proof verifications/s', value: Math.round(proofs), baseline: '—', goal: '—' },
    ]);
    return figures;
  } finally {
    await killAllNodes();
  }
}
