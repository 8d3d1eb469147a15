import type { Database, Statement } from 'better-sqlite3';

/** An edit or delete that came before the message it changes. */
export interface EarlyUpdate {
  readonly message_id: string;
  readonly kind: 'edit' | 'delete';
  readonly chat_id: string;
  readonly sender: string;
  readonly text: string | null;
  readonly at: number;
  readonly received_at: number;
}

export interface EarlyUpdateRepository {
  /** Keeps the newest update of each kind per message. */
  put(update: EarlyUpdate): void;
  /** Takes (and forgets) what waits for a message. */
  take(messageId: string): EarlyUpdate[];
  /** Forgets updates whose message never came, received before `before`. */
  forgetBefore(before: number): number;
}

export function createEarlyUpdateRepository(db: Database): EarlyUpdateRepository {
  const put = db.prepare(
    `INSERT INTO early_updates (message_id, kind, chat_id, sender, text, at, received_at) VALUES (@message_id, @kind, @chat_id, @sender, @text, @at, @received_at)
     ON CONFLICT (message_id, kind) DO UPDATE SET text = excluded.text, at = excluded.at, received_at = excluded.received_at WHERE excluded.at > early_updates.at`,
  );
  const select = db.prepare('SELECT * FROM early_updates WHERE message_id = ?') as Statement<[string], EarlyUpdate>;
  const drop = db.prepare('DELETE FROM early_updates WHERE message_id = ?');
  const forget = db.prepare('DELETE FROM early_updates WHERE received_at < ?');
  return {
    put: (update) => void put.run(update),
    take(messageId) {
      const rows = select.all(messageId);
      if (rows.length > 0) drop.run(messageId);
      return rows;
    },
    forgetBefore: (before) => forget.run(before).changes,
  };
}
