import { TopicValidatorResult } from '@libp2p/gossipsub';
import type { Logger } from 'pino';
import { bytesToHex } from '../crypto/hex.ts';
import { decodeCbor, encodeCbor } from '../p2p/codec.ts';
import type { Network } from '../p2p/network.ts';
import type { Startable } from '../runtime/startable.ts';
import type { Certificate } from './blocks.ts';
import { createConsensusEngine, type ConsensusEngine } from './chain-engine.ts';
import { createChainSync } from './chain-sync.ts';
import type { CommittedChain } from './committed-chain.ts';
import { consensusTopic, decodeConsensusFrame, encodeConsensusFrame, txTopic, type ChainRequest, type ConsensusFrame } from './consensus-wire.ts';
import type { Execution } from './ledger.ts';
import { createMempool, MempoolError, type Mempool } from './mempool.ts';
import type { SignGuard } from './sign-guard.ts';
import type { DecodedTx } from './transactions.ts';
import type { ChainMetrics } from './chain-metrics.ts';
import { createValidatorLinks } from './validator-links.ts';

/**
 * One chain on this node: its committed state, mempool and consensus, its two gossip topics
 * (consensus messages, transactions) and catching up when a peer is ahead. Runs with or without
 * the network (a node with p2p off keeps its local chain alone).
 */

export interface ChainNodeInit {
  readonly committed: CommittedChain;
  readonly network: Network | undefined;
  readonly secretKey: Uint8Array | undefined;
  readonly guard: SignGuard | undefined;
  readonly logger: Logger;
  readonly metrics: ChainMetrics;
  ask(peer: string, request: ChainRequest): Promise<Uint8Array>;
  onBlock(execution: Execution): void;
  now?: () => number;
}

export interface ChainNode extends Startable {
  readonly committed: CommittedChain;
  readonly mempool: Mempool;
  readonly engine: ConsensusEngine;
  /** Checks, holds and gossips a transaction. */
  submit(bytes: Uint8Array): DecodedTx;
  /** submit() with the signature checked on the thread pool (the API's path: many requests at once use every core). */
  submitAsync(bytes: Uint8Array): Promise<DecodedTx>;
  /** Resolves with the height once the transaction is in a final block (rejects after timeoutMs). */
  finalized(id: string, timeoutMs: number): Promise<number>;
  /** The highest height any peer has shown us (at least ours). */
  readonly knownHeight: number;
  readonly syncing: boolean;
}

const POLL_MS = 2_000;
const FIRST_POLL_MS = 300;
const RECENT_KEPT = 20_000;
const TX_BATCH = 256;
const RESEND_TXS = 2_048;

function decodeTxBatch(data: Uint8Array): Uint8Array[] {
  const value = decodeCbor(data) as { n?: unknown; txs?: unknown };
  const txs = value?.txs;
  if (typeof value?.n !== 'number' || !Array.isArray(txs) || txs.length === 0 || txs.length > TX_BATCH || !txs.every((t) => t instanceof Uint8Array)) throw new Error('not a transaction batch');
  return txs as Uint8Array[];
}

export function createChainNode(init: ChainNodeInit): ChainNode {
  const { committed, network, metrics } = init;
  const chain = committed.chain;
  const log = init.logger.child({ chain });
  const now = init.now ?? Date.now;
  const mempool = createMempool(chain, committed.genesis.params, (address) => committed.rules.nonce(committed.top.tree, address));
  const waiters = new Map<string, Array<(height: number) => void>>();
  const submittedAt = new Map<string, number>();
  // Lately final transactions: a single validator can decide inside submit(), before anyone waits.
  const recentlyFinal = new Map<string, number>();
  const sources = new WeakMap<Uint8Array, string>();
  let knownHeight = 0;
  let syncing: Promise<void> | undefined;
  // 0: the first poll asks a peer at once (a node just started may be far behind).
  let lastCommitAt = 0;
  let poller: NodeJS.Timeout | undefined;
  const links = network ? createValidatorLinks(network, committed.genesis.validators.flatMap((v) => v.addresses), log) : undefined;

  const applied = (execution: Execution, certificate: Certificate, via: 'consensus' | 'sync') => {
    lastCommitAt = now();
    metrics.block(chain, via, execution.block.txs.length);
    for (const id of execution.txIds) {
      recentlyFinal.set(id, execution.block.header.height);
      if (recentlyFinal.size > RECENT_KEPT) recentlyFinal.delete(recentlyFinal.keys().next().value!);
      const since = submittedAt.get(id);
      if (since !== undefined) metrics.finality(chain, (lastCommitAt - since) / 1000);
      submittedAt.delete(id);
      for (const resolve of waiters.get(id) ?? []) resolve(execution.block.header.height);
      waiters.delete(id);
    }
    void certificate;
    init.onBlock(execution);
  };

  // Transactions submitted in one tick go out as one gossip message (per-message costs dominate).
  let outgoing: Uint8Array[] = [];
  let flushing: NodeJS.Immediate | undefined;
  // Batches differ in n, so waiting transactions gossiped again are not dropped as duplicates.
  let batches = 0;
  const flushTxs = () => {
    flushing = undefined;
    for (let i = 0; i < outgoing.length; i += TX_BATCH) publish(txTopic(chain), encodeCbor({ n: batches++, txs: outgoing.slice(i, i + TX_BATCH) }));
    outgoing = [];
  };
  const publish = (topic: string, data: Uint8Array) => {
    if (!network) return;
    network.pubsub.publish(topic, data).catch((err: Error) => log.debug({ err: err.message }, 'chain gossip publish failed'));
  };

  const engine = createConsensusEngine({
    committed,
    mempool,
    secretKey: init.secretKey,
    guard: init.guard,
    publish: (frame) => {
      metrics.vote(chain, frame.t === 'p' ? 'proposal' : frame.type);
      publish(consensusTopic(chain), encodeConsensusFrame(frame));
    },
    committedBlock: (execution, certificate) => applied(execution, certificate, 'consensus'),
    behind: (peer, height) => {
      knownHeight = Math.max(knownHeight, height - 1);
      if (peer && height > committed.top.height + 1) catchUp(peer);
    },
    warn: (message, err) => log.warn({ err }, message),
    evidence: () => metrics.evidence(chain),
    now,
  });

  const sync = createChainSync({ committed, mempool, ask: init.ask, applied: (execution, certificate) => applied(execution, certificate, 'sync') });

  function catchUp(peer: string): void {
    if (syncing) return;
    syncing = (async () => {
      const status = await sync.status(peer);
      knownHeight = Math.max(knownHeight, status.height);
      const interval = committed.snapshotInterval;
      // The latest snapshot far enough ahead: fewer blocks to fetch and execute after it.
      const snapshot = Math.max(...status.snapshots.filter((h) => h > committed.top.height + interval), 0) || undefined;
      if (committed.top.height === 0 && snapshot !== undefined) {
        log.info({ peer, height: snapshot }, 'state-syncing from a snapshot');
        await sync.fromSnapshot(peer, snapshot);
      }
      const applied = await sync.blocksFrom(peer);
      if (applied > 0) log.debug({ peer, applied, height: committed.top.height }, 'caught up');
    })()
      .catch((err: Error) => log.info({ peer, err: err.message }, 'could not catch up from this peer'))
      .finally(() => {
        syncing = undefined;
        engine.restartAfterSync();
      });
  }

  /** Stuck with no block for a while: ask a peer where it is. */
  function poll(): void {
    poller = setTimeout(poll, POLL_MS);
    poller.unref();
    links?.check(now());
    if (!network || syncing) return;
    // Transactions still waiting go out again: a peer (the proposer) may have missed them, e.g.
    // when they were sent before the gossip mesh had formed.
    if (mempool.size > 0 && now() - lastCommitAt > POLL_MS) {
      let resent = 0;
      for (const tx of mempool.candidates()) {
        outgoing.push(tx.bytes);
        if (++resent >= RESEND_TXS) break;
      }
      flushTxs();
    }
    const quiet = now() - lastCommitAt > committed.genesis.params.empty_block_interval_ms + POLL_MS;
    if (!quiet && knownHeight <= committed.top.height) return;
    const peers = network.libp2p.getPeers().map(String);
    const peer = peers[Math.floor(Math.random() * peers.length)];
    if (peer) catchUp(peer);
  }

  /** A transaction submitted here: timed for the finality figure, gossiped with this tick's others. */
  const track = (entry: DecodedTx): DecodedTx => {
    if (!submittedAt.has(entry.id)) submittedAt.set(entry.id, now());
    if (submittedAt.size > 100_000) submittedAt.delete(submittedAt.keys().next().value!);
    outgoing.push(entry.bytes);
    flushing ??= setImmediate(flushTxs);
    engine.wake();
    return entry;
  };

  const validateConsensus = (peer: { toString(): string }, message: { data: Uint8Array }): TopicValidatorResult => {
    try {
      if (decodeConsensusFrame(message.data).chain !== chain) return TopicValidatorResult.Reject;
    } catch {
      return TopicValidatorResult.Reject;
    }
    sources.set(message.data, peer.toString());
    return TopicValidatorResult.Accept;
  };

  /**
   * A batch of transactions: accepted (and forwarded) if any of them is new and valid; their
   * signatures are checked together on the thread pool. One that no longer applies (a nonce used
   * meanwhile) is not the forwarder's fault: such a batch is ignored, not rejected.
   */
  const validateTxs = async (_peer: unknown, message: { data: Uint8Array }): Promise<TopicValidatorResult> => {
    let txs: Uint8Array[];
    try {
      txs = decodeTxBatch(message.data);
    } catch {
      return TopicValidatorResult.Reject;
    }
    const results = await mempool.addMany(txs);
    return results.some((r) => !(r instanceof MempoolError)) ? TopicValidatorResult.Accept : TopicValidatorResult.Ignore;
  };

  const onGossip = (event: CustomEvent<{ topic: string; data: Uint8Array }>) => {
    const { topic, data } = event.detail;
    if (topic === txTopic(chain)) return engine.wake();
    if (topic !== consensusTopic(chain)) return;
    let frame: ConsensusFrame;
    try {
      frame = decodeConsensusFrame(data);
    } catch {
      return;
    }
    knownHeight = Math.max(knownHeight, frame.height - 1);
    engine.receive(frame, sources.get(data));
  };

  return {
    committed,
    mempool,
    engine,
    start() {
      committed.load();
      knownHeight = committed.top.height;
      if (network) {
        network.pubsub.topicValidators.set(consensusTopic(chain), validateConsensus);
        network.pubsub.topicValidators.set(txTopic(chain), validateTxs);
        for (const topic of [consensusTopic(chain), txTopic(chain)]) network.pubsub.subscribe(topic);
        network.pubsub.addEventListener('message', onGossip);
      }
      engine.start();
      // Soon after start (a node just started may be far behind), then every POLL_MS.
      poller = setTimeout(poll, FIRST_POLL_MS);
      poller.unref();
    },
    async stop() {
      if (poller) clearTimeout(poller);
      if (flushing) clearImmediate(flushing);
      flushing = undefined;
      outgoing = [];
      engine.stop();
      if (network) {
        network.pubsub.removeEventListener('message', onGossip);
        for (const topic of [consensusTopic(chain), txTopic(chain)]) {
          network.pubsub.unsubscribe(topic);
          network.pubsub.topicValidators.delete(topic);
        }
      }
      await syncing;
      for (const id of waiters.keys()) waiters.delete(id);
    },
    submit: (bytes) => track(mempool.add(bytes)),
    async submitAsync(bytes) {
      const [entry] = await mempool.addMany([bytes]);
      if (entry instanceof MempoolError) throw entry;
      return track(entry!);
    },
    finalized(id, timeoutMs) {
      return new Promise<number>((resolve, reject) => {
        const final = recentlyFinal.get(id);
        if (final !== undefined) return resolve(final);
        const timer = setTimeout(() => reject(new Error(`transaction ${id} is not final after ${timeoutMs} ms`)), timeoutMs);
        timer.unref();
        const list = waiters.get(id) ?? [];
        list.push((height) => {
          clearTimeout(timer);
          resolve(height);
        });
        waiters.set(id, list);
      });
    },
    get knownHeight() {
      return Math.max(knownHeight, committed.top.height);
    },
    get syncing() {
      return syncing !== undefined;
    },
  };
}

export const shortHash = (hash: Uint8Array) => bytesToHex(hash).slice(0, 12);
