/**
 * `npm run bench bridge` — the cross-chain bridge on loopback, currency → chat transfers end to end.
 * Funded accounts send signed `bridge_send` transactions (timeout: now + 300 s; amount 1) to the
 * currency chain's API, 32 in flight; the relayers inside the validators carry each packet to the
 * chat chain (bridge_recv: a certified header + Merkle proofs; the transfer is minted there) and
 * its receipt back (bridge_ack: the packet Executed on the currency chain). Shapes, same run:
 *  - a single node with its own local chains (one validator per chain, its relayer inside it),
 *    the baseline;
 *  - a devnet of 4 validators (quorum 3) as `dchat devnet init` writes it, a relayer in every
 *    validator (they race for the same packets);
 *  - (full size only) the same devnet with validator-0's relayer alone, to tell the race's cost
 *    from the relaying round's.
 * Per shape, two phases, each followed by a drain until every accepted send is Executed:
 *  - as fast as the API takes sends (30 s full size): packets reaching Executed on the source per
 *    second of the window (the `bridge_packets_total{state="executed",direction="currency-to-chat"}`
 *    counter of the node the sends go to first), beside the sends accepted per second and every
 *    send settled per second of window + drain; the CPU each validator process and this client
 *    spent per packet (sends to settled); relaying transactions sent and relayer rounds failed
 *    (GET /api/bridge/health). When sends outrun the relayers, latency here is mostly queueing;
 *  - 200 sends/s offered (the goal's rate; 15 s full size): the latency figures. "Block times" is
 *    a packet's initiated.time → finished.time from /api/bridge/packets (the source block that
 *    committed the send to the source block that executed the ack: the chains' clocks, no client
 *    in it); "client" is from this process posting the send to the poll of /api/bridge/packets
 *    (every POLL_MS) first showing it Executed (the send's own finality, the API and up to POLL_MS
 *    of polling included). Both on 1 in SAMPLE_EVERY packets (sent to an identity of the node, whose
 *    list of its newest 1,000 packets then holds all of them in flight); the share of all packets
 *    settled within 2 s comes from the node's bridge_packet_latency_seconds histogram;
 *  - one packet with nothing else in flight, client latency: the relaying round alone.
 * Goals (2 cores, loopback): ≥ 200 packets/s, p99 < 2 s. Timings are printed, never asserted;
 * the suite throws if work was lost: an accepted send not Executed by the end of its drain, or any
 * packet rolled back (nothing here should be refused or time out).
 * --profile: the nodes write V8 CPU profiles; the run prints each main thread's CPU by stage.
 */
import fs from 'node:fs';
import path from 'node:path';
import { signTx, type DecodedTx } from '../node-core/chain/transactions.ts';
import { generateSigningKeyPair } from '../node-core/crypto/signing.ts';
import type { BridgeHealth, BridgePacketView, ChainsInfo } from '../node-core/domain/chain-model.ts';
import { createDevnet, devnetPath } from '../node-core/test/helpers/devnet.ts';
import { json, waitFor } from '../node-core/test/helpers/p2p-net.ts';
import { killAllNodes, startNode, type RunningNode } from '../node-core/test/helpers/spawn-node.ts';
import { percentile, rate, table } from './lib.ts';
import { stageBreakdown } from './profile-stages.ts';
import { sized, SMALL } from './size.ts';

const WINDOW_MS = sized(30_000, 2_500);
/** The goal's rate, offered steadily: the latency figures come from this phase. */
const PACED_PER_S = 200;
const PACED_WINDOW_MS = sized(15_000, 1_500);
const ACCOUNTS = sized(200, 16);
const IN_FLIGHT = 32;
const TIMEOUT_MS = 300_000;
const POLL_MS = 200;
/** One transfer in SAMPLE_EVERY is followed packet by packet (client and block-time latency). */
const SAMPLE_EVERY = sized(8, 2);
const ALONE_RUNS = sized(5, 2);
/** How long the packets sent in the window may take to settle after it. */
const DRAIN_MS = sized(120_000, 40_000);
const FEE = 1_000;
const UNLIMITED = { DCHAT_RATE_LIMIT_ENABLED: 'false' };

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const submit = (node: RunningNode, tx: DecodedTx, wait: boolean) => node.api('/api/chains/currency/transactions', { json: { chain: 'currency', tx: hex(tx.bytes), wait } });

interface Account {
  readonly key: ReturnType<typeof generateSigningKeyPair>;
  nonce: number;
}

/** The bridge's packet counter by state, currency → chat, on one node. */
async function packetCount(node: RunningNode, state: 'executed' | 'rolled_back'): Promise<number> {
  const text = await (await fetch(`${node.url}/metrics`, { headers: { authorization: `Bearer ${node.token}` } })).text();
  const line = text.split('\n').find((l) => l.startsWith('bridge_packets_total{') && l.includes(`state="${state}"`) && l.includes('direction="currency-to-chat"'));
  return line ? Number(line.split(' ').pop()) : 0;
}

async function processCpu(node: RunningNode): Promise<number> {
  const text = await (await fetch(`${node.url}/metrics`)).text();
  return Number(/^process_cpu_seconds_total (\S+)$/m.exec(text)?.[1] ?? NaN);
}

const packets = async (node: RunningNode, identity: string) => (await json<{ packets: BridgePacketView[] }>(node.api(`/api/bridge/packets?identity_id=${identity}&limit=1000`))).packets;

/**
 * Sends are told apart by their timeout (unique per send: the run's base + a counter), since the
 * chain gives the packet its sequence number only when the send is committed.
 */
/** Shared by every tracker of the run, so no two sends have the same timeout. */
let nextTimeout = Date.now() + TIMEOUT_MS;

function createTracker(currencyChain: string) {
  const sentAt = new Map<number, number>();
  const seenAt = new Map<number, number>();
  const views = new Map<number, BridgePacketView>();
  const rolledBack: BridgePacketView[] = [];
  return {
    sentAt,
    seenAt,
    views,
    rolledBack,
    timeout: () => nextTimeout++,
    observe(list: readonly BridgePacketView[]): void {
      const now = performance.now();
      for (const p of list) {
        if (p.from_chain !== currencyChain || !sentAt.has(p.timeout) || views.has(p.timeout)) continue;
        if (p.state === 'Executed') {
          views.set(p.timeout, p);
          seenAt.set(p.timeout, now);
        } else if (p.state === 'RolledBack') {
          views.set(p.timeout, p);
          rolledBack.push(p);
        }
      }
    },
    clientLatencies: () => [...seenAt].map(([t, seen]) => seen - sentAt.get(t)!).sort((a, b) => a - b),
    blockLatencies: () => [...views.values()].filter((p) => p.state === 'Executed' && p.finished).map((p) => p.finished!.time - p.initiated.time).sort((a, b) => a - b),
  };
}
type Tracker = ReturnType<typeof createTracker>;

/** Polls the packet list until `stop()`. */
function poller(node: RunningNode, probe: string, tracker: Tracker): { stop(): Promise<void> } {
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const t0 = performance.now();
      tracker.observe(await packets(node, probe));
      await new Promise((r) => setTimeout(r, Math.max(0, POLL_MS - (performance.now() - t0))));
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
    },
  };
}

async function fund(nodes: readonly RunningNode[], chain: string, accounts: readonly Account[]): Promise<void> {
  await Promise.all(accounts.map(async (a, i) => {
    const res = await submit(nodes[i % nodes.length]!, signTx(a.key.secretKey, { chain, from: a.key.publicKey, nonce: 0, fee: 0, body: { kind: 'faucet' } }), true);
    const answer = (await res.json()) as { status?: string };
    if (res.status !== 202 || answer.status !== 'final') throw new Error(`faucet: ${res.status} ${JSON.stringify(answer)}`);
  }));
}

const sendTx = (chain: string, account: Account, timeout: number, to: Uint8Array) =>
  signTx(account.key.secretKey, { chain, from: account.key.publicKey, nonce: account.nonce, fee: FEE, body: { kind: 'bridge_send', timeout, payload: { app: 'transfer', to, amount: 1 } } });

/** One packet at a time, nothing else in flight: submit → Executed seen by polling. */
async function alone(node: RunningNode, chain: string, account: Account, to: Uint8Array, probe: string, tracker: Tracker, runs: number): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const timeout = tracker.timeout();
    const tx = sendTx(chain, account, timeout, to);
    tracker.sentAt.set(timeout, performance.now());
    const res = await submit(node, tx, false);
    await res.arrayBuffer();
    if (res.status !== 202) throw new Error(`bridge_send refused: ${res.status}`);
    account.nonce++;
    await waitFor('a lone packet executed', async () => {
      tracker.observe(await packets(node, probe));
      return tracker.views.has(timeout) || undefined;
    }, 60_000);
    times.push(tracker.seenAt.get(timeout)! - tracker.sentAt.get(timeout)!);
  }
  return times.sort((a, b) => a - b);
}

interface PhaseFigures {
  readonly perSecond: number;
  readonly acceptedPerSecond: number;
  readonly settledPerSecond: number;
  readonly sent: number;
  readonly refused: number;
  readonly blockP50: number;
  readonly blockP99: number;
  readonly clientP50: number;
  readonly clientP99: number;
  readonly sampled: number;
  readonly within2s: number;
  readonly validatorCpuUs: number;
  readonly clientCpuUs: number;
  readonly drainMs: number;
  readonly relayed: number;
  readonly relayFailures: number;
  readonly lastRelayError: string | null;
}

interface ShapeFigures {
  /** Sends as fast as the API takes them. */
  readonly max: PhaseFigures;
  /** Sends offered at PACED_PER_S. */
  readonly paced: PhaseFigures;
  readonly aloneP50: number;
}

/** The end-to-end latency histogram (block times) of one node: cumulative counts by upper bound (seconds). */
async function latencyBuckets(node: RunningNode): Promise<Map<number, number>> {
  const text = await (await fetch(`${node.url}/metrics`, { headers: { authorization: `Bearer ${node.token}` } })).text();
  const buckets = new Map<number, number>();
  for (const line of text.split('\n')) {
    if (!line.startsWith('bridge_packet_latency_seconds_bucket{') || !line.includes('direction="currency-to-chat"')) continue;
    const le = /le="([^"]+)"/.exec(line)?.[1];
    if (le) buckets.set(le === '+Inf' ? Infinity : Number(le), Number(line.split(' ').pop()));
  }
  return buckets;
}

const relayerStats = async (node: RunningNode) => (await json<BridgeHealth>(node.api('/api/bridge/health'))).relayer;

interface Setup {
  readonly targets: readonly RunningNode[];
  readonly validators: readonly RunningNode[];
  readonly observer: RunningNode;
  readonly chain: string;
  readonly accounts: readonly Account[];
  readonly probe: { readonly id: string; readonly key: Uint8Array };
  readonly others: readonly Uint8Array[];
}

/** One shape: `targets` take the sends (round robin), the first is counted and polled. */
async function shape(targets: readonly RunningNode[], validators: readonly RunningNode[]): Promise<ShapeFigures> {
  const observer = targets[0]!;
  const info = await json<ChainsInfo>(observer.api('/api/chains'));
  const chain = info.currency.chain_id;
  const accounts: Account[] = Array.from({ length: ACCOUNTS + 1 }, () => ({ key: generateSigningKeyPair(), nonce: 1 }));
  await fund(targets, chain, accounts);
  const lone = accounts.pop()!;
  // Every SAMPLE_EVERY-th transfer goes to an identity of the observer, whose packet list
  // (GET /api/bridge/packets?identity_id=…, the newest 1,000) then holds every one in flight.
  const created = await json<{ id: string }>(observer.api('/api/identities', { json: { username: 'probe' } }));
  const probe = { id: created.id, key: Buffer.from(created.id, 'hex') };
  const aloneTimes = await alone(observer, chain, lone, probe.key, probe.id, createTracker(chain), ALONE_RUNS);
  const setup: Setup = { targets, validators, observer, chain, accounts, probe, others: Array.from({ length: 16 }, () => generateSigningKeyPair().publicKey) };
  const paced = await phase(setup, PACED_WINDOW_MS, PACED_PER_S);
  const max = await phase(setup, WINDOW_MS, undefined);
  return { max, paced, aloneP50: percentile(aloneTimes, 50) };
}

/** Sends for `windowMs` (at `perSecond`, or as fast as the API takes them), then waits until every one is Executed. */
async function phase(setup: Setup, windowMs: number, perSecond: number | undefined): Promise<PhaseFigures> {
  const { targets, validators, observer, chain, accounts, probe, others } = setup;
  const tracker = createTracker(chain);
  const before = await packetCount(observer, 'executed');
  const rolledBefore = await packetCount(observer, 'rolled_back');
  const bucketsBefore = await latencyBuckets(observer);
  const relayBefore = await Promise.all(validators.map(relayerStats));
  const cpuBefore = await Promise.all(validators.map(processCpu));
  const clientBefore = process.cpuUsage();
  const polling = poller(observer, probe.id, tracker);
  const t0 = performance.now();
  let sent = 0;
  let refused = 0;
  let issued = 0;
  const workers = Math.min(IN_FLIGHT, accounts.length);
  await Promise.all(Array.from({ length: workers }, async (_, worker) => {
    const mine = accounts.filter((_, i) => i % workers === worker);
    for (let turn = 0; performance.now() - t0 < windowMs; turn++) {
      if (perSecond !== undefined) {
        // The schedule is shared: the n-th send of the phase is due at n / perSecond.
        const wait = t0 + (issued++ * 1000) / perSecond - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      }
      const account = mine[turn % mine.length]!;
      const timeout = tracker.timeout();
      const sampled = timeout % SAMPLE_EVERY === 0;
      const tx = sendTx(chain, account, timeout, sampled ? probe.key : others[turn % others.length]!);
      const at = performance.now();
      const res = await submit(targets[worker % targets.length]!, tx, false);
      await res.arrayBuffer();
      if (res.status === 202) {
        account.nonce++;
        sent++;
        if (sampled) tracker.sentAt.set(timeout, at);
      } else {
        refused++;
        await new Promise((r) => setTimeout(r, 20));
      }
    }
  }));
  const elapsed = performance.now() - t0;
  const executed = (await packetCount(observer, 'executed')) - before;
  // The drain: every send accepted must reach Executed.
  const drainStart = performance.now();
  try {
    // Not waitFor's 50 ms: each /metrics read walks the node's packet list (bridge_backlog_packets).
    while ((await packetCount(observer, 'executed')) - before < sent) {
      if (performance.now() - drainStart > DRAIN_MS) throw new Error(`${sent - ((await packetCount(observer, 'executed')) - before)} of ${sent} packets not executed ${DRAIN_MS / 1000} s after the sends stopped (lost work)`);
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  } finally {
    await polling.stop();
  }
  const drainMs = performance.now() - drainStart;
  const cpuAfter = await Promise.all(validators.map(processCpu));
  const clientCpu = process.cpuUsage(clientBefore);
  const relayAfter = await Promise.all(validators.map(relayerStats));
  tracker.observe(await packets(observer, probe.id));
  const rolled = (await packetCount(observer, 'rolled_back')) - rolledBefore;
  if (rolled > 0 || tracker.rolledBack.length > 0) throw new Error(`${rolled} packets rolled back, e.g. ${JSON.stringify(tracker.rolledBack[0])}`);
  if (sent === 0) throw new Error('no bridge_send was accepted');
  const missing = [...tracker.sentAt.keys()].filter((t) => !tracker.views.has(t)).length;
  if (missing > 0) throw new Error(`${missing} sampled packets executed (the counter says so) but not in the probe's packet list`);
  const bucketsAfter = await latencyBuckets(observer);
  const count = (le: number) => (bucketsAfter.get(le) ?? 0) - (bucketsBefore.get(le) ?? 0);
  const client = tracker.clientLatencies();
  const block = tracker.blockLatencies();
  const perValidator = cpuAfter.map((c, i) => ((c - cpuBefore[i]!) * 1e6) / sent);
  return {
    perSecond: rate(executed, elapsed),
    acceptedPerSecond: rate(sent, elapsed),
    settledPerSecond: rate(sent, elapsed + drainMs),
    sent,
    refused,
    blockP50: percentile(block, 50),
    blockP99: percentile(block, 99),
    clientP50: percentile(client, 50),
    clientP99: percentile(client, 99),
    sampled: client.length,
    within2s: count(2) / Math.max(1, count(Infinity)),
    validatorCpuUs: perValidator.reduce((a, b) => a + b, 0) / perValidator.length,
    clientCpuUs: (clientCpu.user + clientCpu.system) / sent,
    drainMs,
    relayed: relayAfter.reduce((a, r, i) => a + r.submitted - relayBefore[i]!.submitted, 0),
    relayFailures: relayAfter.reduce((a, r, i) => a + r.failures - relayBefore[i]!.failures, 0),
    lastRelayError: relayAfter.map((r) => r.last_error).find((e) => e !== null) ?? null,
  };
}

const s = (ms: number) => (Number.isFinite(ms) ? `${(ms / 1000).toFixed(2)} s` : '—');

/** --profile: the nodes write V8 CPU profiles (one per thread, named by pid) under BENCH_PROFILE/<shape>. */
function profileEnv(shape: string): Record<string, string> {
  const root = process.env.BENCH_PROFILE;
  if (!root) return {};
  fs.mkdirSync(path.join(root, shape), { recursive: true });
  return { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${path.join(root, shape)}` };
}

/** Each node's main thread's CPU by stage (a node writes its profiles when it exits cleanly). */
function printStages(shape: string, nodes: ReadonlyArray<readonly [name: string, node: RunningNode]>): void {
  const root = process.env.BENCH_PROFILE;
  if (!root) return;
  const dir = path.join(root, shape);
  const rows: Array<Record<string, string>> = [];
  for (const [name, node] of nodes) {
    // The main thread's profile is the node's largest; its worker threads' (signature checks) are beside it.
    const files = fs.readdirSync(dir).filter((f) => f.includes(`.${node.child.pid}.`)).map((f) => path.join(dir, f)).sort((a, b) => fs.statSync(b).size - fs.statSync(a).size);
    if (!files[0]) continue;
    for (const share of stageBreakdown(files[0]).slice(0, 6)) rows.push({ node: name, stage: share.stage, ms: share.ms.toFixed(0), share: `${(share.share * 100).toFixed(1)} %` });
  }
  table(`CPU by stage of each node's main thread, ${shape} (profiles in ${dir})`, rows);
}

const NAMES = ['validator-0', 'validator-1', 'validator-2', 'validator-3'];

/** A devnet of 4 validators under load; `relayers`: how many of them run a relayer (the others' is off). */
async function devnetShape(name: string, relayers: number): Promise<ShapeFigures> {
  const net = await createDevnet(4, 0, { ...UNLIMITED, ...profileEnv(name) });
  for (const n of NAMES.slice(relayers)) fs.appendFileSync(devnetPath(net, n, 'config.toml'), '\n[bridge]\nrelayer = "off"\n');
  const validators = await Promise.all(NAMES.map((n) => net.start(n)));
  const figures = await shape(validators, validators);
  await stopAll(validators);
  printStages(name, NAMES.map((n, i) => [n, validators[i]!] as const));
  return figures;
}

/**
 * SIGTERM, and the exit however long it takes: a node writes its CPU profiles as it exits, and
 * its relayer may first wait out a relaying transaction (finalWaitMs, 15 s) — longer than
 * RunningNode.stop() allows.
 */
async function stopAll(nodes: readonly RunningNode[]): Promise<void> {
  await Promise.all(nodes.map((n) => (n.child.kill('SIGTERM'), n.exited)));
}

export async function runBridgeBench(): Promise<Record<string, number>> {
  try {
    const single = await startNode({ env: { DCHAT_LOG_LEVEL: 'info', ...UNLIMITED, ...profileEnv('local') } });
    const local = await shape([single], [single]);
    await stopAll([single]);
    printStages('local', [['node', single]]);
    const devnet = await devnetShape('devnet', 4);
    // The race's cost beside the round's; left out of --small runs (CI's time).
    const one = SMALL ? undefined : await devnetShape('devnet-one-relayer', 1);
    const shapes = { '': devnet, local_: local, ...(one ? { one_relayer_: one } : {}) };
    const figures: Record<string, number> = {};
    for (const [prefix, { max, paced, aloneP50 }] of Object.entries(shapes)) {
      Object.assign(figures, {
        // As fast as the API takes sends:
        [`${prefix}packets_executed_per_s`]: max.perSecond,
        [`${prefix}sends_accepted_per_s`]: max.acceptedPerSecond,
        [`${prefix}packets_settled_per_s`]: max.settledPerSecond,
        [`${prefix}packets_sent`]: max.sent,
        [`${prefix}sends_refused`]: max.refused,
        [`${prefix}drain_ms`]: max.drainMs,
        [`${prefix}max_block_latency_p50_ms`]: max.blockP50,
        [`${prefix}max_block_latency_p99_ms`]: max.blockP99,
        [`${prefix}max_client_latency_p99_ms`]: max.clientP99,
        [`${prefix}validator_cpu_us_per_packet`]: max.validatorCpuUs,
        [`${prefix}client_cpu_us_per_packet`]: max.clientCpuUs,
        [`${prefix}relaying_txs`]: max.relayed,
        [`${prefix}relaying_failures`]: max.relayFailures,
        // Offered at the goal's rate:
        [`${prefix}paced_executed_per_s`]: paced.perSecond,
        [`${prefix}paced_sends_accepted_per_s`]: paced.acceptedPerSecond,
        [`${prefix}block_latency_p50_ms`]: paced.blockP50,
        [`${prefix}block_latency_p99_ms`]: paced.blockP99,
        [`${prefix}client_latency_p50_ms`]: paced.clientP50,
        [`${prefix}client_latency_p99_ms`]: paced.clientP99,
        [`${prefix}latency_sampled`]: paced.sampled,
        [`${prefix}paced_within_2s_share`]: paced.within2s,
        [`${prefix}paced_drain_ms`]: paced.drainMs,
        [`${prefix}paced_relaying_failures`]: paced.relayFailures,
        [`${prefix}alone_latency_p50_ms`]: aloneP50,
      });
    }
    const row = (label: string, f: (x: ShapeFigures) => string, goal: string) => ({ figure: label, '4 validators': f(devnet), 'one node (local chains)': f(local), ...(one ? { '4 validators, 1 relayer': f(one) } : {}), goal });
    const pct = (share: number) => `${(share * 100).toFixed(1)} %`;
    const relaying = (x: PhaseFigures) => `${x.relayed} (${x.relayFailures}${x.lastRelayError ? `: ${x.lastRelayError}` : ''})`;
    table(`bridge currency → chat on loopback, ${IN_FLIGHT} sends in flight (4 validators, quorum 3, a relayer in each; baseline: one node's local chains${one ? "; and the devnet with validator-0's relayer alone" : ''}; same run)`, [
      row(`as fast as the API takes sends, ${WINDOW_MS / 1000} s: packets Executed/s (sends accepted/s)`, (x) => `${Math.round(x.max.perSecond)} (${Math.round(x.max.acceptedPerSecond)})`, '≥ 200'),
      row('  all those sends settled: packets/s over window + drain (drain)', (x) => `${Math.round(x.max.settledPerSecond)} (${s(x.max.drainMs)})`, '≥ 200'),
      row(`  latency p50 / p99, block times (queueing included)`, (x) => `${s(x.max.blockP50)} / ${s(x.max.blockP99)}`, '—'),
      row('  CPU per packet, sends to settled: each validator / the client', (x) => `${Math.round(x.max.validatorCpuUs)} / ${Math.round(x.max.clientCpuUs)} µs`, '—'),
      row('  relaying transactions (all relayers; rounds failed: last error)', (x) => relaying(x.max), '—'),
      row(`${PACED_PER_S} sends/s offered, ${PACED_WINDOW_MS / 1000} s: packets Executed/s (sends accepted/s)`, (x) => `${Math.round(x.paced.perSecond)} (${Math.round(x.paced.acceptedPerSecond)})`, `${PACED_PER_S}`),
      row(`  latency p50 / p99, block times (initiated → finished; 1 in ${SAMPLE_EVERY})`, (x) => `${s(x.paced.blockP50)} / ${s(x.paced.blockP99)}`, 'p99 < 2 s'),
      row(`  latency p50 / p99, client (submit → Executed seen, poll ${POLL_MS} ms; 1 in ${SAMPLE_EVERY})`, (x) => `${s(x.paced.clientP50)} / ${s(x.paced.clientP99)} (${x.paced.sampled} of ${x.paced.sent})`, 'p99 < 2 s'),
      row("  packets settled within 2 s, block times (all; the node's histogram)", (x) => pct(x.paced.within2s), '≥ 99 %'),
      row('  relaying transactions (all relayers; rounds failed: last error)', (x) => relaying(x.paced), '—'),
      row('one packet alone, client p50', (x) => s(x.aloneP50), '—'),
    ]);
    return figures;
  } finally {
    await killAllNodes();
  }
}
