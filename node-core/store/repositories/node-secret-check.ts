import type { Database, Statement } from 'better-sqlite3';

/** The key check value of the node secret this database is sealed under (migration 0006). */
export interface NodeSecretCheckRepository {
  get(): Uint8Array | undefined;
  /** Stores the check value unless one is there already; returns the one that is stored. */
  setIfAbsent(checkValue: Uint8Array, at: number): Uint8Array;
  /** Whether anything in the database is sealed under a node secret (keys, sessions, queued mail). */
  holdsSealedValues(): boolean;
}

export function createNodeSecretCheckRepository(db: Database): NodeSecretCheckRepository {
  const get = db.prepare('SELECT check_value FROM node_secret_check WHERE id = 1').pluck() as Statement<[], Uint8Array>;
  const insert = db.prepare('INSERT INTO node_secret_check (id, check_value, created_at) VALUES (1, ?, ?) ON CONFLICT (id) DO NOTHING');
  const sealed = db
    .prepare(
      `SELECT EXISTS (SELECT 1 FROM identities WHERE key_protection = 'node-secret')
           OR EXISTS (SELECT 1 FROM signed_prekeys)
           OR EXISTS (SELECT 1 FROM one_time_prekeys)
           OR EXISTS (SELECT 1 FROM sessions)
           OR EXISTS (SELECT 1 FROM sender_keys)
           OR EXISTS (SELECT 1 FROM attachments WHERE sealed_key IS NOT NULL)
           OR EXISTS (SELECT 1 FROM outbox WHERE stage = 'plain')`,
    )
    .pluck() as Statement<[], number>;
  const toBytes = (value: Uint8Array | undefined) => (value === undefined ? undefined : new Uint8Array(value));
  return {
    get: () => toBytes(get.get()),
    setIfAbsent(checkValue, at) {
      insert.run(checkValue, at);
      return toBytes(get.get())!;
    },
    holdsSealedValues: () => sealed.get() === 1,
  };
}
