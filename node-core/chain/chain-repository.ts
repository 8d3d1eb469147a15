import type { Database } from 'better-sqlite3';
import type { RepositoryDefinition } from '../store/store.ts';

/** One committed block: what is written together, in one transaction. */
export interface CommittedBlock {
  readonly height: number;
  readonly hash: Uint8Array;
  readonly block: Uint8Array;
  readonly certificate: Uint8Array;
  readonly time: number;
  readonly txCount: number;
  /** State changes the block made (value undefined = the key is gone). */
  readonly changes: ReadonlyArray<readonly [Uint8Array, Uint8Array | undefined]>;
  /** (address, position in block, tx id) for every account a transaction touched. */
  readonly touched: ReadonlyArray<readonly [Uint8Array, number, Uint8Array]>;
}

export interface StoredBlock {
  readonly height: number;
  readonly hash: Uint8Array;
  readonly block: Uint8Array;
  readonly certificate: Uint8Array;
  readonly time: number;
}

export interface ChainRepository {
  commit(chain: string, committed: CommittedBlock): void;
  top(chain: string): StoredBlock | undefined;
  block(chain: string, height: number): StoredBlock | undefined;
  blocks(chain: string, from: number, count: number): StoredBlock[];
  lowest(chain: string): number | undefined;
  state(chain: string): IterableIterator<{ key: Uint8Array; value: Uint8Array }>;
  accountTxs(chain: string, address: Uint8Array, limit: number): Array<{ height: number; position: number }>;
  saveSnapshot(chain: string, height: number, chunks: readonly Uint8Array[], keep: number): void;
  snapshotHeights(chain: string): number[];
  snapshotChunks(chain: string, height: number): Uint8Array[];
  /** Replaces the chain's state and blocks with a snapshot's (state sync). */
  restore(chain: string, entries: Iterable<readonly [Uint8Array, Uint8Array]>, anchor: StoredBlock): void;
  meta(chain: string, name: string): Uint8Array | undefined;
  setMeta(chain: string, name: string, value: Uint8Array): void;
  /** Runs `fn` in one transaction (commits inside it become savepoints: one fsync for all). */
  inTransaction(fn: () => void): void;
}

export function createChainRepository(db: Database): ChainRepository {
  const insertBlock = db.prepare('INSERT INTO chain_blocks (chain, height, hash, block, certificate, time, tx_count) VALUES (?, ?, ?, ?, ?, ?, ?)');
  const putState = db.prepare('INSERT INTO chain_state (chain, key, value) VALUES (?, ?, ?) ON CONFLICT (chain, key) DO UPDATE SET value = excluded.value');
  const dropState = db.prepare('DELETE FROM chain_state WHERE chain = ? AND key = ?');
  const touch = db.prepare('INSERT OR IGNORE INTO chain_account_txs (chain, address, height, position, tx_id) VALUES (?, ?, ?, ?, ?)');
  const columns = 'height, hash, block, certificate, time';
  const top = db.prepare(`SELECT ${columns} FROM chain_blocks WHERE chain = ? ORDER BY height DESC LIMIT 1`);
  const one = db.prepare(`SELECT ${columns} FROM chain_blocks WHERE chain = ? AND height = ?`);
  const range = db.prepare(`SELECT ${columns} FROM chain_blocks WHERE chain = ? AND height >= ? ORDER BY height LIMIT ?`);
  const lowest = db.prepare('SELECT MIN(height) AS h FROM chain_blocks WHERE chain = ?').pluck();
  const state = db.prepare('SELECT key, value FROM chain_state WHERE chain = ?');
  const accountTxs = db.prepare('SELECT height, position FROM chain_account_txs WHERE chain = ? AND address = ? ORDER BY height DESC, position DESC LIMIT ?');
  const putChunk = db.prepare('INSERT OR REPLACE INTO chain_snapshots (chain, height, chunk, data) VALUES (?, ?, ?, ?)');
  const heights = db.prepare('SELECT DISTINCT height FROM chain_snapshots WHERE chain = ? ORDER BY height DESC').pluck();
  const dropSnapshot = db.prepare('DELETE FROM chain_snapshots WHERE chain = ? AND height = ?');
  const chunks = db.prepare('SELECT data FROM chain_snapshots WHERE chain = ? AND height = ? ORDER BY chunk').pluck();
  const getMeta = db.prepare('SELECT value FROM chain_meta WHERE chain = ? AND name = ?').pluck();
  const setMeta = db.prepare('INSERT OR REPLACE INTO chain_meta (chain, name, value) VALUES (?, ?, ?)');
  const clearState = db.prepare('DELETE FROM chain_state WHERE chain = ?');
  const clearBlocks = db.prepare('DELETE FROM chain_blocks WHERE chain = ?');
  const clearTxs = db.prepare('DELETE FROM chain_account_txs WHERE chain = ?');

  const commit = db.transaction((chain: string, c: CommittedBlock) => {
    insertBlock.run(chain, c.height, c.hash, c.block, c.certificate, c.time, c.txCount);
    for (const [key, value] of c.changes) {
      if (value === undefined) dropState.run(chain, key);
      else putState.run(chain, key, value);
    }
    for (const [address, position, id] of c.touched) touch.run(chain, address, c.height, position, id);
  });
  const saveSnapshot = db.transaction((chain: string, height: number, data: readonly Uint8Array[], keep: number) => {
    data.forEach((chunk, index) => putChunk.run(chain, height, index, chunk));
    for (const old of (heights.all(chain) as number[]).slice(keep)) dropSnapshot.run(chain, old);
  });
  const restore = db.transaction((chain: string, entries: Iterable<readonly [Uint8Array, Uint8Array]>, anchor: StoredBlock) => {
    clearState.run(chain);
    clearBlocks.run(chain);
    clearTxs.run(chain);
    for (const [key, value] of entries) putState.run(chain, key, value);
    insertBlock.run(chain, anchor.height, anchor.hash, anchor.block, anchor.certificate, anchor.time, 0);
  });

  return {
    commit,
    top: (chain) => top.get(chain) as StoredBlock | undefined,
    block: (chain, height) => one.get(chain, height) as StoredBlock | undefined,
    blocks: (chain, from, count) => range.all(chain, from, count) as StoredBlock[],
    lowest: (chain) => (lowest.get(chain) as number | null) ?? undefined,
    state: (chain) => state.iterate(chain) as IterableIterator<{ key: Uint8Array; value: Uint8Array }>,
    accountTxs: (chain, address, limit) => accountTxs.all(chain, address, limit) as Array<{ height: number; position: number }>,
    saveSnapshot,
    snapshotHeights: (chain) => heights.all(chain) as number[],
    snapshotChunks: (chain, height) => chunks.all(chain, height) as Uint8Array[],
    restore,
    meta: (chain, name) => (getMeta.get(chain, name) as Uint8Array | undefined) ?? undefined,
    setMeta: (chain, name, value) => void setMeta.run(chain, name, value),
    inTransaction: (fn) => db.transaction(fn)(),
  };
}

export const chainRepositoryDefinition: RepositoryDefinition<ChainRepository> = { name: 'chains', open: createChainRepository };
