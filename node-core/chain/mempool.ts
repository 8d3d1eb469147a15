import { addressOf, decodeTx, feeExempt, txId, verifyTx, verifyTxAsync, type DecodedTx, type TxFormatError } from './transactions.ts';
import type { ChainParams } from './genesis.ts';

/**
 * Transactions waiting for a block. Checked on entry — shape and size, the sender's signature
 * (once: the id is remembered, so checking a block does not verify it again), a fee at least the
 * minimum, a nonce not below the sender's committed one nor too far above — and bounded per
 * sender and in all, so one account cannot fill it. Candidates come out per sender in nonce
 * order, senders in arrival order.
 */

export class MempoolError extends Error {
  override readonly name = 'MempoolError';
  readonly code: 'malformed' | 'bad-signature' | 'fee-too-low' | 'bad-nonce' | 'full' | 'sender-full' | 'duplicate' | 'wrong-chain';
  constructor(code: MempoolError['code'], message: string) {
    super(message);
    this.code = code;
  }
}

export interface MempoolLimits {
  readonly perSender: number;
  readonly total: number;
  /** How far above the committed nonce a transaction may be. */
  readonly nonceWindow: number;
}

export const DEFAULT_MEMPOOL_LIMITS: MempoolLimits = { perSender: 256, total: 50_000, nonceWindow: 256 };

export interface Mempool {
  /** Checks and adds; returns the entry, or throws MempoolError. A transaction already held is returned as is. */
  add(bytes: Uint8Array): DecodedTx;
  /**
   * add() for many at once, their signatures verified together on the thread pool first: each
   * result is the entry or the MempoolError that refused it (one bad transaction sinks no other).
   */
  addMany(list: readonly Uint8Array[]): Promise<Array<DecodedTx | MempoolError>>;
  /** Verifies signatures ahead of a block check (see verified()), on the thread pool. */
  preverify(entries: readonly DecodedTx[]): Promise<Set<string>>;
  candidates(): Iterable<DecodedTx>;
  /** After a block: drop what it included and what can no longer apply. */
  committed(ids: readonly string[], nonceOf: (address: string) => number): void;
  remove(id: string): void;
  verified(id: string): boolean;
  has(id: string): boolean;
  pendingFor(address: string): DecodedTx[];
  readonly size: number;
}

export function createMempool(chain: string, params: ChainParams, nonceOf: (address: string) => number, limits: MempoolLimits = DEFAULT_MEMPOOL_LIMITS): Mempool {
  const byId = new Map<string, DecodedTx>();
  const bySender = new Map<string, Map<number, DecodedTx>>();
  // Ids whose signature verified lately, held in or out of the pool (a block may carry them after we dropped ours).
  const verifiedIds = new Set<string>();
  const remember = (id: string) => {
    verifiedIds.add(id);
    if (verifiedIds.size > limits.total * 2) verifiedIds.delete(verifiedIds.values().next().value!);
  };
  const drop = (entry: DecodedTx) => {
    byId.delete(entry.id);
    const sender = addressOf(entry.tx.from);
    const queue = bySender.get(sender);
    queue?.delete(entry.tx.nonce);
    if (queue?.size === 0) bySender.delete(sender);
  };

  const decode = (bytes: Uint8Array): DecodedTx => {
    try {
      return decodeTx(bytes, params);
    } catch (err) {
      throw new MempoolError('malformed', (err as TxFormatError).message);
    }
  };

  /** `forged`: its signature already failed (on the thread pool), so it is not checked again. */
  function admit(entry: DecodedTx, forged = false): DecodedTx {
    const held = byId.get(entry.id);
    if (held) return held;
    const { tx } = entry;
    if (tx.chain !== chain) throw new MempoolError('wrong-chain', `the transaction is for chain ${tx.chain}, not ${chain}`);
    if (!feeExempt(tx) && tx.fee < params.min_fee) throw new MempoolError('fee-too-low', `the fee ${tx.fee} is below the minimum ${params.min_fee}`);
    const sender = addressOf(tx.from);
    const committedNonce = nonceOf(sender);
    if (tx.nonce < committedNonce) throw new MempoolError('bad-nonce', `nonce ${tx.nonce} is already used (the next is ${committedNonce})`);
    if (tx.nonce >= committedNonce + limits.nonceWindow) throw new MempoolError('bad-nonce', `nonce ${tx.nonce} is too far ahead of ${committedNonce}`);
    const queue = bySender.get(sender);
    if (queue?.has(tx.nonce)) throw new MempoolError('duplicate', `a transaction with nonce ${tx.nonce} from this sender is already waiting`);
    if ((queue?.size ?? 0) >= limits.perSender) throw new MempoolError('sender-full', `this sender has ${limits.perSender} transactions waiting already`);
    if (byId.size >= limits.total) throw new MempoolError('full', `the mempool holds ${limits.total} transactions; try again shortly`);
    if (!verifiedIds.has(entry.id)) {
      if (forged || !verifyTx(tx)) throw new MempoolError('bad-signature', 'the transaction is not signed by its sender');
      remember(entry.id);
    }
    byId.set(entry.id, entry);
    if (queue) queue.set(tx.nonce, entry);
    else bySender.set(sender, new Map([[tx.nonce, entry]]));
    return entry;
  }

  /** Verifies the signatures not verified yet, all at once on the thread pool; remembers the good ones and returns the ids of the bad. */
  async function preverify(entries: readonly DecodedTx[]): Promise<Set<string>> {
    const fresh = entries.filter((e) => !verifiedIds.has(e.id));
    const results = await Promise.all(fresh.map((e) => verifyTxAsync(e.tx)));
    const forged = new Set<string>();
    fresh.forEach((e, i) => (results[i] ? remember(e.id) : forged.add(e.id)));
    return forged;
  }

  return {
    add: (bytes) => admit(decode(bytes)),
    async addMany(list) {
      const decoded = list.map((bytes) => {
        // Gossip re-sends what waits: one already held is answered without decoding it again (bench market: 4× the proposal check's decoding).
        const held = byId.get(txId(bytes));
        if (held) return held;
        try {
          return decode(bytes);
        } catch (err) {
          return err as MempoolError;
        }
      });
      const forged = await preverify(decoded.filter((d): d is DecodedTx => !(d instanceof MempoolError) && !byId.has(d.id)));
      return decoded.map((d) => {
        if (d instanceof MempoolError) return d;
        try {
          return admit(d, forged.has(d.id));
        } catch (err) {
          return err as MempoolError;
        }
      });
    },
    preverify,
    *candidates() {
      for (const queue of bySender.values()) yield* [...queue.values()].sort((a, b) => a.tx.nonce - b.tx.nonce);
    },
    committed(ids, nonce) {
      for (const id of ids) {
        const entry = byId.get(id);
        if (entry) drop(entry);
      }
      for (const [sender, queue] of bySender) {
        const next = nonce(sender);
        for (const entry of queue.values()) if (entry.tx.nonce < next) drop(entry);
      }
    },
    remove(id) {
      const entry = byId.get(id);
      if (entry) drop(entry);
    },
    verified: (id) => verifiedIds.has(id),
    has: (id) => byId.has(id),
    pendingFor: (address) => [...(bySender.get(address)?.values() ?? [])],
    get size() {
      return byId.size;
    },
  };
}
