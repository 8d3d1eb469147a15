import type { Database, Statement } from 'better-sqlite3';
import type { InlineButton } from '../../domain/model.ts';

export type KeyboardRows = readonly (readonly InlineButton[])[];

export interface StoredKeyboard {
  readonly sender: string;
  readonly rows: KeyboardRows;
  readonly at: number;
}

export interface ButtonPressRow {
  readonly query_id: string;
  readonly direction: 'in' | 'out';
  readonly local_identity: string;
  readonly peer: string;
  readonly chat_id: string;
  readonly message_id: string;
  readonly created_at: number;
  readonly answered_at: number | null;
}

/** Inline keyboards of messages, and the button presses waiting for (or given) an answer. */
export interface KeyboardRepository {
  /** Sets a message's keyboard unless a newer one is kept (no rows removes it); true when it changed. */
  set(messageId: string, chatId: string, sender: string, rows: KeyboardRows, at: number): boolean;
  get(messageId: string): StoredKeyboard | undefined;
  /** The keyboards of some messages of one chat (one look at the index when the chat has none). */
  forMessages(chatId: string, messageIds: readonly string[]): Map<string, KeyboardRows>;
  removeForMessage(messageId: string): void;
  addPress(row: Omit<ButtonPressRow, 'answered_at'>): void;
  press(queryId: string): ButtonPressRow | undefined;
  /** Marks a press answered; false when it was already answered. */
  answer(queryId: string, at: number): boolean;
  pruneBefore(at: number): void;
}

export function createKeyboardRepository(db: Database): KeyboardRepository {
  const upsert = db.prepare(
    `INSERT INTO message_keyboards (message_id, chat_id, sender, rows, at) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (message_id) DO UPDATE SET rows = excluded.rows, at = excluded.at
     WHERE excluded.at >= message_keyboards.at AND excluded.sender = message_keyboards.sender`,
  );
  const get = db.prepare('SELECT sender, rows, at FROM message_keyboards WHERE message_id = ?') as Statement<[string], { sender: string; rows: string; at: number }>;
  const anyInChat = db.prepare('SELECT 1 FROM message_keyboards WHERE chat_id = ? LIMIT 1').pluck() as Statement<[string], number>;
  const forMessages = db.prepare(
    `SELECT message_id, rows FROM message_keyboards WHERE chat_id = ? AND message_id IN (SELECT value FROM json_each(?))`,
  ) as Statement<[string, string], { message_id: string; rows: string }>;
  const remove = db.prepare('DELETE FROM message_keyboards WHERE message_id = ?');
  const addPress = db.prepare(
    `INSERT INTO button_presses (query_id, direction, local_identity, peer, chat_id, message_id, created_at)
     VALUES (@query_id, @direction, @local_identity, @peer, @chat_id, @message_id, @created_at) ON CONFLICT (query_id) DO NOTHING`,
  );
  const press = db.prepare('SELECT * FROM button_presses WHERE query_id = ?') as Statement<[string], ButtonPressRow>;
  const answer = db.prepare('UPDATE button_presses SET answered_at = ? WHERE query_id = ? AND answered_at IS NULL');
  const prune = db.prepare('DELETE FROM button_presses WHERE created_at < ?');
  return {
    set: (messageId, chatId, sender, rows, at) => upsert.run(messageId, chatId, sender, JSON.stringify(rows), at).changes > 0,
    get(messageId) {
      const row = get.get(messageId);
      return row && { sender: row.sender, rows: JSON.parse(row.rows) as KeyboardRows, at: row.at };
    },
    forMessages(chatId, messageIds) {
      const out = new Map<string, KeyboardRows>();
      if (messageIds.length === 0 || anyInChat.get(chatId) === undefined) return out;
      for (const row of forMessages.all(chatId, JSON.stringify(messageIds))) {
        const rows = JSON.parse(row.rows) as KeyboardRows;
        if (rows.length > 0) out.set(row.message_id, rows);
      }
      return out;
    },
    removeForMessage: (messageId) => void remove.run(messageId),
    addPress: (row) => void addPress.run(row),
    press: (queryId) => press.get(queryId),
    answer: (queryId, at) => answer.run(at, queryId).changes > 0,
    pruneBefore: (at) => void prune.run(at),
  };
}
