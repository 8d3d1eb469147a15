import type { Migration } from '../migrator.ts';

/**
 * A key check value of the node secret the database's sealed values are sealed under (an HKDF
 * output under its own context, not the secret): a start with another node-secret, or with none,
 * is refused instead of sealing new data under a new secret beside data nobody can open any more.
 * Written at the first start after this migration; an empty table means "not bound yet".
 */
const migration: Migration = {
  version: 6,
  name: 'node secret check value',
  up: `
    CREATE TABLE node_secret_check (
      id INTEGER PRIMARY KEY CHECK (id = 1),
      check_value BLOB NOT NULL CHECK (length(check_value) = 32),
      created_at INTEGER NOT NULL
    ) STRICT;
  `,
};

export default migration;
