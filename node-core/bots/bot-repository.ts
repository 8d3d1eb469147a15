import type { Database } from 'better-sqlite3';
import type { RepositoryDefinition } from '../store/store.ts';
import type { TgBotCommand, UpdateKind } from './telegram-objects.ts';

export interface BotRecord {
  readonly bot_id: number;
  readonly identity_id: string;
  readonly username: string;
  readonly name: string;
  readonly token_hash: Uint8Array;
  readonly created_at: number;
  readonly last_seq: number;
  readonly allowed_updates: readonly UpdateKind[];
  readonly commands: readonly TgBotCommand[];
}

export interface StoredUpdate {
  readonly update_id: number;
  readonly kind: UpdateKind;
  readonly payload: string;
  readonly created_at: number;
}

/** The bots' own tables (migration 0011). Synchronous: called inside store.write for writes. */
export interface BotRepository {
  insert(bot: Omit<BotRecord, 'allowed_updates' | 'commands'>): void;
  get(botId: number): BotRecord | undefined;
  byUsername(username: string): BotRecord | undefined;
  list(): BotRecord[];
  remove(botId: number): boolean;
  setTokenHash(botId: number, hash: Uint8Array): void;
  setCommands(botId: number, commands: readonly TgBotCommand[]): void;
  setAllowedUpdates(botId: number, kinds: readonly UpdateKind[]): void;
  setLastSeq(botId: number, seq: number): void;
  /** The integer a dchat identity or chat has for bots, given on first use and kept for good. */
  intId(kind: 'user' | 'chat', key: string): number;
  /** The dchat key behind an integer id, if it was ever given. */
  keyOf(kind: 'user' | 'chat', intId: number): string | undefined;
  /** Appends an update with the bot's next update id; returns that id. */
  appendUpdate(botId: number, kind: UpdateKind, payload: string, at: number): number;
  updates(botId: number, fromId: number, limit: number): StoredUpdate[];
  /** Forgets the bot's updates below this id (confirmed by getUpdates' offset). */
  confirmBelow(botId: number, updateId: number): number;
  /** Keeps only the newest `count` updates (a negative offset). */
  keepNewest(botId: number, count: number): void;
  pending(botId: number): number;
  /** Removes every bot's updates stored before `before`; returns how many went. */
  pruneOlderThan(before: number): number;
  editSeen(botId: number, messageSeq: number): number | undefined;
  setEditSeen(botId: number, messageSeq: number, editedAt: number): void;
  /** Seqs of messages others sent to this identity in direct chats, after `afterSeq`, oldest first. */
  incomingSince(identityId: string, afterSeq: number, limit: number): number[];
  /** Messages of others in this bot's direct chats, up to `uptoSeq`, edited since the bot was last told: the edits a crash may have cut off. */
  editsUnseen(botId: number, identityId: string, uptoSeq: number): number[];
  /** The newest message seq on this node (0 when there is none). */
  newestSeq(): number;
}

interface BotRow extends Omit<BotRecord, 'allowed_updates' | 'commands'> {
  readonly allowed_updates: string;
  readonly commands: string;
}

const fromRow = (row: BotRow | undefined): BotRecord | undefined =>
  row && { ...row, allowed_updates: JSON.parse(row.allowed_updates) as UpdateKind[], commands: JSON.parse(row.commands) as TgBotCommand[] };

function openBotRepository(db: Database): BotRepository {
  const q = {
    insert: db.prepare(
      `INSERT INTO bots (bot_id, identity_id, username, name, token_hash, created_at, last_seq, next_update_id)
       VALUES (@bot_id, @identity_id, @username, @name, @token_hash, @created_at, @last_seq, 1)`,
    ),
    get: db.prepare('SELECT * FROM bots WHERE bot_id = ?'),
    byUsername: db.prepare('SELECT * FROM bots WHERE username = ?'),
    list: db.prepare('SELECT * FROM bots ORDER BY created_at, bot_id'),
    remove: db.prepare('DELETE FROM bots WHERE bot_id = ?'),
    setTokenHash: db.prepare('UPDATE bots SET token_hash = ? WHERE bot_id = ?'),
    setCommands: db.prepare('UPDATE bots SET commands = ? WHERE bot_id = ?'),
    setAllowed: db.prepare('UPDATE bots SET allowed_updates = ? WHERE bot_id = ?'),
    setLastSeq: db.prepare('UPDATE bots SET last_seq = max(last_seq, ?) WHERE bot_id = ?'),
    intId: db.prepare('SELECT int_id FROM bot_int_ids WHERE kind = ? AND key = ?').pluck(),
    newIntId: db.prepare('INSERT INTO bot_int_ids (kind, key) VALUES (?, ?)'),
    keyOf: db.prepare('SELECT key FROM bot_int_ids WHERE kind = ? AND int_id = ?').pluck(),
    nextUpdate: db.prepare('UPDATE bots SET next_update_id = next_update_id + 1 WHERE bot_id = ? RETURNING next_update_id - 1').pluck(),
    appendUpdate: db.prepare('INSERT INTO bot_updates (bot_id, update_id, kind, payload, created_at) VALUES (?, ?, ?, ?, ?)'),
    updates: db.prepare('SELECT update_id, kind, payload, created_at FROM bot_updates WHERE bot_id = ? AND update_id >= ? ORDER BY update_id LIMIT ?'),
    confirmBelow: db.prepare('DELETE FROM bot_updates WHERE bot_id = ? AND update_id < ?'),
    nthNewest: db.prepare('SELECT update_id FROM bot_updates WHERE bot_id = ? ORDER BY update_id DESC LIMIT 1 OFFSET ?').pluck(),
    pending: db.prepare('SELECT count(*) FROM bot_updates WHERE bot_id = ?').pluck(),
    prune: db.prepare('DELETE FROM bot_updates WHERE created_at < ?'),
    editSeen: db.prepare('SELECT edited_at FROM bot_edits_seen WHERE bot_id = ? AND message_seq = ?').pluck(),
    setEditSeen: db.prepare('INSERT INTO bot_edits_seen (bot_id, message_seq, edited_at) VALUES (?, ?, ?) ON CONFLICT DO UPDATE SET edited_at = excluded.edited_at'),
    incoming: db
      .prepare(
        `SELECT m.seq FROM messages m JOIN conversations c ON c.id = m.chat_id
         WHERE c.identity_id = ? AND c.kind = 'direct' AND m.seq > ? AND m.sender != c.identity_id
         ORDER BY m.seq LIMIT ?`,
      )
      .pluck(),
    newestSeq: db.prepare('SELECT coalesce(max(seq), 0) FROM messages').pluck(),
    editsUnseen: db
      .prepare(
        `SELECT m.seq FROM messages m JOIN conversations c ON c.id = m.chat_id
         LEFT JOIN bot_edits_seen s ON s.bot_id = ? AND s.message_seq = m.seq
         WHERE c.identity_id = ? AND c.kind = 'direct' AND m.sender != c.identity_id AND m.seq <= ?
           AND m.edited_at IS NOT NULL AND m.deleted_at IS NULL AND m.edited_at > coalesce(s.edited_at, 0)
         ORDER BY m.seq`,
      )
      .pluck(),
  };
  const intId = (kind: 'user' | 'chat', key: string): number => {
    const known = q.intId.get(kind, key) as number | undefined;
    return known ?? Number(q.newIntId.run(kind, key).lastInsertRowid);
  };
  return {
    insert: (bot) => void q.insert.run({ ...bot, token_hash: Buffer.from(bot.token_hash) }),
    get: (botId) => fromRow(q.get.get(botId) as BotRow | undefined),
    byUsername: (username) => fromRow(q.byUsername.get(username) as BotRow | undefined),
    list: () => (q.list.all() as BotRow[]).map((row) => fromRow(row)!),
    remove: (botId) => q.remove.run(botId).changes > 0,
    setTokenHash: (botId, hash) => void q.setTokenHash.run(Buffer.from(hash), botId),
    setCommands: (botId, commands) => void q.setCommands.run(JSON.stringify(commands), botId),
    setAllowedUpdates: (botId, kinds) => void q.setAllowed.run(JSON.stringify(kinds), botId),
    setLastSeq: (botId, seq) => void q.setLastSeq.run(seq, botId),
    intId,
    keyOf: (kind, id) => q.keyOf.get(kind, id) as string | undefined,
    appendUpdate(botId, kind, payload, at) {
      const updateId = q.nextUpdate.get(botId) as number;
      q.appendUpdate.run(botId, updateId, kind, payload, at);
      return updateId;
    },
    updates: (botId, fromId, limit) => q.updates.all(botId, fromId, limit) as StoredUpdate[],
    confirmBelow: (botId, updateId) => q.confirmBelow.run(botId, updateId).changes,
    keepNewest(botId, count) {
      const oldestKept = q.nthNewest.get(botId, count - 1) as number | undefined;
      if (oldestKept !== undefined) q.confirmBelow.run(botId, oldestKept);
    },
    pending: (botId) => q.pending.get(botId) as number,
    pruneOlderThan: (before) => q.prune.run(before).changes,
    editSeen: (botId, seq) => q.editSeen.get(botId, seq) as number | undefined,
    setEditSeen: (botId, seq, at) => void q.setEditSeen.run(botId, seq, at),
    incomingSince: (identityId, afterSeq, limit) => q.incoming.all(identityId, afterSeq, limit) as number[],
    newestSeq: () => q.newestSeq.get() as number,
    editsUnseen: (botId, identityId, uptoSeq) => q.editsUnseen.all(botId, identityId, uptoSeq) as number[],
  };
}

export const BOT_REPOSITORY: RepositoryDefinition<BotRepository> = { name: 'bots', open: openBotRepository };
