import { TopicValidatorResult } from '@libp2p/gossipsub';
import type { Logger } from 'pino';
import { bytesToHex } from '../crypto/hex.ts';
import type { Network } from '../p2p/network.ts';
import type { Startable } from '../runtime/startable.ts';
import { createConsensusEngine, type ConsensusEngine } from './chain-engine.ts';
import { createCatchUp } from './chain-catchup.ts';
import { createChainSync } from './chain-sync.ts';
import type { CommittedChain } from './committed-chain.ts';
import { consensusTopic, decodeConsensusFrame, encodeConsensusFrame, txTopic, type ChainRequest, type ConsensusFrame } from './consensus-wire.ts';
import { createFinalityWaiters } from './finality-waiters.ts';
import type { Execution } from './ledger.ts';
import { createMempool, MempoolError, type Mempool } from './mempool.ts';
import type { SignGuard } from './sign-guard.ts';
import type { DecodedTx } from './transactions.ts';
import type { TxRejectedError } from './ledger-context.ts';
import type { ChainMetrics } from './chain-metrics.ts';
import { createTxGossip } from './tx-gossip.ts';
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
const RESEND_TXS = 2_048;

export function createChainNode(init: ChainNodeInit): ChainNode {
  const { committed, network, metrics } = init;
  const chain = committed.chain;
  const log = init.logger.child({ chain });
  const now = init.now ?? Date.now;
  const mempool = createMempool(chain, committed.genesis.params, (address) => committed.rules.nonce(committed.top.tree, address));
  const waiters = createFinalityWaiters(chain, metrics, now);
  const sources = new WeakMap<Uint8Array, string>();
  // 0: the first poll asks a peer at once (a node just started may be far behind).
  let lastCommitAt = 0;
  let poller: NodeJS.Timeout | undefined;
  const links = network ? createValidatorLinks(network, committed.genesis.validators.flatMap((v) => v.addresses), log) : undefined;

  const applied = (execution: Execution, via: 'consensus' | 'sync') => {
    lastCommitAt = now();
    metrics.block(chain, via, execution.block.txs.length);
    waiters.applied(execution);
    init.onBlock(execution);
  };
  const publish = (topic: string, data: Uint8Array) => {
    if (!network) return;
    network.pubsub.publish(topic, data).catch((err: Error) => log.debug({ err: err.message }, 'chain gossip publish failed'));
  };
  const txs = createTxGossip(chain, mempool, publish);

  const engine = createConsensusEngine({
    committed,
    mempool,
    secretKey: init.secretKey,
    guard: init.guard,
    publish: (frame) => {
      metrics.vote(chain, frame.t === 'p' ? 'proposal' : frame.type);
      publish(consensusTopic(chain), encodeConsensusFrame(frame));
    },
    committedBlock: (execution) => applied(execution, 'consensus'),
    behind: (peer, height) => {
      catchUp.observe(height - 1);
      if (peer && height > committed.top.height + 1) catchUp.from(peer);
    },
    warn: (message, err) => log.warn({ err }, message),
    evidence: () => metrics.evidence(chain),
    now,
  });
  const sync = createChainSync({ committed, mempool, ask: init.ask, applied: (execution) => applied(execution, 'sync') });
  const catchUp = createCatchUp(committed, sync, log, () => engine.restartAfterSync());

  /** Stuck with no block for a while: ask a peer where it is. */
  function poll(): void {
    poller = setTimeout(poll, POLL_MS);
    poller.unref();
    links?.check(now());
    if (!network || catchUp.syncing) return;
    // Transactions still waiting go out again: a peer (the proposer) may have missed them, e.g.
    // when they were sent before the gossip mesh had formed.
    if (mempool.size > 0 && now() - lastCommitAt > POLL_MS) txs.resend(Array.from(take(mempool.candidates(), RESEND_TXS), (tx) => tx.bytes));
    const quiet = now() - lastCommitAt > committed.genesis.params.empty_block_interval_ms + POLL_MS;
    if (!quiet && catchUp.knownHeight <= committed.top.height) return;
    const peers = network.libp2p.getPeers().map(String);
    const peer = peers[Math.floor(Math.random() * peers.length)];
    if (peer) catchUp.from(peer);
  }

  /** A transaction submitted here: timed for the finality figure, gossiped with this tick's others. */
  const track = (entry: DecodedTx): DecodedTx => {
    waiters.submitted(entry.id);
    txs.queue(entry.bytes);
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
    catchUp.observe(frame.height - 1);
    engine.receive(frame, sources.get(data));
  };

  return {
    committed,
    mempool,
    engine,
    start() {
      committed.load();
      catchUp.observe(committed.top.height);
      if (network) {
        network.pubsub.topicValidators.set(consensusTopic(chain), validateConsensus);
        network.pubsub.topicValidators.set(txTopic(chain), txs.validate);
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
      txs.stop();
      engine.stop();
      if (network) {
        network.pubsub.removeEventListener('message', onGossip);
        for (const topic of [consensusTopic(chain), txTopic(chain)]) {
          network.pubsub.unsubscribe(topic);
          network.pubsub.topicValidators.delete(topic);
        }
      }
      await catchUp.settled();
      waiters.clear();
    },
    submit: (bytes) => track(mempool.add(bytes)),
    async submitAsync(bytes) {
      const [entry] = await mempool.addMany([bytes]);
      if (entry instanceof MempoolError) throw entry;
      return track(entry!);
    },
    finalized: (id, timeoutMs) => waiters.finalized(id, timeoutMs),
    get knownHeight() {
      return catchUp.knownHeight;
    },
    get syncing() {
      return catchUp.syncing;
    },
  };
}

function* take<T>(items: Iterable<T>, count: number): Iterable<T> {
  if (count <= 0) return;
  let n = 0;
  for (const item of items) {
    yield item;
    if (++n >= count) return;
  }
}

/** The next nonce an account can use on this chain: after its committed one and any of its transactions still waiting here. */
export function nextNonce(node: Pick<ChainNode, 'committed' | 'mempool'>, address: string): number {
  const committed = node.committed.rules.nonce(node.committed.top.tree, address);
  return Math.max(committed, ...node.mempool.pendingFor(address).map((t) => t.tx.nonce + 1));
}

/** What the rules would say of `signed` now, after its sender's transactions still waiting here: the refusal, or undefined if it applies. */
export function refusalOf(node: Pick<ChainNode, 'committed' | 'mempool'>, signed: DecodedTx): TxRejectedError | undefined {
  const waiting = node.mempool.pendingFor(bytesToHex(signed.tx.from)).filter((t) => t.id !== signed.id);
  const candidates = [...waiting, signed].sort((a, b) => a.tx.nonce - b.tx.nonce);
  return node.committed.rules.preview(node.committed.top, candidates, Date.now()).get(signed.id);
}

export const shortHash = (hash: Uint8Array) => bytesToHex(hash).slice(0, 12);
