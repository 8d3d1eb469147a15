import { randomInt } from 'node:crypto';
import type { Logger } from 'pino';
import type { DchatConfig } from '../config/schema.ts';
import type { Startable } from '../runtime/startable.ts';
import type { Telemetry } from '../runtime/telemetry.ts';
import { createPostgresPool, type PostgresPool, type Queryable, type Statement } from '../store/postgres-pool.ts';
import type { DepositOutcome, MailboxEntry, MailboxStore, RelayCounter } from './mailbox-store.ts';
import { RELAY_COUNTERS } from './mailbox-store.ts';
import { RELAY_POSTGRES_MIGRATIONS } from './postgres-migrations/index.ts';
import { fitsQuota } from './quotas.ts';

/**
 * The mailbox on a PostgreSQL server (`database.url`), so several relay replicas share one
 * mailbox, one set of quotas and one TTL. Each method is one statement or one transaction:
 * a deposit (one call of mailbox_deposit, migration 0003) locks its recipient's row while it
 * checks the recipient's quota and inserts, so
 * concurrent deposits (from any replica) cannot overrun it; the relay-wide byte limit is a budget
 * the deposit reserves its bytes from in the same transaction, by a conditional update of one of
 * a few budget rows (migration 0002), so it cannot be overrun either, without every deposit in the
 * cluster queueing on one row. An acknowledgement deletes with RETURNING, so each envelope is
 * counted delivered exactly once, whichever replica got the receipt. Each stored envelope is
 * announced on the `dchat_mailbox` channel when it commits; `onMail` hears them (LISTEN).
 */
export interface PostgresMailboxStore extends MailboxStore, Startable {
  start(): Promise<void>;
  stop(): Promise<void>;
  /**
   * Called (from start on) with the recipient of each envelope stored by any replica, and with
   * undefined whenever the listener (re)connects: what was announced while it was away is lost,
   * so every subscribed recipient's mailbox should be read again. Set before start.
   */
  onMail(listener: (recipient: string | undefined) => void): void;
}

export interface PostgresMailboxStoreInit {
  readonly database: DchatConfig['database'] & { readonly url: string };
  readonly telemetry: Telemetry;
  readonly logger: Logger;
  /** The relay-wide limit gets one budget shard per this many bytes (at most 16); tests make it small. */
  readonly budgetShardBytes?: number;
}

/** Counters are summed over this many rows each; an increment picks one at random. */
const COUNTER_SHARDS = 16;
/** The relay-wide byte budget has (migration 0002) this many rows at most, */
const BUDGET_SHARDS = 16;
/** and uses one per this many bytes of the limit, so a shard always has room for large chunks. */
const BYTES_PER_BUDGET_SHARD = 64 * 1024 * 1024;
export const MAIL_CHANNEL = 'dchat_mailbox';

const COLUMNS = 'seq, recipient, envelope_id, envelope, size, stored_at, expires_at';

const sql = {
  register: {
    op: 'register',
    text: `INSERT INTO mailbox_recipients (identity_key, record, registered_at, last_seen_at) VALUES ($1, $2, $3, $3)
           ON CONFLICT (identity_key) DO UPDATE SET record = excluded.record, last_seen_at = excluded.last_seen_at`,
  },
  addPrekeys: {
    op: 'register',
    text: `INSERT INTO mailbox_prekeys (recipient, id, public_key) SELECT $1::text, * FROM unnest($2::int[], $3::bytea[]) ON CONFLICT DO NOTHING`,
  },
  prekeyCount: { op: 'register', text: 'SELECT count(*)::int AS n FROM mailbox_prekeys WHERE recipient = $1' },
  registration: { op: 'registration', text: 'SELECT record, registered_at FROM mailbox_recipients WHERE identity_key = $1' },
  touch: {
    op: 'touch',
    text: `WITH seen AS (UPDATE mailbox_recipients SET last_seen_at = $2 WHERE identity_key = $1)
           SELECT coalesce((SELECT messages FROM mailbox_usage WHERE recipient = $1), 0) AS pending,
                  (SELECT count(*)::int FROM mailbox_prekeys WHERE recipient = $1) AS prekeys`,
  },
  // SKIP LOCKED: two replicas handing out prekeys at once hand out different ones.
  takePrekey: {
    op: 'take_prekey',
    text: `DELETE FROM mailbox_prekeys WHERE (recipient, id) IN
             (SELECT recipient, id FROM mailbox_prekeys WHERE recipient = $1 ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED)
           RETURNING id, public_key`,
  },
  // The recipient's row lock is what makes check-then-insert atomic across connections. The usage
  // is read by a second statement: one statement that waited for the lock would still read the
  // usage as it was before the lock holder committed (READ COMMITTED takes the snapshot first).
  lockRecipient: { op: 'deposit', text: 'SELECT 1 AS here FROM mailbox_recipients WHERE identity_key = $1 FOR NO KEY UPDATE' },
  usage: {
    op: 'deposit',
    text: `SELECT coalesce((SELECT messages FROM mailbox_usage WHERE recipient = $1), 0) AS messages,
                  coalesce((SELECT bytes FROM mailbox_usage WHERE recipient = $1), 0) AS bytes`,
  },
  // Reserves $1 bytes in a budget shard below $3 whose bytes stay within $2, the preferred shard
  // $4 first. The row lock (FOR UPDATE re-reads a row another transaction changed) makes the
  // check and the addition one step across connections. The first form skips shards other
  // deposits hold; the second waits for them, when every shard with room was busy.
  reserve: {
    op: 'deposit',
    text: `UPDATE mailbox_budget SET bytes = bytes + $1 WHERE shard =
             (SELECT shard FROM mailbox_budget WHERE shard < $3 AND bytes + $1 <= $2 ORDER BY shard = $4 DESC, bytes LIMIT 1 FOR UPDATE SKIP LOCKED)
           RETURNING shard`,
  },
  reserveWaiting: {
    op: 'deposit',
    text: `UPDATE mailbox_budget SET bytes = bytes + $1 WHERE shard =
             (SELECT shard FROM mailbox_budget WHERE shard < $3 AND bytes + $1 <= $2 ORDER BY shard = $4 DESC, bytes LIMIT 1 FOR UPDATE)
           RETURNING shard`,
  },
  budgetRoom: { op: 'deposit', text: 'SELECT 1 AS room FROM mailbox_budget WHERE shard < $3 AND bytes + $1 <= $2 LIMIT 1' },
  deposit: { op: 'deposit', text: 'SELECT mailbox_deposit($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) AS outcome' },
  pending: {
    op: 'pending',
    text: `SELECT ${COLUMNS} FROM mailbox WHERE recipient = $1 AND seq > $2 AND expires_at > $3 ORDER BY seq LIMIT $4`,
  },
  acknowledge: {
    op: 'acknowledge',
    text: `WITH gone AS (DELETE FROM mailbox WHERE recipient = $1 AND envelope_id = ANY($2::bytea[]) RETURNING 1),
                counted AS (INSERT INTO relay_counters AS c (name, shard, value) SELECT 'delivered', $3::smallint, count(*) FROM gone HAVING count(*) > 0
                            ON CONFLICT (name, shard) DO UPDATE SET value = c.value + excluded.value)
           SELECT count(*)::int AS n FROM gone`,
  },
  held: { op: 'held', text: `SELECT ${COLUMNS} FROM mailbox WHERE envelope_id = ANY($1::bytea[]) ORDER BY seq` },
  drop: {
    op: 'drop',
    text: `WITH gone AS (DELETE FROM mailbox WHERE (recipient, envelope_id) IN (SELECT * FROM unnest($1::text[], $2::bytea[])) RETURNING 1)
           SELECT count(*)::int AS n FROM gone`,
  },
  // One sweeper at a time across the cluster; the others skip (their rows would only collide).
  sweepLock: { op: 'expire', text: 'SELECT pg_try_advisory_xact_lock(7237684) AS mine' },
  expire: {
    op: 'expire',
    text: `WITH mail AS (DELETE FROM mailbox WHERE expires_at <= $1 RETURNING 1),
                chunks AS (DELETE FROM mailbox_blobs WHERE expires_at <= $1 RETURNING 1),
                counted AS (INSERT INTO relay_counters AS c (name, shard, value) SELECT 'expired', $2::smallint, count(*) FROM mail HAVING count(*) > 0
                            ON CONFLICT (name, shard) DO UPDATE SET value = c.value + excluded.value)
           SELECT (SELECT count(*)::int FROM mail) AS messages, (SELECT count(*)::int FROM chunks) AS blobs`,
  },
  // Delete, then insert: the delete trigger takes the old chunk's bytes off the recipient's usage.
  deleteBlob: { op: 'put_blob', text: 'DELETE FROM mailbox_blobs WHERE recipient = $1 AND hash = $2' },
  putBlob: { op: 'put_blob', text: 'INSERT INTO mailbox_blobs (recipient, hash, data, stored_at, expires_at, budget_shard) VALUES ($1, $2, $3, $4, $5, $6)' },
  getBlob: { op: 'get_blob', text: 'SELECT data FROM mailbox_blobs WHERE recipient = $1 AND hash = $2 AND expires_at > $3' },
  dropBlobs: {
    op: 'drop_blobs',
    text: `WITH gone AS (DELETE FROM mailbox_blobs WHERE recipient = $1 AND hash = ANY($2::bytea[]) RETURNING 1) SELECT count(*)::int AS n FROM gone`,
  },
  counter: { op: 'counter', text: 'SELECT coalesce(sum(value), 0) AS value FROM relay_counters WHERE name = $1' },
  addToCounter: {
    op: 'counter',
    text: `INSERT INTO relay_counters AS c (name, shard, value) VALUES ($1, $2, $3) ON CONFLICT (name, shard) DO UPDATE SET value = c.value + excluded.value`,
  },
  // A first value lives in shard 0 alone, so it is set once and read back as it was set.
  setCounterIfAbsent: {
    op: 'counter',
    text: `INSERT INTO relay_counters (name, shard, value) SELECT $1::text, 0, $2::bigint WHERE NOT EXISTS (SELECT 1 FROM relay_counters WHERE name = $1)
           ON CONFLICT DO NOTHING`,
  },
  // What the budget has given out: the relay's bytes held (mail and chunks), kept by the deposits.
  figures: {
    op: 'figures',
    text: `SELECT (SELECT count(*)::int FROM mailbox_recipients) AS recipients,
                  (SELECT coalesce(sum(messages), 0) FROM mailbox_usage) AS messages,
                  (SELECT coalesce(sum(bytes), 0) FROM mailbox_usage) AS bytes,
                  (SELECT coalesce(json_object_agg(name, total), '{}') FROM (SELECT name, sum(value) AS total FROM relay_counters GROUP BY name) s) AS counters`,
  },
} satisfies Record<string, Statement>;

const buf = (bytes: Uint8Array): Buffer => (Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
const shard = () => randomInt(COUNTER_SHARDS);
const count = (rows: Array<{ n: number }>) => rows[0]?.n ?? 0;

/**
 * Runs work for one key in call order (as the embedded store's write queue does), so mail for a
 * recipient is stored in the order this replica received it, not in the order transactions
 * happen to win the recipient's row lock.
 */
function keyedQueue() {
  const tails = new Map<string, Promise<unknown>>();
  return <T>(key: string, work: () => Promise<T>): Promise<T> => {
    const previous = tails.get(key) ?? Promise.resolve();
    const next = previous.then(work, work);
    const tail = next.catch(() => undefined);
    tails.set(key, tail);
    void tail.then(() => {
      if (tails.get(key) === tail) tails.delete(key);
    });
    return next;
  };
}

/** Locks the recipient's row; resolves to its usage, or undefined if not registered. */
async function lockedUsage(tx: Queryable, recipient: string): Promise<{ messages: number; bytes: number } | undefined> {
  const [here] = await tx.query(sql.lockRecipient, [recipient]);
  if (!here) return undefined;
  const [usage] = await tx.query<{ messages: number; bytes: number }>(sql.usage, [recipient]);
  return usage;
}

/** How the relay-wide limit is split: the shards in use and each one's share. */
function budgetOf(totalBytes: number, perShard: number): { shards: number; share: number } {
  const shards = Math.max(1, Math.min(BUDGET_SHARDS, Math.floor(totalBytes / perShard)));
  return { shards, share: Math.floor(totalBytes / shards) };
}

/**
 * Takes `size` bytes of the relay-wide budget in this transaction; resolves to the shard they
 * came from, or undefined when the relay is full. Called after the insert it pays for, so the
 * locks are always taken recipient first, budget second (as deletions take them: no deadlock).
 */
async function reserve(tx: Queryable, size: number, budget: { shards: number; share: number }, preferred: number): Promise<number | undefined> {
  const { shards, share } = budget;
  const args = [size, share, shards, preferred];
  const [row] = await tx.query<{ shard: number }>(sql.reserve, args);
  if (row) return row.shard;
  // A shard that had room when picked may have filled while we waited for it: pick again while any has.
  for (let tries = 0; tries <= shards; tries++) {
    const [waited] = await tx.query<{ shard: number }>(sql.reserveWaiting, args);
    if (waited) return waited.shard;
    const [room] = await tx.query(sql.budgetRoom, args.slice(0, 3));
    if (!room) return undefined;
  }
  return undefined;
}

/** The SQLSTATE mailbox_deposit raises when the relay-wide budget cannot pay for a deposit. */
const RELAY_FULL = 'DC001';

/** Undoes a transaction whose chunk did not fit the relay-wide budget. */
class RelayFull extends Error {
  override readonly name = 'RelayFull';
}

async function addCounter(q: Queryable, name: RelayCounter, delta: number): Promise<void> {
  if (delta !== 0) await q.query(sql.addToCounter, [name, shard(), delta]);
}

/** A store for `database.url`; `start` connects (a named error if it cannot) and migrates. */
export function createPostgresMailboxStore(init: PostgresMailboxStoreInit): PostgresMailboxStore {
  const db = init.database;
  const pool: PostgresPool = createPostgresPool({
    url: db.url,
    maxConnections: db.max_connections,
    statementCacheSize: db.statement_cache_size,
    connectionTimeoutSecs: db.connection_timeout_secs,
    idleTimeoutSecs: db.idle_timeout_secs,
    telemetry: init.telemetry,
    logger: init.logger,
  });

  const inOrder = keyedQueue();
  const perShard = init.budgetShardBytes ?? BYTES_PER_BUDGET_SHARD;
  let mailListener: ((recipient: string | undefined) => void) | undefined;
  const refusedForQuota = async (): Promise<'quota'> => {
    await addCounter(pool, 'rejected_quota', 1);
    return 'quota';
  };

  return {
    async start() {
      await pool.start(RELAY_POSTGRES_MIGRATIONS, 'relay');
      const listener = mailListener;
      if (listener) pool.listen(MAIL_CHANNEL, (recipient) => listener(recipient), () => listener(undefined));
    },
    stop: () => pool.stop(),
    onMail(listener) {
      mailListener = listener;
    },

    register: (identity, record, prekeys, at) =>
      pool.transaction('register', async (tx) => {
        await tx.query(sql.register, [identity, buf(record), at]);
        if (prekeys.length > 0) await tx.query(sql.addPrekeys, [identity, prekeys.map((k) => k.id), prekeys.map((k) => buf(k.public_key))]);
        return count(await tx.query<{ n: number }>(sql.prekeyCount, [identity]));
      }),
    async registration(identity) {
      const [row] = await pool.query<{ record: Buffer; registered_at: number }>(sql.registration, [identity]);
      return row ? { record: row.record, registered_at: row.registered_at } : undefined;
    },
    async touch(identity, at) {
      const [row] = await pool.query<{ pending: number; prekeys: number }>(sql.touch, [identity, at]);
      return { pending: row!.pending, prekeys: row!.prekeys };
    },
    async takePrekey(identity) {
      const [row] = await pool.query<{ id: number; public_key: Buffer }>(sql.takePrekey, [identity]);
      return row ? { id: row.id, public_key: row.public_key } : undefined;
    },

    // One call (migration 0003: the recipient's lock, its quota, the insert, the relay-wide budget
    // and the count, in that order); the relay-wide limit refused raises DC001.
    deposit: (entry, limits) =>
      inOrder(entry.recipient, async () => {
        const budget = budgetOf(limits.totalBytes, perShard);
        const preferred = shard() % budget.shards;
        const args = [entry.recipient, buf(entry.envelope_id), buf(entry.envelope), entry.size, entry.stored_at, entry.expires_at];
        try {
          const [row] = await pool.query<{ outcome: DepositOutcome }>(sql.deposit, [
            ...args, limits.messagesPerRecipient, limits.bytesPerRecipient, budget.shards, budget.share, preferred, shard(),
          ]);
          return row!.outcome;
        } catch (err) {
          if ((err as { code?: string }).code === RELAY_FULL) return refusedForQuota();
          throw err;
        }
      }),
    pending: (recipient, afterSeq, limit, now) => pool.query<MailboxEntry>(sql.pending, [recipient, afterSeq, now, limit]),
    async acknowledge(recipient, ids) {
      if (ids.length === 0) return 0;
      return count(await pool.query<{ n: number }>(sql.acknowledge, [recipient, ids.map(buf), shard()]));
    },
    async held(ids) {
      if (ids.length === 0) return [];
      return pool.query<MailboxEntry>(sql.held, [ids.map(buf)]);
    },
    async drop(entries) {
      if (entries.length === 0) return 0;
      return count(await pool.query<{ n: number }>(sql.drop, [entries.map((e) => e.recipient), entries.map((e) => buf(e.envelope_id))]));
    },
    expire: (now) =>
      pool.transaction('expire', async (tx) => {
        const [lock] = await tx.query<{ mine: boolean }>(sql.sweepLock);
        if (!lock?.mine) return { messages: 0, blobs: 0 };
        const [row] = await tx.query<{ messages: number; blobs: number }>(sql.expire, [now, shard()]);
        return { messages: row!.messages, blobs: row!.blobs };
      }),

    async putBlob(blob, limits) {
      try {
        return await pool.transaction('put_blob', async (tx) => {
          const usage = await lockedUsage(tx, blob.recipient);
          if (!usage) return 'unknown-recipient';
          if (!fitsQuota(usage, 0, blob.data.length, limits, 'chunk')) return 'quota';
          await tx.query(sql.deleteBlob, [blob.recipient, buf(blob.hash)]);
          const budget = budgetOf(limits.totalBytes, perShard);
          const from = await reserve(tx, blob.data.length, budget, shard() % budget.shards);
          if (from === undefined) throw new RelayFull();
          await tx.query(sql.putBlob, [blob.recipient, buf(blob.hash), buf(blob.data), blob.at, blob.expiresAt, from]);
          return 'ok';
        });
      } catch (err) {
        if (err instanceof RelayFull) return 'quota';
        throw err;
      }
    },
    async getBlob(recipient, hash, now) {
      const [row] = await pool.query<{ data: Buffer }>(sql.getBlob, [recipient, buf(hash), now]);
      return row?.data;
    },
    async dropBlobs(recipient, hashes) {
      if (hashes.length === 0) return 0;
      return count(await pool.query<{ n: number }>(sql.dropBlobs, [recipient, hashes.map(buf)]));
    },

    async counter(name) {
      const [row] = await pool.query<{ value: number }>(sql.counter, [name]);
      return row?.value ?? 0;
    },
    addToCounter: (name, delta) => addCounter(pool, name, delta),
    async setCounterIfAbsent(name, value) {
      await pool.query(sql.setCounterIfAbsent, [name, value]);
    },
    async figures() {
      const [row] = await pool.query<{ recipients: number; messages: number; bytes: number; counters: Record<string, number> }>(sql.figures);
      const counters = Object.fromEntries(RELAY_COUNTERS.map((name) => [name, Number(row!.counters[name] ?? 0)])) as Record<RelayCounter, number>;
      return { recipients: row!.recipients, messages: row!.messages, bytes: row!.bytes, counters };
    },
  };
}
