import type { Migration } from '../migrator.ts';

const migration: Migration = {
  version: 7,
  name: 'replies, reactions, edits and deletes for everyone, disappearing messages, chat settings',
  up: `
    -- The message a message answers (its global id: the original may not be here yet, or deleted).
    ALTER TABLE messages ADD COLUMN reply_to TEXT;
    -- When a disappearing message is removed (epoch ms), or NULL when it stays.
    ALTER TABLE messages ADD COLUMN expires_at INTEGER;
    CREATE INDEX messages_expiring ON messages (expires_at) WHERE expires_at IS NOT NULL;

    -- One reaction per person per message. Keyed by the message's global id with its chat, so a
    -- reaction that arrives before its message (another member's copy came later) is kept.
    CREATE TABLE message_reactions (
      chat_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
      message_id TEXT NOT NULL,
      reactor TEXT NOT NULL CHECK (length(reactor) = 64),
      emoji TEXT NOT NULL CHECK (length(emoji) BETWEEN 1 AND 32),
      at INTEGER NOT NULL,
      PRIMARY KEY (message_id, reactor)
    ) STRICT;

    -- An edit or delete that arrived before the message it changes: applied when it comes.
    CREATE TABLE early_updates (
      message_id TEXT NOT NULL,
      kind TEXT NOT NULL CHECK (kind IN ('edit', 'delete')),
      chat_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
      sender TEXT NOT NULL CHECK (length(sender) = 64),
      text TEXT,
      at INTEGER NOT NULL,
      received_at INTEGER NOT NULL,
      PRIMARY KEY (message_id, kind)
    ) STRICT;

    -- Per-chat choices: the disappearing timer both sides agreed on (0 = off), mute until a time
    -- (NULL = not muted), archive, pin (its time orders the pinned), the unsent draft.
    ALTER TABLE conversations ADD COLUMN disappearing_seconds INTEGER NOT NULL DEFAULT 0 CHECK (disappearing_seconds >= 0);
    ALTER TABLE conversations ADD COLUMN muted_until INTEGER;
    ALTER TABLE conversations ADD COLUMN archived INTEGER NOT NULL DEFAULT 0 CHECK (archived IN (0, 1));
    ALTER TABLE conversations ADD COLUMN pinned_at INTEGER;
    ALTER TABLE conversations ADD COLUMN draft TEXT NOT NULL DEFAULT '';
    UPDATE conversations SET muted_until = 9007199254740991 WHERE muted = 1;

    -- Ephemeral mail (typing) goes only straight to the peer and is dropped when it cannot;
    -- mail that expires (disappearing messages) is dropped once past expires_at, and a relay
    -- keeps it no longer than that.
    ALTER TABLE outbox ADD COLUMN ephemeral INTEGER NOT NULL DEFAULT 0 CHECK (ephemeral IN (0, 1));
    ALTER TABLE outbox ADD COLUMN expires_at INTEGER;
  `,
};

export default migration;
