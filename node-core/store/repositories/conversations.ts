import type { Database, Statement } from 'better-sqlite3';
import type { Chat, ChatKind } from '../../domain/model.ts';

export interface NewConversation {
  readonly id: string;
  readonly kind: ChatKind;
  readonly title: string;
  readonly identity_id: string;
  readonly created_at: number;
  /** The other identity of a direct chat. */
  readonly peer_identity?: string | null;
  readonly group_id?: string | null;
}

interface ConversationRow {
  readonly id: string;
  readonly kind: ChatKind;
  readonly title: string;
  readonly identity_id: string;
  readonly created_at: number;
  readonly last_message_seq: number | null;
  readonly last_message_at: number | null;
  readonly activity_at: number;
  readonly unread_count: number;
  readonly muted_until: number | null;
  readonly archived: number;
  readonly pinned_at: number | null;
  readonly disappearing_seconds: number;
  readonly draft: string;
  readonly peer_identity: string | null;
  readonly group_id: string | null;
  /** JSON of a bot chat's commands; null in other chats. */
  readonly bot_commands: string | null;
}

interface LastMessageRow {
  readonly id: string;
  readonly sender: string;
  readonly text: string;
  readonly sent_at: number;
  readonly deleted_at: number | null;
}

/** Position in the activity-ordered conversation list. */
export interface ConversationCursor {
  readonly activity_at: number;
  readonly id: string;
}

/** The chat settings a user changes (PATCH /api/chats/:chat_id). */
export interface ChatSettings {
  readonly disappearing_seconds?: number | undefined;
  readonly muted_until?: number | null | undefined;
  readonly archived?: boolean | undefined;
  readonly pinned_at?: number | null | undefined;
  readonly draft?: string | undefined;
}

const PREVIEW_CHARS = 160;

const toChat = (row: ConversationRow, last: LastMessageRow | undefined, now: number): Chat => ({
  chat_id: row.id,
  kind: row.kind,
  title: row.title,
  identity_id: row.identity_id,
  created_at: row.created_at,
  last_message_at: row.last_message_at,
  unread_count: row.unread_count,
  muted: row.muted_until !== null && row.muted_until > now,
  muted_until: row.muted_until,
  archived: row.archived === 1,
  pinned: row.pinned_at !== null,
  disappearing_seconds: row.disappearing_seconds,
  draft: row.draft,
  last_message: last ? { id: last.id, sender: last.sender, text: last.text, at: last.sent_at, deleted: last.deleted_at !== null } : null,
  peer_identity: row.peer_identity,
  group_id: row.group_id,
  ...(row.bot_commands !== null ? { bot_commands: JSON.parse(row.bot_commands) as Chat['bot_commands'] } : {}),
});

export interface ConversationRepository {
  insert(conversation: NewConversation): void;
  get(id: string): Chat | undefined;
  exists(id: string): boolean;
  /** Pinned chats (newest pin first), archived or not as asked. */
  pinned(archived: boolean): Chat[];
  /** The unpinned, most recently active first; `limit + 1` rows tell the caller whether there is a next page. */
  list(limit: number, archived: boolean, after?: ConversationCursor): Array<Chat & { readonly cursor: ConversationCursor }>;
  /** Records a new message: moves the chat up the list and, for incoming mail, counts it unread. */
  recordMessage(id: string, seq: number, at: number, unreadDelta: number): void;
  /** Points the chat's preview at its newest message again after one was removed (unread if it was). */
  setLastMessage(id: string, seq: number | null, at: number | null, unreadRemoved: number): void;
  markRead(id: string): void;
  setTitle(id: string, title: string): void;
  update(id: string, settings: ChatSettings): void;
  count(): number;
  /** Marks a direct chat as a bot's, with the commands the bot listed. */
  setBotCommands(id: string, commands: NonNullable<Chat['bot_commands']>): void;
  /** The direct chat of a local identity with a remote one, whatever its id (it keeps its id across a key change). */
  directWith(identityId: string, peer: string): Chat | undefined;
  /** A direct chat now talks to another key of the same person (their key changed). */
  setPeer(id: string, peer: string): void;
}

// The last message is read by its seq on its own: SQLite's LEFT JOIN here cost ten times the
// two lookups (measured: 50 µs against 5 + 5), and every message sent or received reads its chat.
const SELECT = 'SELECT c.* FROM conversations c';

export function createConversationRepository(db: Database, now: () => number = Date.now): ConversationRepository {
  const insert = db.prepare(
    `INSERT INTO conversations (id, kind, title, identity_id, created_at, activity_at, peer_identity, group_id)
     VALUES (@id, @kind, @title, @identity_id, @created_at, @created_at, @peer_identity, @group_id)`,
  );
  const get = db.prepare(`${SELECT} WHERE c.id = ?`) as Statement<[string], ConversationRow>;
  const exists = db.prepare('SELECT 1 FROM conversations WHERE id = ?').pluck() as Statement<[string], number>;
  const pinned = db.prepare(`${SELECT} WHERE c.pinned_at IS NOT NULL AND c.archived = ? ORDER BY c.pinned_at DESC`) as Statement<[number], ConversationRow>;
  const listFirst = db.prepare(
    `${SELECT} WHERE c.pinned_at IS NULL AND c.archived = ? ORDER BY c.activity_at DESC, c.id DESC LIMIT ?`,
  ) as Statement<[number, number], ConversationRow>;
  const listAfter = db.prepare(
    `${SELECT} WHERE c.pinned_at IS NULL AND c.archived = ? AND (c.activity_at, c.id) < (?, ?)
     ORDER BY c.activity_at DESC, c.id DESC LIMIT ?`,
  ) as Statement<[number, number, string, number], ConversationRow>;
  const recordMessage = db.prepare(
    `UPDATE conversations SET last_message_seq = @seq, last_message_at = @at,
       activity_at = max(activity_at, @at), unread_count = unread_count + @unread
     WHERE id = @id`,
  );
  const setLast = db.prepare('UPDATE conversations SET last_message_seq = ?, last_message_at = ?, unread_count = max(0, unread_count - ?) WHERE id = ?');
  const markRead = db.prepare('UPDATE conversations SET unread_count = 0 WHERE id = ?');
  const setTitle = db.prepare('UPDATE conversations SET title = ? WHERE id = ?');
  const count = db.prepare('SELECT count(*) FROM conversations').pluck() as Statement<[], number>;
  const setters = {
    disappearing_seconds: db.prepare('UPDATE conversations SET disappearing_seconds = ? WHERE id = ?'),
    muted_until: db.prepare('UPDATE conversations SET muted_until = ? WHERE id = ?'),
    archived: db.prepare('UPDATE conversations SET archived = ? WHERE id = ?'),
    pinned_at: db.prepare('UPDATE conversations SET pinned_at = ? WHERE id = ?'),
    draft: db.prepare('UPDATE conversations SET draft = ? WHERE id = ?'),
  };
  const lastMessage = db.prepare(`SELECT id, sender, substr(text, 1, ${PREVIEW_CHARS}) AS text, sent_at, deleted_at FROM messages WHERE seq = ?`) as Statement<[number], LastMessageRow>;
  const setBotCommands = db.prepare('UPDATE conversations SET bot_commands = ? WHERE id = ?');
  const directWith = db.prepare(`${SELECT} WHERE c.identity_id = ? AND c.peer_identity = ? AND c.kind = 'direct' ORDER BY c.created_at LIMIT 1`) as Statement<[string, string], ConversationRow>;
  const setPeer = db.prepare('UPDATE conversations SET peer_identity = ? WHERE id = ?');
  const chat = (row: ConversationRow) => toChat(row, row.last_message_seq === null ? undefined : lastMessage.get(row.last_message_seq), now());

  return {
    insert: (conversation) => void insert.run({ peer_identity: null, group_id: null, ...conversation }),
    get: (id) => {
      const row = get.get(id);
      return row && chat(row);
    },
    exists: (id) => exists.get(id) !== undefined,
    pinned: (archived) => pinned.all(archived ? 1 : 0).map(chat),
    list: (limit, archived, after) =>
      (after ? listAfter.all(archived ? 1 : 0, after.activity_at, after.id, limit) : listFirst.all(archived ? 1 : 0, limit)).map((row) => ({
        ...chat(row),
        cursor: { activity_at: row.activity_at, id: row.id },
      })),
    recordMessage: (id, seq, at, unreadDelta) => void recordMessage.run({ id, seq, at, unread: unreadDelta }),
    setLastMessage: (id, seq, at, unreadRemoved) => void setLast.run(seq, at, unreadRemoved, id),
    markRead: (id) => void markRead.run(id),
    setTitle: (id, title) => void setTitle.run(title, id),
    update(id, settings) {
      for (const [key, value] of Object.entries(settings) as Array<[keyof ChatSettings, unknown]>) {
        if (value === undefined) continue;
        setters[key].run(typeof value === 'boolean' ? (value ? 1 : 0) : value, id);
      }
    },
    count: () => count.get()!,
    setBotCommands: (id, commands) => void setBotCommands.run(JSON.stringify(commands), id),
    directWith: (identityId, peer) => {
      const row = directWith.get(identityId, peer);
      return row && chat(row);
    },
    setPeer: (id, peer) => void setPeer.run(peer, id),
  };
}
