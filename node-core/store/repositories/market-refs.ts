import type { Database, Statement } from 'better-sqlite3';
import type { MarketRef } from '../../domain/model.ts';

interface Row {
  readonly message_id: string;
  readonly chat_id: string;
  readonly kind: MarketRef['kind'];
  readonly listing_id: string;
  readonly order_id: string | null;
}

export interface MarketRefMessage {
  readonly message_id: string;
  readonly chat_id: string;
  readonly ref: MarketRef;
}

/** The marketplace references of messages (message_market). */
export interface MarketRefRepository {
  set(messageId: string, chatId: string, ref: MarketRef): void;
  /** The references of some messages of one chat (one look at the index when the chat has none). */
  forMessages(chatId: string, messageIds: readonly string[]): Map<string, MarketRef>;
  /** Every message of this kind, optionally about one order, oldest first. */
  byKind(kind: MarketRef['kind'], orderId?: string): MarketRefMessage[];
}

const toRef = (row: Row): MarketRef => ({ kind: row.kind, listing_id: row.listing_id, order_id: row.order_id });

export function createMarketRefRepository(db: Database): MarketRefRepository {
  const insert = db.prepare('INSERT INTO message_market (message_id, chat_id, kind, listing_id, order_id) VALUES (?, ?, ?, ?, ?) ON CONFLICT (message_id) DO NOTHING');
  const anyInChat = db.prepare('SELECT 1 FROM message_market WHERE chat_id = ? LIMIT 1').pluck() as Statement<[string], number>;
  const forMessages = db.prepare('SELECT * FROM message_market WHERE chat_id = ? AND message_id IN (SELECT value FROM json_each(?))') as Statement<[string, string], Row>;
  const ofKind = db.prepare(
    'SELECT mm.* FROM message_market mm JOIN messages m ON m.id = mm.message_id WHERE mm.kind = ? ORDER BY m.seq',
  ) as Statement<[string], Row>;
  const ofOrder = db.prepare(
    'SELECT mm.* FROM message_market mm JOIN messages m ON m.id = mm.message_id WHERE mm.kind = ? AND mm.order_id = ? ORDER BY m.seq',
  ) as Statement<[string, string], Row>;
  return {
    set: (messageId, chatId, ref) => void insert.run(messageId, chatId, ref.kind, ref.listing_id, ref.order_id),
    forMessages(chatId, messageIds) {
      const out = new Map<string, MarketRef>();
      if (messageIds.length === 0 || anyInChat.get(chatId) === undefined) return out;
      for (const row of forMessages.all(chatId, JSON.stringify(messageIds))) out.set(row.message_id, toRef(row));
      return out;
    },
    byKind: (kind, orderId) =>
      (orderId === undefined ? ofKind.all(kind) : ofOrder.all(kind, orderId)).map((row) => ({ message_id: row.message_id, chat_id: row.chat_id, ref: toRef(row) })),
  };
}
