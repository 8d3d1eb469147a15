import { encodeCbor, decodeCbor } from '../p2p/codec.ts';
import { decodeBlock, decodeCertificate, encodeBlock, type Block, type Certificate } from './blocks.ts';
import type { ChainRepository, StoredBlock } from './chain-repository.ts';
import type { Genesis } from './genesis.ts';
import { createLedgerRules, genesisHash, genesisTree, validatorSetOf, type Execution, type LedgerRules, type Top } from './ledger.ts';
import type { ValidatorSet } from './ledger-rules.ts';
import { stateTreeFrom, type StateTree } from './state-tree.ts';

/**
 * A chain as this node holds it: the last final block, the state after it (the state tree, kept
 * in memory and as rows in SQLite), and the store of blocks with their certificates. Loading
 * checks that the stored state gives the root the last block names; committing writes block,
 * certificate and state changes in one transaction, and a snapshot every snapshot_interval blocks.
 */

export class ChainStateMismatchError extends Error {
  override readonly name = 'ChainStateMismatchError';
}

const SNAPSHOT_CHUNK_ENTRIES = 4096;
const SNAPSHOTS_KEPT = 2;

export interface CommittedChain {
  readonly genesis: Genesis;
  readonly counterparty: Genesis | undefined;
  readonly rules: LedgerRules;
  readonly chain: string;
  readonly top: Top;
  readonly validators: ValidatorSet;
  /** The lowest block held (1, or the snapshot height a state-synced node started from). */
  readonly lowest: number;
  readonly snapshotInterval: number;
  load(): void;
  commit(execution: Execution, certificate: Certificate): void;
  /** Several blocks, each executed on the one before, in one transaction: all or none. */
  commitMany(blocks: ReadonlyArray<{ execution: Execution; certificate: Certificate }>): void;
  stored(height: number): StoredBlock | undefined;
  block(height: number): { block: Block; certificate: Certificate } | undefined;
  snapshotHeights(): number[];
  accountTxs(address: Uint8Array, limit: number): Array<{ height: number; position: number }>;
  snapshotChunk(height: number, chunk: number): { data: Uint8Array; chunks: number } | undefined;
  /** Starts over from a verified snapshot: state at `anchor`'s height, and that block. */
  restore(tree: StateTree, anchor: StoredBlock): void;
}

export const encodeSnapshotChunk = (entries: Array<[Uint8Array, Uint8Array]>): Uint8Array => encodeCbor(entries);
export const decodeSnapshotChunk = (data: Uint8Array): Array<[Uint8Array, Uint8Array]> => {
  const value = decodeCbor(data);
  if (!Array.isArray(value) || !value.every((e) => Array.isArray(e) && e.length === 2 && e[0] instanceof Uint8Array && e[1] instanceof Uint8Array)) {
    throw new ChainStateMismatchError('a snapshot chunk is not a list of key/value pairs');
  }
  return value as Array<[Uint8Array, Uint8Array]>;
};

/** `snapshotInterval`: blocks between state snapshots (the guide's bridge.state_snapshot_interval). */
/** `counterparty`: the network's other chain (the bridge's light client starts from its genesis). */
export function createCommittedChain(genesis: Genesis, repository: () => ChainRepository, snapshotInterval: number, counterparty?: Genesis): CommittedChain {
  const chain = genesis.chain_id;
  const rules = createLedgerRules(genesis, counterparty);
  const origin: Top = { height: 0, hash: genesisHash(genesis), time: genesis.genesis_time, tree: genesisTree(genesis, counterparty) };
  let top = origin;
  let validators = validatorSetOf(top.tree);
  let lowest = 1;

  const adopt = (next: Top) => {
    top = next;
    validators = validatorSetOf(next.tree);
  };

  function snapshot(height: number, tree: StateTree): void {
    const chunks: Uint8Array[] = [];
    let batch: Array<[Uint8Array, Uint8Array]> = [];
    for (const entry of tree.entries()) {
      batch.push(entry);
      if (batch.length === SNAPSHOT_CHUNK_ENTRIES) {
        chunks.push(encodeSnapshotChunk(batch));
        batch = [];
      }
    }
    if (batch.length > 0 || chunks.length === 0) chunks.push(encodeSnapshotChunk(batch));
    repository().saveSnapshot(chain, height, chunks, SNAPSHOTS_KEPT);
  }

  return {
    genesis,
    counterparty,
    rules,
    chain,
    get top() {
      return top;
    },
    get validators() {
      return validators;
    },
    get lowest() {
      return lowest;
    },
    snapshotInterval,
    load() {
      const repo = repository();
      const last = repo.top(chain);
      if (!last) {
        adopt(origin);
        return;
      }
      const block = decodeBlock(last.block);
      const tree = stateTreeFrom([...repo.state(chain)].map(({ key, value }) => [key, value] as const));
      if (Buffer.compare(tree.root, block.header.state) !== 0) {
        throw new ChainStateMismatchError(`the stored state of ${chain} does not give the state root of block ${last.height}; the chain data is damaged`);
      }
      lowest = repo.lowest(chain) ?? 1;
      adopt({ height: last.height, hash: last.hash, time: last.time, tree });
    },
    commit(execution, certificate) {
      const h = execution.block.header;
      repository().commit(chain, {
        height: h.height,
        hash: execution.hash,
        block: encodeBlock(execution.block),
        certificate: encodeCbor(certificate),
        time: h.time,
        txCount: execution.block.txs.length,
        // The first block also writes the genesis state (its own changes after, so they win).
        changes: top.height === 0 ? [...origin.tree.entries(), ...execution.changes] : execution.changes,
        touched: execution.touched,
      });
      adopt({ height: h.height, hash: execution.hash, time: h.time, tree: execution.tree });
      if (h.height % snapshotInterval === 0) snapshot(h.height, execution.tree);
    },
    commitMany(blocks) {
      const before = top;
      try {
        repository().inTransaction(() => {
          for (const { execution, certificate } of blocks) this.commit(execution, certificate);
        });
      } catch (err) {
        adopt(before);
        throw err;
      }
    },
    stored: (height) => repository().block(chain, height),
    block(height) {
      const stored = repository().block(chain, height);
      return stored ? { block: decodeBlock(stored.block), certificate: decodeCertificate(stored.certificate) } : undefined;
    },
    snapshotHeights: () => repository().snapshotHeights(chain),
    accountTxs: (address, limit) => repository().accountTxs(chain, address, limit),
    snapshotChunk(height, chunk) {
      const chunks = repository().snapshotChunks(chain, height);
      const data = chunks[chunk];
      return data ? { data, chunks: chunks.length } : undefined;
    },
    restore(tree, anchor) {
      repository().restore(chain, tree.entries(), anchor);
      lowest = anchor.height;
      adopt({ height: anchor.height, hash: anchor.hash, time: anchor.time, tree });
    },
  };
}
