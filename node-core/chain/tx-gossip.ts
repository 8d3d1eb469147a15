import { TopicValidatorResult } from '@libp2p/gossipsub';
import { decodeCbor, encodeCbor } from '../p2p/codec.ts';
import { txTopic } from './consensus-wire.ts';
import { MempoolError, type Mempool } from './mempool.ts';

/**
 * Transactions on a chain's gossip topic. Those submitted in one tick go out as one message of up
 * to TX_BATCH (per-message costs dominate); batches differ in `n`, so transactions gossiped again
 * are not dropped as duplicates. An incoming batch is checked by the mempool (signatures together
 * on the thread pool) before gossip forwards it.
 */

export const TX_BATCH = 256;

export interface TxGossip {
  /** Sends with this tick's others. */
  queue(bytes: Uint8Array): void;
  /** Sends these now (waiting transactions a peer may have missed). */
  resend(txs: Iterable<Uint8Array>): void;
  /** The topic validator for incoming batches. */
  validate(peer: unknown, message: { data: Uint8Array }): Promise<TopicValidatorResult>;
  stop(): void;
}

function decodeTxBatch(data: Uint8Array): Uint8Array[] {
  const value = decodeCbor(data) as { n?: unknown; txs?: unknown };
  const txs = value?.txs;
  if (typeof value?.n !== 'number' || !Array.isArray(txs) || txs.length === 0 || txs.length > TX_BATCH || !txs.every((t) => t instanceof Uint8Array)) throw new Error('not a transaction batch');
  return txs as Uint8Array[];
}

export function createTxGossip(chain: string, mempool: Mempool, publish: (topic: string, data: Uint8Array) => void): TxGossip {
  let outgoing: Uint8Array[] = [];
  let flushing: NodeJS.Immediate | undefined;
  let batches = 0;
  const flush = () => {
    flushing = undefined;
    for (let i = 0; i < outgoing.length; i += TX_BATCH) publish(txTopic(chain), encodeCbor({ n: batches++, txs: outgoing.slice(i, i + TX_BATCH) }));
    outgoing = [];
  };
  return {
    queue(bytes) {
      outgoing.push(bytes);
      flushing ??= setImmediate(flush);
    },
    resend(txs) {
      outgoing.push(...txs);
      flush();
    },
    /**
     * Accepted (and forwarded) if any transaction of the batch is new and valid. One that no
     * longer applies (a nonce used meanwhile) is not the forwarder's fault: such a batch is
     * ignored, not rejected; a malformed batch is.
     */
    async validate(_peer, message) {
      let txs: Uint8Array[];
      try {
        txs = decodeTxBatch(message.data);
      } catch {
        return TopicValidatorResult.Reject;
      }
      const results = await mempool.addMany(txs);
      return results.some((r) => !(r instanceof MempoolError)) ? TopicValidatorResult.Accept : TopicValidatorResult.Ignore;
    },
    stop() {
      if (flushing) clearImmediate(flushing);
      flushing = undefined;
      outgoing = [];
    },
  };
}
