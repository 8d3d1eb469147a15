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
  readonly muted: number;
  readonly peer_identity: string | null;
  readonly group_id: string | null;
}

/** Position in the activity-ordered conversation list. */
export interface ConversationCursor {
  readonly activity_at: number;
  readonly id: string;
}

const toChat = (row: ConversationRow): Chat => ({
  chat_id: row.id,
  kind: row.kind,
  title: row.title,
  identity_id: row.identity_id,
  created_at: row.created_at,
  last_message_at: row.last_message_at,
  unread_count: row.unread_count,
  muted: row.muted === 1,
  peer_identity: row.peer_identity,
  group_id: row.group_id,
});

export interface ConversationRepository {
  insert(conversation: NewConversation): void;
  get(id: string): Chat | undefined;
  exists(id: string): boolean;
  /** Most recently active first; `limit + 1` rows tell the caller whether there is a next page. */
  list(limit: number, after?: ConversationCursor): Array<Chat & { readonly cursor: ConversationCursor }>;
  /** Records a new message: moves the chat up the list and, for incoming mail, counts it unread. */
  recordMessage(id: string, seq: number, at: number, unreadDelta: number): void;
  markRead(id: string): void;
  setTitle(id: string, title: string): void;
  count(): number;
}

export function createConversationRepository(db: Database): ConversationRepository {
  const insert = db.prepare(
    `INSERT INTO conversations (id, kind, title, identity_id, created_at, activity_at, peer_identity, group_id)
     VALUES (@id, @kind, @title, @identity_id, @created_at, @created_at, @peer_identity, @group_id)`,
  );
  const get = db.prepare('SELECT * FROM conversations WHERE id = ?') as Statement<[string], ConversationRow>;
  const exists = db.prepare('SELECT 1 FROM conversations WHERE id = ?').pluck() as Statement<[string], number>;
  const listFirst = db.prepare(
    'SELECT * FROM conversations ORDER BY activity_at DESC, id DESC LIMIT ?',
  ) as Statement<[number], ConversationRow>;
  const listAfter = db.prepare(
    `SELECT * FROM conversations WHERE (activity_at, id) < (?, ?)
     ORDER BY activity_at DESC, id DESC LIMIT ?`,
  ) as Statement<[number, string, number], ConversationRow>;
  const recordMessage = db.prepare(
    `UPDATE conversations SET last_message_seq = @seq, last_message_at = @at,
       activity_at = max(activity_at, @at), unread_count = unread_count + @unread
     WHERE id = @id`,
  );
  const markRead = db.prepare('UPDATE conversations SET unread_count = 0 WHERE id = ?');
  const setTitle = db.prepare('UPDATE conversations SET title = ? WHERE id = ?');
  const count = db.prepare('SELECT count(*) FROM conversations').pluck() as Statement<[], number>;

  return {
    insert: (conversation) => void insert.run({ peer_identity: null, group_id: null, ...conversation }),
    get: (id) => {
      const row = get.get(id);
      return row && toChat(row);
    },
    exists: (id) => exists.get(id) !== undefined,
    list: (limit, after) =>
      (after ? listAfter.all(after.activity_at, after.id, limit) : listFirst.all(limit)).map((row) => ({
        ...toChat(row),
        cursor: { activity_at: row.activity_at, id: row.id },
      })),
    recordMessage: (id, seq, at, unreadDelta) => void recordMessage.run({ id, seq, at, unread: unreadDelta }),
    markRead: (id) => void markRead.run(id),
    setTitle: (id, title) => void setTitle.run(title, id),
    count: () => count.get()!,
  };
}
