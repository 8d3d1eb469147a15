import type { Migration } from '../migrator.ts';

const migration: Migration = {
  version: 2,
  name: 'conversations and messages',
  up: `
    CREATE TABLE conversations (
      id TEXT PRIMARY KEY,
      kind TEXT NOT NULL CHECK (kind IN ('self', 'channel', 'direct', 'group')),
      title TEXT NOT NULL,
      identity_id TEXT NOT NULL REFERENCES identities (id),
      created_at INTEGER NOT NULL,
      last_message_seq INTEGER,
      last_message_at INTEGER,
      -- Sort key of the conversation list: last activity, or creation for empty chats.
      activity_at INTEGER NOT NULL,
      unread_count INTEGER NOT NULL DEFAULT 0 CHECK (unread_count >= 0),
      muted INTEGER NOT NULL DEFAULT 0 CHECK (muted IN (0, 1))
    ) STRICT;
    CREATE INDEX conversations_by_activity ON conversations (activity_at DESC, id DESC);

    -- seq is the local ordering field and pagination cursor (an alias of the rowid, so the
    -- full-text index can point at it). id is the global message id chosen by the sender.
    CREATE TABLE messages (
      seq INTEGER PRIMARY KEY,
      id TEXT NOT NULL UNIQUE,
      chat_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
      sender TEXT NOT NULL CHECK (length(sender) = 64),
      text TEXT NOT NULL,
      sent_at INTEGER NOT NULL,
      received_at INTEGER NOT NULL,
      status TEXT NOT NULL CHECK (status IN ('local', 'pending', 'sent', 'delivered', 'read', 'failed')),
      edited_at INTEGER,
      deleted_at INTEGER,
      envelope_hash BLOB CHECK (envelope_hash IS NULL OR length(envelope_hash) = 32)
    ) STRICT;
    CREATE INDEX messages_by_chat ON messages (chat_id, seq);

    -- Earlier texts of edited messages, newest last.
    CREATE TABLE message_revisions (
      message_seq INTEGER NOT NULL REFERENCES messages (seq) ON DELETE CASCADE,
      text TEXT NOT NULL,
      replaced_at INTEGER NOT NULL
    ) STRICT;
    CREATE INDEX message_revisions_by_message ON message_revisions (message_seq);

    -- External-content full-text index over messages.text, kept in step by triggers.
    CREATE VIRTUAL TABLE messages_fts USING fts5 (
      text,
      content = 'messages',
      content_rowid = 'seq',
      tokenize = 'unicode61 remove_diacritics 2'
    );
    CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
      INSERT INTO messages_fts (rowid, text) VALUES (new.seq, new.text);
    END;
    CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
      INSERT INTO messages_fts (messages_fts, rowid, text) VALUES ('delete', old.seq, old.text);
    END;
    CREATE TRIGGER messages_fts_update AFTER UPDATE OF text ON messages BEGIN
      INSERT INTO messages_fts (messages_fts, rowid, text) VALUES ('delete', old.seq, old.text);
      INSERT INTO messages_fts (rowid, text) VALUES (new.seq, new.text);
    END;
  `,
};

export default migration;
