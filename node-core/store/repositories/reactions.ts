import type { Database, Statement } from 'better-sqlite3';
import type { Reaction } from '../../domain/model.ts';

export interface ReactionRepository {
  /** Sets `reactor`'s reaction to a message unless a newer one is kept; true when it changed. */
  set(chatId: string, messageId: string, reactor: string, emoji: string, at: number): boolean;
  /** Removes `reactor`'s reaction unless it is newer than `at`; true when one was removed. */
  remove(messageId: string, reactor: string, at: number): boolean;
  /** Every reaction to the messages of one chat, grouped by message and emoji (first reacted first). */
  forMessages(chatId: string, messageIds: readonly string[]): Map<string, Reaction[]>;
  removeAll(messageId: string): void;
}

interface Row {
  readonly message_id: string;
  readonly reactor: string;
  readonly emoji: string;
}

export function createReactionRepository(db: Database): ReactionRepository {
  const upsert = db.prepare(
    `INSERT INTO message_reactions (chat_id, message_id, reactor, emoji, at) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (message_id, reactor) DO UPDATE SET emoji = excluded.emoji, at = excluded.at
     WHERE excluded.at >= message_reactions.at AND excluded.chat_id = message_reactions.chat_id`,
  );
  const remove = db.prepare('DELETE FROM message_reactions WHERE message_id = ? AND reactor = ? AND at <= ?');
  const removeAll = db.prepare('DELETE FROM message_reactions WHERE message_id = ?');
  // json_each keeps one statement for any number of ids.
  const anyInChat = db.prepare('SELECT 1 FROM message_reactions WHERE chat_id = ? LIMIT 1').pluck() as Statement<[string], number>;
  const forOne = db.prepare('SELECT message_id, reactor, emoji FROM message_reactions WHERE message_id = ? AND chat_id = ? ORDER BY at, reactor') as Statement<[string, string], Row>;
  const forMessages = db.prepare(
    `SELECT message_id, reactor, emoji FROM message_reactions
     WHERE chat_id = ? AND message_id IN (SELECT value FROM json_each(?)) ORDER BY at, reactor`,
  ) as Statement<[string, string], Row>;
  return {
    set: (chatId, messageId, reactor, emoji, at) => upsert.run(chatId, messageId, reactor, emoji, at).changes > 0,
    remove: (messageId, reactor, at) => remove.run(messageId, reactor, at).changes > 0,
    removeAll: (messageId) => void removeAll.run(messageId),
    forMessages(chatId, messageIds) {
      const out = new Map<string, Reaction[]>();
      if (messageIds.length === 0 || anyInChat.get(chatId) === undefined) return out;
      const byMessage = new Map<string, Map<string, string[]>>();
      // One message (what arrives or changes) by its key; a page in one statement.
      const rows = messageIds.length === 1 ? forOne.all(messageIds[0]!, chatId) : forMessages.all(chatId, JSON.stringify(messageIds));
      for (const row of rows) {
        const emojis = byMessage.get(row.message_id) ?? new Map<string, string[]>();
        emojis.set(row.emoji, [...(emojis.get(row.emoji) ?? []), row.reactor]);
        byMessage.set(row.message_id, emojis);
      }
      for (const [id, emojis] of byMessage) out.set(id, [...emojis].map(([emoji, reactors]) => ({ emoji, count: reactors.length, reactors })));
      return out;
    },
  };
}
