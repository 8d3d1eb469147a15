import type { Database, Statement } from 'better-sqlite3';
import type { Message, MessageRevision, MessageStatus } from '../../domain/model.ts';

export interface NewMessage {
  readonly id: string;
  readonly chat_id: string;
  readonly sender: string;
  readonly text: string;
  readonly sent_at: number;
  readonly received_at: number;
  readonly status: MessageStatus;
  readonly envelope_hash: Uint8Array | null;
  readonly reply_to?: string | null;
  readonly expires_at?: number | null;
}

interface MessageRow extends Omit<Message, 'envelope_hash'> {
  readonly envelope_hash: Uint8Array | null;
}

interface SearchRow extends MessageRow {
  readonly snippet: string;
}

export interface RawSearchHit {
  readonly message: Message;
  /** Snippet with matches wrapped in SNIPPET_OPEN / SNIPPET_CLOSE. */
  readonly marked_snippet: string;
}

/** Markers around matches in snippets: control characters the API never accepts in message text. */
export const SNIPPET_OPEN = '\u0002';
export const SNIPPET_CLOSE = '\u0003';

const toMessage = (row: MessageRow): Message => ({
  ...row,
  envelope_hash: row.envelope_hash ? Buffer.from(row.envelope_hash).toString('hex') : null,
});

const COLUMNS = 'seq, id, chat_id, sender, text, sent_at, received_at, status, edited_at, deleted_at, reply_to, expires_at, envelope_hash';

export interface MessageRepository {
  /** Returns the new message's seq. */
  insert(message: NewMessage): number;
  get(id: string): Message | undefined;
  getBySeq(seq: number): Message | undefined;
  /** Newest `limit` messages older than `before`, in chronological order. */
  pageBefore(chatId: string, limit: number, before?: number): Message[];
  /** Oldest `limit` messages newer than `after`, in chronological order. */
  pageAfter(chatId: string, limit: number, after: number): Message[];
  hasBefore(chatId: string, seq: number): boolean;
  hasAfter(chatId: string, seq: number): boolean;
  /** Full-text matches, newest first. `ftsQuery` must already be a safe FTS5 expression. */
  search(ftsQuery: string, limit: number, options: { chatId?: string | undefined; before?: number | undefined }): RawSearchHit[];
  /** Replaces the text, keeping the old one as a revision. */
  editText(seq: number, text: string, at: number): void;
  /** Clears the text (and so its index entry and revisions) and stamps the deletion. */
  markDeleted(seq: number, at: number): void;
  setStatus(seq: number, status: MessageStatus): void;
  count(): number;
  /** Earlier texts of an edited message, oldest first. */
  revisions(seq: number): MessageRevision[];
  editCount(seq: number): number;
  /** Sets when a disappearing message is removed. */
  setExpiry(seq: number, at: number): void;
  /** Messages whose time is up at `now`, oldest first. */
  expired(now: number, limit: number): Message[];
  /** The soonest expiry still ahead, if any. */
  nextExpiry(): number | undefined;
  /** Removes the row for good (its index entry, revisions and counter with it). */
  remove(seq: number): void;
  /** The newest message of a chat (after one was removed). */
  newest(chatId: string): Message | undefined;
  /** Up to `limit` messages with `seq` in the middle, in chronological order. */
  pageAround(chatId: string, seq: number, limit: number): Message[];
}

export function createMessageRepository(db: Database): MessageRepository {
  const insert = db.prepare(
    `INSERT INTO messages (id, chat_id, sender, text, sent_at, received_at, status, envelope_hash, reply_to, expires_at)
     VALUES (@id, @chat_id, @sender, @text, @sent_at, @received_at, @status, @envelope_hash, @reply_to, @expires_at)`,
  );
  const get = db.prepare(`SELECT ${COLUMNS} FROM messages WHERE id = ?`) as Statement<[string], MessageRow>;
  const getBySeq = db.prepare(`SELECT ${COLUMNS} FROM messages WHERE seq = ?`) as Statement<[number], MessageRow>;
  const pageBefore = db.prepare(
    `SELECT ${COLUMNS} FROM messages WHERE chat_id = ? AND seq < ? ORDER BY seq DESC LIMIT ?`,
  ) as Statement<[string, number, number], MessageRow>;
  const pageAfter = db.prepare(
    `SELECT ${COLUMNS} FROM messages WHERE chat_id = ? AND seq > ? ORDER BY seq ASC LIMIT ?`,
  ) as Statement<[string, number, number], MessageRow>;
  const hasBefore = db.prepare('SELECT 1 FROM messages WHERE chat_id = ? AND seq < ? LIMIT 1').pluck() as Statement<[string, number], number>;
  const hasAfter = db.prepare('SELECT 1 FROM messages WHERE chat_id = ? AND seq > ? LIMIT 1').pluck() as Statement<[string, number], number>;
  const search = createSearch(db);
  const addRevision = db.prepare(
    'INSERT INTO message_revisions (message_seq, text, replaced_at) SELECT seq, text, ? FROM messages WHERE seq = ?',
  );
  const setText = db.prepare('UPDATE messages SET text = ?, edited_at = ? WHERE seq = ?');
  const dropRevisions = db.prepare('DELETE FROM message_revisions WHERE message_seq = ?');
  const markDeleted = db.prepare(`UPDATE messages SET text = '', deleted_at = ? WHERE seq = ?`);
  const setStatus = db.prepare('UPDATE messages SET status = ? WHERE seq = ?');
  const count = db.prepare("SELECT value FROM store_counters WHERE name = 'messages'").pluck() as Statement<[], number>;
  const later = createLaterStatements(db);

  const newestFirstToChronological = (rows: MessageRow[]): Message[] => rows.reverse().map(toMessage);

  return {
    insert: (message) => Number(insert.run({ reply_to: null, expires_at: null, ...message }).lastInsertRowid),
    get: (id) => {
      const row = get.get(id);
      return row && toMessage(row);
    },
    getBySeq: (seq) => {
      const row = getBySeq.get(seq);
      return row && toMessage(row);
    },
    pageBefore: (chatId, limit, before = Number.MAX_SAFE_INTEGER) =>
      newestFirstToChronological(pageBefore.all(chatId, before, limit)),
    pageAfter: (chatId, limit, after) => pageAfter.all(chatId, after, limit).map(toMessage),
    hasBefore: (chatId, seq) => hasBefore.get(chatId, seq) !== undefined,
    hasAfter: (chatId, seq) => hasAfter.get(chatId, seq) !== undefined,
    search,
    editText: (seq, text, at) => {
      addRevision.run(at, seq);
      setText.run(text, at, seq);
    },
    markDeleted: (seq, at) => {
      dropRevisions.run(seq);
      markDeleted.run(at, seq);
    },
    setStatus: (seq, status) => void setStatus.run(status, seq),
    count: () => count.get()!,
    ...laterMethods(later),
  };
}

/** Apart from the other statements: these follow the full-text index's shape (migration 0012), not the messages table's. */
function createSearch(db: Database): MessageRepository['search'] {
  const searchColumns = COLUMNS.split(', ').map((c) => `m.${c}`).join(', ');
  // The index holds each message's chat id as a second column (migration 0012): people's words
  // match the text only, and a search in one chat lets FTS5 intersect the word's hits with the
  // chat's. Only the id's last token is asked for: ids are a kind prefix shared by thousands of
  // chats ("d", "g") and a random part, and a phrase would walk the prefix's list too. The exact
  // chat_id comparison in the statement keeps the answer exact.
  const inText = (ftsQuery: string) => `text : (${ftsQuery})`;
  const inChat = (ftsQuery: string, chatId: string) => {
    const token = chatId.match(/[\p{L}\p{N}]+/gu)?.at(-1);
    return token ? `${inText(ftsQuery)} AND chat_id : "${token}"` : inText(ftsQuery);
  };
  const snippet = `snippet(messages_fts, 0, '${SNIPPET_OPEN}', '${SNIPPET_CLOSE}', '…', 16) AS snippet`;
  const searchAll = db.prepare(
    `SELECT ${searchColumns}, ${snippet} FROM messages_fts JOIN messages m ON m.seq = messages_fts.rowid
     WHERE messages_fts MATCH ? AND messages_fts.rowid < ? ORDER BY messages_fts.rowid DESC LIMIT ?`,
  ) as Statement<[string, number, number], SearchRow>;
  const searchChat = db.prepare(
    `SELECT ${searchColumns}, ${snippet} FROM messages_fts JOIN messages m ON m.seq = messages_fts.rowid
     WHERE messages_fts MATCH ? AND messages_fts.rowid < ? AND m.chat_id = ? ORDER BY messages_fts.rowid DESC LIMIT ?`,
  ) as Statement<[string, number, string, number], SearchRow>;
  const toHit = (row: SearchRow): RawSearchHit => {
    const { snippet: marked, ...message } = row;
    return { message: toMessage(message), marked_snippet: marked };
  };
  return (ftsQuery, limit, { chatId, before = Number.MAX_SAFE_INTEGER }) =>
    (chatId ? searchChat.all(inChat(ftsQuery, chatId), before, chatId, limit) : searchAll.all(inText(ftsQuery), before, limit)).map(toHit);
}

type LaterMethods = Pick<MessageRepository, 'revisions' | 'editCount' | 'setExpiry' | 'expired' | 'nextExpiry' | 'remove' | 'newest' | 'pageAround'>;

function laterMethods(later: ReturnType<typeof createLaterStatements>): LaterMethods {
  return {
    revisions: (seq) => later.revisions.all(seq),
    editCount: (seq) => later.editCount.get(seq)!,
    setExpiry: (seq, at) => void later.setExpiry.run(at, seq),
    expired: (now, limit) => later.expired.all(now, limit).map(toMessage),
    nextExpiry: () => later.nextExpiry.get() ?? undefined,
    remove: (seq) => void later.remove.run(seq),
    newest: (chatId) => {
      const row = later.newest.get(chatId);
      return row && toMessage(row);
    },
    pageAround: (chatId, seq, limit) => {
      const half = Math.floor(limit / 2);
      const older = later.atOrBefore.all(chatId, seq, half + 1).reverse();
      const newer = later.after.all(chatId, seq, limit - older.length);
      return [...older, ...newer].map(toMessage);
    },
  };
}

/** Statements of the chat features that came later (edits' history, expiry, jumping to a message). */
function createLaterStatements(db: Database) {
  return {
    revisions: db.prepare('SELECT text, replaced_at FROM message_revisions WHERE message_seq = ? ORDER BY rowid') as Statement<[number], MessageRevision>,
    editCount: db.prepare('SELECT count(*) FROM message_revisions WHERE message_seq = ?').pluck() as Statement<[number], number>,
    setExpiry: db.prepare('UPDATE messages SET expires_at = ? WHERE seq = ?'),
    expired: db.prepare(`SELECT ${COLUMNS} FROM messages WHERE expires_at IS NOT NULL AND expires_at <= ? ORDER BY expires_at LIMIT ?`) as Statement<[number, number], MessageRow>,
    nextExpiry: db.prepare('SELECT min(expires_at) FROM messages WHERE expires_at IS NOT NULL').pluck() as Statement<[], number | null>,
    remove: db.prepare('DELETE FROM messages WHERE seq = ?'),
    newest: db.prepare(`SELECT ${COLUMNS} FROM messages WHERE chat_id = ? ORDER BY seq DESC LIMIT 1`) as Statement<[string], MessageRow>,
    atOrBefore: db.prepare(`SELECT ${COLUMNS} FROM messages WHERE chat_id = ? AND seq <= ? ORDER BY seq DESC LIMIT ?`) as Statement<[string, number, number], MessageRow>,
    after: db.prepare(`SELECT ${COLUMNS} FROM messages WHERE chat_id = ? AND seq > ? ORDER BY seq ASC LIMIT ?`) as Statement<[string, number, number], MessageRow>,
  };
}
