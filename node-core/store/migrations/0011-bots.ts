import type { Migration } from '../migrator.ts';

const migration: Migration = {
  version: 11,
  name: 'bots',
  up: `
    -- Bots this node hosts. bot_id is the bot's Telegram-style user id (also its token's prefix);
    -- only the SHA-256 of the token is kept. last_seq is how far the update feed has read the
    -- messages table (messages.seq), so a restart catches up on what arrived while it was down.
    CREATE TABLE bots (
      bot_id INTEGER PRIMARY KEY,
      identity_id TEXT NOT NULL UNIQUE REFERENCES identities (id),
      username TEXT NOT NULL UNIQUE COLLATE NOCASE,
      name TEXT NOT NULL,
      token_hash BLOB NOT NULL,
      created_at INTEGER NOT NULL,
      last_seq INTEGER NOT NULL,
      next_update_id INTEGER NOT NULL,
      allowed_updates TEXT NOT NULL DEFAULT '[]',
      commands TEXT NOT NULL DEFAULT '[]'
    ) STRICT;

    -- Telegram ids are integers: every dchat identity and chat a bot sees gets one, for good.
    CREATE TABLE bot_int_ids (
      int_id INTEGER PRIMARY KEY AUTOINCREMENT,
      kind TEXT NOT NULL CHECK (kind IN ('user', 'chat')),
      key TEXT NOT NULL,
      UNIQUE (kind, key)
    ) STRICT;
    -- Ids start high enough not to read as small counters (and never collide with 0 or -1).
    INSERT INTO sqlite_sequence (name, seq) VALUES ('bot_int_ids', 1000000);

    -- A bot's updates until it confirms them (getUpdates offset) or they are 24 h old.
    CREATE TABLE bot_updates (
      bot_id INTEGER NOT NULL REFERENCES bots (bot_id) ON DELETE CASCADE,
      update_id INTEGER NOT NULL,
      kind TEXT NOT NULL,
      payload TEXT NOT NULL,
      created_at INTEGER NOT NULL,
      PRIMARY KEY (bot_id, update_id)
    ) STRICT, WITHOUT ROWID;
    CREATE INDEX bot_updates_by_age ON bot_updates (created_at);

    -- The newest edit of each message a bot was told about, so an edit is an update once.
    CREATE TABLE bot_edits_seen (
      bot_id INTEGER NOT NULL REFERENCES bots (bot_id) ON DELETE CASCADE,
      message_seq INTEGER NOT NULL,
      edited_at INTEGER NOT NULL,
      PRIMARY KEY (bot_id, message_seq)
    ) STRICT, WITHOUT ROWID;
  `,
};

export default migration;
