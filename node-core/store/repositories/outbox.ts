import type { Database, Statement } from 'better-sqlite3';

export interface OutboxRow {
  readonly id: Uint8Array;
  readonly recipient: string;
  readonly local_identity: string;
  readonly kind: 'direct' | 'group';
  /** 'plain': `envelope` holds the sealed payload, not yet encrypted end to end; 'sealed': the signed envelope. */
  readonly stage: 'plain' | 'sealed';
  readonly group_id: string | null;
  readonly message_id: string | null;
  readonly envelope: Uint8Array;
  readonly attempts: number;
  readonly next_attempt_at: number;
  readonly last_error: string | null;
  readonly created_at: number;
  /** 1: straight to the peer or not at all (typing). */
  readonly ephemeral: number;
  /** Dropped once past this (a disappearing message), and relays keep it no longer. */
  readonly expires_at: number | null;
}

export interface OutboxRepository {
  insert(row: Omit<OutboxRow, 'attempts' | 'last_error'>): void;
  due(now: number, limit: number): OutboxRow[];
  delete(id: Uint8Array): void;
  /** Replaces a 'plain' row's payload with its signed envelope, now that it is encrypted. */
  seal(id: Uint8Array, envelope: Uint8Array): void;
  retryLater(id: Uint8Array, at: number, error: string): void;
  /** Drops what is still queued for a message (deleted before it left). */
  deleteForMessage(messageId: string): number;
  /** How many envelopes still carry a message (to know when it is fully sent). */
  pendingForMessage(messageId: string): number;
  count(): number;
  /** Notes a delivery receipt we owe (sent in a batch a moment later). */
  oweReceipt(local: string, remote: string, messageId: string): void;
  /** Takes every owed receipt, grouped by (local, remote). */
  takeOwedReceipts(): Map<string, string[]>;
}

export function createOutboxRepository(db: Database): OutboxRepository {
  const insert = db.prepare(
    `INSERT INTO outbox (id, recipient, local_identity, kind, stage, group_id, message_id, envelope, next_attempt_at, created_at, ephemeral, expires_at)
     VALUES (@id, @recipient, @local_identity, @kind, @stage, @group_id, @message_id, @envelope, @next_attempt_at, @created_at, @ephemeral, @expires_at)`,
  );
  const due = db.prepare('SELECT * FROM outbox WHERE next_attempt_at <= ? ORDER BY rowid LIMIT ?') as Statement<[number, number], OutboxRow>;
  const del = db.prepare('DELETE FROM outbox WHERE id = ?');
  const seal = db.prepare("UPDATE outbox SET stage = 'sealed', envelope = ? WHERE id = ?");
  const retry = db.prepare('UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?, last_error = ? WHERE id = ?');
  const pending = db.prepare('SELECT count(*) FROM outbox WHERE message_id = ?').pluck() as Statement<[string], number>;
  const deleteForMessage = db.prepare('DELETE FROM outbox WHERE message_id = ?');
  const count = db.prepare('SELECT count(*) FROM outbox').pluck() as Statement<[], number>;
  const owe = db.prepare('INSERT OR IGNORE INTO pending_receipts (local_identity, remote_identity, message_id) VALUES (?, ?, ?)');
  const owed = db.prepare('SELECT local_identity, remote_identity, message_id FROM pending_receipts') as Statement<[], { local_identity: string; remote_identity: string; message_id: string }>;
  const clearOwed = db.prepare('DELETE FROM pending_receipts');
  return {
    insert: (row) => void insert.run(row),
    due: (now, limit) => due.all(now, limit),
    delete: (id) => void del.run(id),
    seal: (id, envelope) => void seal.run(envelope, id),
    retryLater: (id, at, error) => void retry.run(at, error.slice(0, 500), id),
    pendingForMessage: (messageId) => pending.get(messageId)!,
    deleteForMessage: (messageId) => deleteForMessage.run(messageId).changes,
    count: () => count.get()!,
    oweReceipt: (local, remote, messageId) => void owe.run(local, remote, messageId),
    takeOwedReceipts() {
      const grouped = new Map<string, string[]>();
      for (const row of owed.all()) {
        const key = `${row.local_identity}:${row.remote_identity}`;
        const list = grouped.get(key) ?? [];
        list.push(row.message_id);
        grouped.set(key, list);
      }
      clearOwed.run();
      return grouped;
    },
  };
}
