import type { Database, Statement } from 'better-sqlite3';
import type { KeyProtection } from '../../domain/model.ts';

export interface IdentityRecord {
  readonly id: string;
  readonly username: string;
  readonly public_key: Uint8Array;
  readonly sealed_secret_key: Uint8Array;
  readonly key_protection: KeyProtection;
  /** JSON of the KDF parameters when key_protection is 'passphrase'. */
  readonly kdf_params: string | null;
  readonly is_default: boolean;
  readonly created_at: number;
}

interface IdentityRow extends Omit<IdentityRecord, 'is_default'> {
  readonly is_default: number;
}

const fromRow = (row: IdentityRow): IdentityRecord => ({ ...row, is_default: row.is_default === 1 });

export interface IdentityRepository {
  insert(record: IdentityRecord): void;
  get(id: string): IdentityRecord | undefined;
  getByUsername(username: string): IdentityRecord | undefined;
  getDefault(): IdentityRecord | undefined;
  list(): IdentityRecord[];
  setDefault(id: string): void;
  count(): number;
}

export function createIdentityRepository(db: Database): IdentityRepository {
  const insert = db.prepare(
    `INSERT INTO identities (id, username, public_key, sealed_secret_key, key_protection, kdf_params, is_default, created_at)
     VALUES (@id, @username, @public_key, @sealed_secret_key, @key_protection, @kdf_params, @is_default, @created_at)`,
  );
  const get = db.prepare('SELECT * FROM identities WHERE id = ?') as Statement<[string], IdentityRow>;
  const getByUsername = db.prepare('SELECT * FROM identities WHERE username = ?') as Statement<[string], IdentityRow>;
  const getDefault = db.prepare('SELECT * FROM identities WHERE is_default = 1') as Statement<[], IdentityRow>;
  const list = db.prepare('SELECT * FROM identities ORDER BY created_at, id') as Statement<[], IdentityRow>;
  const clearDefault = db.prepare('UPDATE identities SET is_default = 0 WHERE is_default = 1');
  const markDefault = db.prepare('UPDATE identities SET is_default = 1 WHERE id = ?');
  const count = db.prepare('SELECT count(*) FROM identities').pluck() as Statement<[], number>;

  return {
    insert: (record) => void insert.run({ ...record, is_default: record.is_default ? 1 : 0 }),
    get: (id) => {
      const row = get.get(id);
      return row && fromRow(row);
    },
    getByUsername: (username) => {
      const row = getByUsername.get(username);
      return row && fromRow(row);
    },
    getDefault: () => {
      const row = getDefault.get();
      return row && fromRow(row);
    },
    list: () => list.all().map(fromRow),
    setDefault: (id) => {
      clearDefault.run();
      markDefault.run(id);
    },
    count: () => count.get()!,
  };
}
