import type { Database, Statement } from 'better-sqlite3';
import type { RelayRef } from '../../domain/model.ts';

export type ContactOrigin = 'added' | 'incoming' | 'group';

export interface ContactRecord {
  readonly local_identity: string;
  readonly identity_key: string;
  readonly username: string;
  readonly display_name: string;
  readonly peer_id: string | null;
  readonly addresses: readonly string[];
  readonly relays: readonly RelayRef[];
  readonly origin: ContactOrigin;
  readonly verified_at: number | null;
  readonly created_at: number;
  readonly updated_at: number;
}

interface ContactRow extends Omit<ContactRecord, 'addresses' | 'relays'> {
  readonly addresses: string;
  readonly relays: string;
}

const fromRow = (row: ContactRow): ContactRecord => ({
  ...row,
  addresses: JSON.parse(row.addresses) as string[],
  relays: JSON.parse(row.relays) as RelayRef[],
});

export interface ContactRepository {
  /** Inserts, or refreshes how to reach them (keeping origin and verification). */
  upsert(contact: Omit<ContactRecord, 'verified_at' | 'created_at'> & { created_at?: number }): void;
  get(localIdentity: string, identityKey: string): ContactRecord | undefined;
  list(localIdentity?: string): ContactRecord[];
  /** Every local identity that knows this remote identity. */
  byIdentityKey(identityKey: string): ContactRecord[];
  setVerified(localIdentity: string, identityKey: string, at: number | null): void;
  remove(localIdentity: string, identityKey: string): void;
}

export function createContactRepository(db: Database): ContactRepository {
  const upsert = db.prepare(
    `INSERT INTO contacts (local_identity, identity_key, username, display_name, peer_id, addresses, relays, origin, created_at, updated_at)
     VALUES (@local_identity, @identity_key, @username, @display_name, @peer_id, @addresses, @relays, @origin, @created_at, @updated_at)
     ON CONFLICT (local_identity, identity_key) DO UPDATE SET
       username = excluded.username, display_name = excluded.display_name, peer_id = excluded.peer_id,
       addresses = excluded.addresses, relays = excluded.relays, updated_at = excluded.updated_at,
       origin = CASE WHEN excluded.origin = 'added' THEN 'added' ELSE contacts.origin END`,
  );
  const get = db.prepare('SELECT * FROM contacts WHERE local_identity = ? AND identity_key = ?') as Statement<[string, string], ContactRow>;
  const listAll = db.prepare('SELECT * FROM contacts ORDER BY display_name, identity_key') as Statement<[], ContactRow>;
  const listFor = db.prepare('SELECT * FROM contacts WHERE local_identity = ? ORDER BY display_name, identity_key') as Statement<[string], ContactRow>;
  const byKey = db.prepare('SELECT * FROM contacts WHERE identity_key = ?') as Statement<[string], ContactRow>;
  const verify = db.prepare('UPDATE contacts SET verified_at = ? WHERE local_identity = ? AND identity_key = ?');
  const remove = db.prepare('DELETE FROM contacts WHERE local_identity = ? AND identity_key = ?');
  return {
    upsert: (c) =>
      void upsert.run({
        ...c,
        addresses: JSON.stringify(c.addresses),
        relays: JSON.stringify(c.relays),
        created_at: c.created_at ?? c.updated_at,
      }),
    get: (local, key) => {
      const row = get.get(local, key);
      return row && fromRow(row);
    },
    list: (local) => (local ? listFor.all(local) : listAll.all()).map(fromRow),
    byIdentityKey: (key) => byKey.all(key).map(fromRow),
    setVerified: (local, key, at) => void verify.run(at, local, key),
    remove: (local, key) => void remove.run(local, key),
  };
}
