import { createHash } from 'node:crypto';
import { encodeCbor } from '../p2p/codec.ts';
import { blockHash, decodeBlock, evidenceHash, evidenceKey, MAX_BLOCK_EVIDENCE, txsHash, validatorSetHash, voteStatement, type Block, type BlockHeader, type Certificate, type Evidence } from './blocks.ts';
import type { Genesis } from './genesis.ts';
import { accountKey, applyTx, releaseUnbonded, TxRejectedError, type LedgerContext, type ValidatorSet } from './ledger-rules.ts';
import { bridgeKeys } from './bridge-wire.ts';
import type { LightClient } from './light-client.ts';
import { emptyStateTree, type StateTree } from './state-tree.ts';
import { keyBytes, StateView } from './state-view.ts';
import { addressOf, decodeTx, verifyTx, type DecodedTx } from './transactions.ts';

/**
 * One chain's committed state and the rules for the next block: building one (the proposer),
 * checking one (everyone else), and what committing it changes. Pure over its inputs; the engine
 * persists commits through the repository.
 */

export class BlockInvalidError extends Error {
  override readonly name = 'BlockInvalidError';
}

/** A block executed against the committed state, ready to commit once certified. */
export interface Execution {
  readonly block: Block;
  readonly hash: Uint8Array;
  readonly tree: StateTree;
  readonly changes: Array<[Uint8Array, Uint8Array | undefined]>;
  /** (account, position, tx id) for history. */
  readonly touched: Array<[Uint8Array, number, Uint8Array]>;
  readonly txIds: string[];
}

export interface Top {
  readonly height: number;
  readonly hash: Uint8Array;
  readonly time: number;
  readonly tree: StateTree;
}

export const genesisHash = (genesis: Genesis): Uint8Array => createHash('sha256').update('dchat/chain/genesis/v1').update(encodeCbor(genesis)).digest();

const genesisSet = (genesis: Genesis): ValidatorSet => ({ set: genesis.validators.map((v) => ({ name: v.name, key: Buffer.from(v.public_key, 'hex') })), quorum: genesis.quorum, faults: genesis.byzantine_faults, nonce: 0 });

/** The light client of the other chain, as genesis starts it: trusting the other's genesis validators. */
export function genesisClient(other: Genesis): LightClient {
  const { set, quorum, faults } = genesisSet(other);
  return { chain: other.chain_id, height: 0, hash: genesisHash(other), time: other.genesis_time, root: new Uint8Array(32), next: { set, quorum, faults }, next_hash: validatorSetHash(set, quorum), frozen: null };
}

/** `counterparty`: the other chain of the network, whose light client this one starts with. */
export function genesisTree(genesis: Genesis, counterparty?: Genesis): StateTree {
  const set = genesisSet(genesis);
  const entries: Array<[Uint8Array, Uint8Array]> = [[keyBytes('v'), encodeCbor(set)]];
  if (counterparty) entries.push([keyBytes(bridgeKeys.client(counterparty.chain_id)), encodeCbor(genesisClient(counterparty))]);
  if (genesis.params.relay_reward_pool > 0) entries.push([keyBytes(bridgeKeys.rewardPool), encodeCbor(genesis.params.relay_reward_pool)]);
  const balances = new Map<string, number>();
  for (const a of genesis.allocations) balances.set(a.address, (balances.get(a.address) ?? 0) + a.amount);
  for (const [address, balance] of balances) entries.push([keyBytes(accountKey(Buffer.from(address, 'hex'))), encodeCbor({ balance, nonce: 0, staked: 0, unbonding: [] })]);
  return emptyStateTree.apply(entries);
}

export const validatorSetOf = (tree: StateTree): ValidatorSet => new StateView(tree).read<ValidatorSet>('v')!;

export interface BuildInput {
  readonly top: Top;
  readonly candidates: Iterable<DecodedTx>;
  readonly evidence: readonly Evidence[];
  readonly time: number;
  readonly proposer: number;
}

export function createLedgerRules(genesis: Genesis, counterparty?: Genesis) {
  const chain = genesis.chain_id;
  const params = genesis.params;
  const other = counterparty?.chain_id ?? '';
  const context = (height: number, time: number): LedgerContext => ({ chain, kind: genesis.kind, params, height, time, counterparty: other });

  function header(top: Top, height: number, tree: StateTree, txs: Uint8Array[], evidence: readonly Evidence[], time: number, proposer: number): { header: BlockHeader; next?: ValidatorSet } {
    const current = validatorSetOf(top.tree);
    const next = validatorSetOf(tree);
    const currentHash = validatorSetHash(current.set, current.quorum);
    const nextHash = validatorSetHash(next.set, next.quorum);
    return {
      header: { chain, height, time, prev: top.hash, txs: txsHash(txs), state: tree.root, validators: currentHash, next_validators: nextHash, evidence: evidenceHash(evidence), proposer },
      next: Buffer.compare(currentHash, nextHash) === 0 ? undefined : next,
    };
  }

  function recordEvidence(view: StateView, set: ValidatorSet, height: number, e: Evidence): void {
    const member = set.set[e.validator];
    if (!member) throw new BlockInvalidError(`evidence names validator ${e.validator}, not in the set`);
    const same = (a: Uint8Array | null, b: Uint8Array | null) => (a === null ? b === null : b !== null && Buffer.compare(a, b) === 0);
    if (same(e.a.value, e.b.value)) throw new BlockInvalidError('evidence of two identical votes is no evidence');
    for (const side of [e.a, e.b]) {
      if (!voteStatement.verify(member.key, { chain, height: e.height, round: e.round, type: e.type, value: side.value }, side.sig)) throw new BlockInvalidError('an evidence signature does not verify');
    }
    if (e.height > height) throw new BlockInvalidError('evidence from the future');
    const key = evidenceKey(e);
    if (view.get(key)) throw new BlockInvalidError('this evidence is already on chain');
    view.write(key, e);
  }

  function finish(top: Top, view: StateView, txs: DecodedTx[], evidence: readonly Evidence[], time: number, proposer: number, touched: Array<[Uint8Array, number, Uint8Array]>): Execution {
    const height = top.height + 1;
    const changes = view.changes();
    const tree = top.tree.apply(changes);
    const encoded = txs.map((t) => t.bytes);
    const made = header(top, height, tree, encoded, evidence, time, proposer);
    const block: Block = { header: made.header, txs: encoded, evidence: [...evidence], ...(made.next ? { next_set: { set: made.next.set, quorum: made.next.quorum, faults: made.next.faults } } : {}) };
    return { block, hash: blockHash(made.header), tree, changes, touched, txIds: txs.map((t) => t.id) };
  }

  return {
    chain,
    params,
    /** The proposer's block: the candidates that apply, in order, up to the block limits. */
    build(input: BuildInput): { execution: Execution; rejected: Array<{ id: string; error: TxRejectedError }> } {
      const { top } = input;
      const height = top.height + 1;
      const view = new StateView(top.tree);
      releaseUnbonded(view, height);
      const set = validatorSetOf(top.tree);
      const evidence: Evidence[] = [];
      for (const e of input.evidence) {
        if (evidence.length >= MAX_BLOCK_EVIDENCE) break;
        const attempt = view.fork();
        try {
          recordEvidence(attempt, set, height, e);
          view.merge(attempt);
          evidence.push(e);
        } catch {
          // stale or duplicate evidence: leave it out
        }
      }
      const chosen: DecodedTx[] = [];
      const touched: Array<[Uint8Array, number, Uint8Array]> = [];
      const rejected: Array<{ id: string; error: TxRejectedError }> = [];
      let bytes = 0;
      for (const candidate of input.candidates) {
        if (chosen.length >= params.max_block_txs || bytes + candidate.bytes.length > params.max_block_bytes) break;
        const attempt = view.fork();
        try {
          const others = applyTx(context(height, input.time), attempt, candidate.tx);
          view.merge(attempt);
          const id = Buffer.from(candidate.id, 'hex');
          for (const account of [candidate.tx.from, ...others]) touched.push([account, chosen.length, id]);
          chosen.push(candidate);
          bytes += candidate.bytes.length;
        } catch (err) {
          if (err instanceof TxRejectedError) rejected.push({ id: candidate.id, error: err });
          else throw err;
        }
      }
      return { execution: finish(top, view, chosen, evidence, input.time, input.proposer, touched), rejected };
    },

    /**
     * What the rules say of these transactions now, in order, on the committed state (no block is
     * built: no state root, no header): the refusal of each that would not apply. The API's and the
     * relayer's check before sending.
     */
    preview(top: Top, candidates: Iterable<DecodedTx>, time: number): Map<string, TxRejectedError> {
      const height = top.height + 1;
      const view = new StateView(top.tree);
      releaseUnbonded(view, height);
      const refused = new Map<string, TxRejectedError>();
      for (const candidate of candidates) {
        const attempt = view.fork();
        try {
          applyTx(context(height, time), attempt, candidate.tx);
          view.merge(attempt);
        } catch (err) {
          if (!(err instanceof TxRejectedError)) throw err;
          refused.set(candidate.id, err);
        }
      }
      return refused;
    },

    /** Everyone else's check of a proposed block: throws BlockInvalidError naming what is wrong. */
    check(top: Top, block: Block, verified: (id: string) => boolean): Execution {
      const h = block.header;
      const height = top.height + 1;
      if (h.chain !== chain) throw new BlockInvalidError(`the block is for chain ${h.chain}`);
      if (h.height !== height) throw new BlockInvalidError(`the block is for height ${h.height}, expected ${height}`);
      if (Buffer.compare(h.prev, top.hash) !== 0) throw new BlockInvalidError('the block does not follow the last final block');
      if (h.time < top.time) throw new BlockInvalidError('the block is older than its parent');
      if (block.txs.length > params.max_block_txs) throw new BlockInvalidError('too many transactions');
      const view = new StateView(top.tree);
      releaseUnbonded(view, height);
      const set = validatorSetOf(top.tree);
      if (h.proposer >= set.set.length) throw new BlockInvalidError('the proposer is not a validator');
      for (const e of block.evidence) recordEvidence(view, set, height, e);
      const txs: DecodedTx[] = [];
      const touched: Array<[Uint8Array, number, Uint8Array]> = [];
      for (const [position, encoded] of block.txs.entries()) {
        let decoded: DecodedTx;
        try {
          decoded = decodeTx(encoded, params);
        } catch (err) {
          throw new BlockInvalidError(`transaction ${position}: ${(err as Error).message}`);
        }
        if (!verified(decoded.id) && !verifyTx(decoded.tx)) throw new BlockInvalidError(`transaction ${position} is not signed by its sender`);
        try {
          const others = applyTx(context(height, h.time), view, decoded.tx);
          const id = Buffer.from(decoded.id, 'hex');
          for (const account of [decoded.tx.from, ...others]) touched.push([account, position, id]);
        } catch (err) {
          throw new BlockInvalidError(`transaction ${position} does not apply: ${(err as Error).message}`);
        }
        txs.push(decoded);
      }
      const execution = finish(top, view, txs, block.evidence, h.time, h.proposer, touched);
      const expected = execution.block.header;
      for (const field of ['txs', 'state', 'validators', 'next_validators', 'evidence'] as const) {
        if (Buffer.compare(expected[field], h[field]) !== 0) throw new BlockInvalidError(`the block's ${field} hash is not what its contents give`);
      }
      // State sync learns the next set from next_set alone: it must be exactly what execution gives.
      if (Buffer.compare(encodeCbor(execution.block.next_set ?? null), encodeCbor(block.next_set ?? null)) !== 0) {
        throw new BlockInvalidError("the block's next_set is not the validator set its transactions make");
      }
      return { ...execution, block, hash: blockHash(h) };
    },

    set: validatorSetOf,
    addressOf,
    decodeBlock,
    /** The committed nonce of an account (hex address) in a state. */
    nonce: (tree: StateTree, address: string): number => new StateView(tree).read<{ nonce: number }>(`a/${address}`)?.nonce ?? 0,
  };
}

export type LedgerRules = ReturnType<typeof createLedgerRules>;
export type { Certificate };
