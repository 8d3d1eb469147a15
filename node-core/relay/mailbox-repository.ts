import type { Database, Statement } from 'better-sqlite3';
import type { RepositoryDefinition } from '../store/store.ts';

export interface MailboxEntry {
  readonly seq: number;
  readonly recipient: string;
  readonly envelope_id: Uint8Array;
  readonly envelope: Uint8Array;
  readonly size: number;
  readonly stored_at: number;
  readonly expires_at: number;
}

export interface RecipientUsage {
  readonly messages: number;
  readonly bytes: number;
}

export type RelayCounter = 'stored' | 'delivered' | 'expired' | 'rejected_quota' | 'uptime_seconds' | 'first_started_at';

/** The relay's side: who chose us, their mail, their attachment chunks and prekeys. */
export interface MailboxRepository {
  register(identityKey: string, record: Uint8Array, at: number): void;
  recipient(identityKey: string): { record: Uint8Array; registered_at: number } | undefined;
  touch(identityKey: string, at: number): void;
  recipientCount(): number;

  /** False when this envelope was already stored for the recipient. */
  store(entry: Omit<MailboxEntry, 'seq'>): boolean;
  /** Mail still within its TTL at `now`: what the sweeper has not removed yet is not handed out either. */
  pending(recipient: string, afterSeq: number, limit: number, now: number): MailboxEntry[];
  /** Deletes the recipient's envelopes with these ids; returns how many went. */
  deleteDelivered(recipient: string, envelopeIds: readonly Uint8Array[]): number;
  /** Every held envelope with one of these ids, whoever it is for. */
  byEnvelopeIds(envelopeIds: readonly Uint8Array[]): MailboxEntry[];
  usage(recipient: string): RecipientUsage;
  totalBytes(): number;
  totalMessages(): number;
  /** Deletes expired mail and chunks; returns how many messages expired. */
  expire(now: number): { messages: number; blobs: number };

  putBlob(recipient: string, hash: Uint8Array, data: Uint8Array, at: number, expiresAt: number): void;
  getBlob(recipient: string, hash: Uint8Array, now: number): Uint8Array | undefined;
  deleteBlobs(recipient: string, hashes: readonly Uint8Array[]): number;

  addPrekeys(recipient: string, keys: ReadonlyArray<{ id: number; public_key: Uint8Array }>): void;
  /** Hands out one one-time prekey and forgets it, as a prekey server must. */
  takePrekey(recipient: string): { id: number; public_key: Uint8Array } | undefined;
  prekeyCount(recipient: string): number;

  counter(name: RelayCounter): number;
  addToCounter(name: RelayCounter, delta: number): void;
  setCounterIfAbsent(name: RelayCounter, value: number): void;
}

export function createMailboxRepository(db: Database): MailboxRepository {
  const register = db.prepare(
    `INSERT INTO mailbox_recipients (identity_key, record, registered_at, last_seen_at) VALUES (@key, @record, @at, @at)
     ON CONFLICT (identity_key) DO UPDATE SET record = excluded.record, last_seen_at = excluded.last_seen_at`,
  );
  const recipient = db.prepare('SELECT record, registered_at FROM mailbox_recipients WHERE identity_key = ?') as Statement<[string], { record: Uint8Array; registered_at: number }>;
  const touch = db.prepare('UPDATE mailbox_recipients SET last_seen_at = ? WHERE identity_key = ?');
  const recipientCount = db.prepare('SELECT count(*) FROM mailbox_recipients').pluck() as Statement<[], number>;
  const store = db.prepare(
    `INSERT OR IGNORE INTO mailbox (recipient, envelope_id, envelope, size, stored_at, expires_at)
     VALUES (@recipient, @envelope_id, @envelope, @size, @stored_at, @expires_at)`,
  );
  const pending = db.prepare('SELECT * FROM mailbox WHERE recipient = ? AND seq > ? AND expires_at > ? ORDER BY seq LIMIT ?') as Statement<[string, number, number, number], MailboxEntry>;
  const deleteOne = db.prepare('DELETE FROM mailbox WHERE recipient = ? AND envelope_id = ?');
  const byEnvelopeId = db.prepare('SELECT * FROM mailbox WHERE envelope_id = ?') as Statement<[Uint8Array], MailboxEntry>;
  const usage = db.prepare('SELECT messages, bytes FROM mailbox_usage WHERE recipient = ?') as Statement<[string], RecipientUsage>;
  const totalBytes = db.prepare('SELECT coalesce(sum(bytes), 0) FROM mailbox_usage').pluck() as Statement<[], number>;
  const totalMessages = db.prepare('SELECT coalesce(sum(messages), 0) FROM mailbox_usage').pluck() as Statement<[], number>;
  const expireMail = db.prepare('DELETE FROM mailbox WHERE expires_at <= ?');
  const expireBlobs = db.prepare('DELETE FROM mailbox_blobs WHERE expires_at <= ?');
  // Delete, then insert: a REPLACE would skip the delete trigger that keeps mailbox_usage right.
  const putBlob = db.prepare('INSERT INTO mailbox_blobs (recipient, hash, data, stored_at, expires_at) VALUES (?, ?, ?, ?, ?)');
  const getBlob = db.prepare('SELECT data FROM mailbox_blobs WHERE recipient = ? AND hash = ? AND expires_at > ?').pluck() as Statement<[string, Uint8Array, number], Uint8Array>;
  const deleteBlob = db.prepare('DELETE FROM mailbox_blobs WHERE recipient = ? AND hash = ?');
  const addPrekey = db.prepare('INSERT OR IGNORE INTO mailbox_prekeys (recipient, id, public_key) VALUES (?, ?, ?)');
  const firstPrekey = db.prepare('SELECT id, public_key FROM mailbox_prekeys WHERE recipient = ? ORDER BY id LIMIT 1') as Statement<[string], { id: number; public_key: Uint8Array }>;
  const deletePrekey = db.prepare('DELETE FROM mailbox_prekeys WHERE recipient = ? AND id = ?');
  const prekeyCount = db.prepare('SELECT count(*) FROM mailbox_prekeys WHERE recipient = ?').pluck() as Statement<[string], number>;
  const counter = db.prepare('SELECT value FROM relay_counters WHERE name = ?').pluck() as Statement<[string], number>;
  const addCounter = db.prepare(
    'INSERT INTO relay_counters (name, value) VALUES (@name, @delta) ON CONFLICT (name) DO UPDATE SET value = value + excluded.value',
  );
  const setIfAbsent = db.prepare('INSERT OR IGNORE INTO relay_counters (name, value) VALUES (?, ?)');

  return {
    register: (key, record, at) => void register.run({ key, record, at }),
    recipient: (key) => recipient.get(key),
    touch: (key, at) => void touch.run(at, key),
    recipientCount: () => recipientCount.get()!,
    store: (entry) => store.run(entry).changes === 1,
    pending: (r, after, limit, now) => pending.all(r, after, now, limit),
    deleteDelivered(r, ids) {
      let n = 0;
      for (const id of ids) n += deleteOne.run(r, id).changes;
      return n;
    },
    byEnvelopeIds: (ids) => ids.flatMap((id) => byEnvelopeId.all(id)),
    usage: (r) => usage.get(r) ?? { messages: 0, bytes: 0 },
    totalBytes: () => totalBytes.get()!,
    totalMessages: () => totalMessages.get()!,
    expire: (now) => ({ messages: expireMail.run(now).changes, blobs: expireBlobs.run(now).changes }),
    putBlob(r, hash, data, at, expiresAt) {
      deleteBlob.run(r, hash);
      putBlob.run(r, hash, data, at, expiresAt);
    },
    getBlob: (r, hash, now) => getBlob.get(r, hash, now),
    deleteBlobs(r, hashes) {
      let n = 0;
      for (const h of hashes) n += deleteBlob.run(r, h).changes;
      return n;
    },
    addPrekeys(r, keys) {
      for (const k of keys) addPrekey.run(r, k.id, k.public_key);
    },
    takePrekey(r) {
      const key = firstPrekey.get(r);
      if (key) deletePrekey.run(r, key.id);
      return key;
    },
    prekeyCount: (r) => prekeyCount.get(r)!,
    counter: (name) => counter.get(name) ?? 0,
    addToCounter: (name, delta) => void addCounter.run({ name, delta }),
    setCounterIfAbsent: (name, value) => void setIfAbsent.run(name, value),
  };
}

/** The relay's mailbox, registered with the store by the relay (see sqlite-mailbox-store.ts). */
export const MAILBOX_REPOSITORY: RepositoryDefinition<MailboxRepository> = { name: 'mailbox', open: createMailboxRepository };
