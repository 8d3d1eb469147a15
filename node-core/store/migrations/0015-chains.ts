import type { Migration } from '../migrator.ts';

const migration: Migration = {
  version: 15,
  name: 'chains',
  up: `
    -- The ledgers this node keeps (chain = chain_id). A block is written with its certificate and
    -- the state it leads to in one transaction, so the store never holds a final block without
    -- its state or state without its block.
    CREATE TABLE chain_blocks (
      chain TEXT NOT NULL,
      height INTEGER NOT NULL,
      hash BLOB NOT NULL,
      block BLOB NOT NULL,
      certificate BLOB NOT NULL,
      time INTEGER NOT NULL,
      tx_count INTEGER NOT NULL,
      PRIMARY KEY (chain, height)
    ) STRICT;
    -- The current state (the leaves of the state tree), one row per key.
    CREATE TABLE chain_state (
      chain TEXT NOT NULL,
      key BLOB NOT NULL,
      value BLOB NOT NULL,
      PRIMARY KEY (chain, key)
    ) STRICT, WITHOUT ROWID;
    -- Which transactions touched an account (sent or received), for wallet history.
    CREATE TABLE chain_account_txs (
      chain TEXT NOT NULL,
      address BLOB NOT NULL,
      height INTEGER NOT NULL,
      position INTEGER NOT NULL,
      tx_id BLOB NOT NULL,
      PRIMARY KEY (chain, address, height, position)
    ) STRICT, WITHOUT ROWID;
    -- State snapshots every params.snapshot_interval blocks, in chunks, for nodes that state-sync.
    CREATE TABLE chain_snapshots (
      chain TEXT NOT NULL,
      height INTEGER NOT NULL,
      chunk INTEGER NOT NULL,
      data BLOB NOT NULL,
      PRIMARY KEY (chain, height, chunk)
    ) STRICT;
    -- Where a state-synced chain starts: blocks below it are not kept (headers were checked).
    CREATE TABLE chain_meta (
      chain TEXT NOT NULL,
      name TEXT NOT NULL,
      value BLOB NOT NULL,
      PRIMARY KEY (chain, name)
    ) STRICT;
  `,
};

export default migration;
