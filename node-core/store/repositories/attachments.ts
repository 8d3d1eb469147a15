import type { Database, Statement } from 'better-sqlite3';

export type AttachmentState = 'local' | 'ready' | 'downloading' | 'complete' | 'failed';

export interface AttachmentRow {
  readonly id: string;
  readonly message_id: string | null;
  readonly name: string;
  readonly mime: string;
  readonly size: number;
  readonly sha256: string;
  readonly sealed_key: Uint8Array | null;
  readonly chunk_size: number;
  /** Concatenated 32-byte SHA-256 hashes of the encrypted chunks. */
  readonly chunk_hashes: Uint8Array;
  readonly state: AttachmentState;
  readonly chunks_done: number;
  /** For downloads: the sender's identity key. */
  readonly source: string | null;
  readonly created_at: number;
}

export interface AttachmentRepository {
  insert(row: AttachmentRow): void;
  get(id: string): AttachmentRow | undefined;
  forMessage(messageId: string): AttachmentRow[];
  forMessages(messageIds: readonly string[]): AttachmentRow[];
  /** Which attachment (of ours) has a chunk with this hash, for serving it to a peer. */
  byChunkHash(hash: Uint8Array): { row: AttachmentRow; index: number } | undefined;
  attachToMessage(id: string, messageId: string, sealedKey: Uint8Array, chunkHashes: Uint8Array, state: AttachmentState): void;
  progress(id: string, chunksDone: number, state: AttachmentState): void;
  unfinished(): AttachmentRow[];
  /** Forgets a message's attachments (their chunk index with them). */
  removeForMessage(messageId: string): void;
}

export function createAttachmentRepository(db: Database): AttachmentRepository {
  const insert = db.prepare(
    `INSERT INTO attachments (id, message_id, name, mime, size, sha256, sealed_key, chunk_size, chunk_hashes, state, chunks_done, source, created_at)
     VALUES (@id, @message_id, @name, @mime, @size, @sha256, @sealed_key, @chunk_size, @chunk_hashes, @state, @chunks_done, @source, @created_at)`,
  );
  const get = db.prepare('SELECT * FROM attachments WHERE id = ?') as Statement<[string], AttachmentRow>;
  // Ordered here, not by SQLite: a message has a handful of files at most (most have none), and
  // setting up SQLite's sorter costs more than the lookup on every message shown or sent.
  const inOrder = (rows: AttachmentRow[]) => rows.sort((a, b) => a.created_at - b.created_at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const forMessage = db.prepare('SELECT * FROM attachments WHERE message_id = ?') as Statement<[string], AttachmentRow>;
  // One prepared statement for any number of ids: the list travels as a JSON array.
  const forMessages = db.prepare('SELECT * FROM attachments WHERE message_id IN (SELECT value FROM json_each(?))') as Statement<[string], AttachmentRow>;
  const chunkByHash = db.prepare(
    "SELECT a.*, c.idx AS chunk_index FROM attachment_chunks c JOIN attachments a ON a.id = c.attachment_id WHERE c.hash = ? AND a.state = 'ready' LIMIT 1",
  ) as Statement<[Uint8Array], AttachmentRow & { chunk_index: number }>;
  const indexChunk = db.prepare('INSERT OR IGNORE INTO attachment_chunks (hash, attachment_id, idx) VALUES (?, ?, ?)');
  const attach = db.prepare('UPDATE attachments SET message_id = ?, sealed_key = ?, chunk_hashes = ?, state = ? WHERE id = ?');
  const progress = db.prepare('UPDATE attachments SET chunks_done = ?, state = ? WHERE id = ?');
  const unfinished = db.prepare("SELECT * FROM attachments WHERE state = 'downloading'") as Statement<[], AttachmentRow>;
  const removeChunks = db.prepare('DELETE FROM attachment_chunks WHERE attachment_id IN (SELECT id FROM attachments WHERE message_id = ?)');
  const removeForMessage = db.prepare('DELETE FROM attachments WHERE message_id = ?');
  return {
    insert: (row) => void insert.run(row),
    get: (id) => get.get(id),
    forMessage: (messageId) => inOrder(forMessage.all(messageId)),
    forMessages: (ids) => (ids.length === 0 ? [] : inOrder(forMessages.all(JSON.stringify(ids)))),
    byChunkHash(hash) {
      const found = chunkByHash.get(hash);
      if (!found) return undefined;
      const { chunk_index: index, ...row } = found;
      return { row, index };
    },
    attachToMessage(id, messageId, key, hashes, state) {
      attach.run(messageId, key, hashes, state, id);
      // Sent attachments are served by chunk hash.
      if (state === 'ready') for (let i = 0; (i + 1) * 32 <= hashes.length; i++) indexChunk.run(hashes.subarray(i * 32, i * 32 + 32), id, i);
    },
    progress: (id, done, state) => void progress.run(done, state, id),
    unfinished: () => unfinished.all(),
    removeForMessage(messageId) {
      removeChunks.run(messageId);
      removeForMessage.run(messageId);
    },
  };
}
