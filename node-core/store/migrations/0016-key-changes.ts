import type { Migration } from '../migrator.ts';

const migration: Migration = {
  version: 16,
  name: 'key-changes',
  up: `
    -- Which chat-chain username a contact's key held when we last looked: how a later key change
    -- in the directory is tied back to the contact (invites carry no directory name).
    CREATE TABLE directory_links (
      local_identity TEXT NOT NULL,
      identity_key TEXT NOT NULL CHECK (length(identity_key) = 64),
      username TEXT NOT NULL,
      linked_height INTEGER NOT NULL,
      PRIMARY KEY (local_identity, identity_key)
    ) STRICT;
    CREATE INDEX directory_links_by_username ON directory_links (username);

    -- Safety-number changes shown in a conversation, as Signal shows them: the username moved
    -- from the key we knew to another one, signed by the old key ('rotated') or not ('reset').
    CREATE TABLE key_changes (
      id INTEGER PRIMARY KEY,
      local_identity TEXT NOT NULL,
      chat_id TEXT NOT NULL,
      username TEXT NOT NULL,
      display_name TEXT NOT NULL,
      old_key TEXT NOT NULL CHECK (length(old_key) = 64),
      new_key TEXT NOT NULL CHECK (length(new_key) = 64),
      kind TEXT NOT NULL CHECK (kind IN ('rotated', 'reset')),
      height INTEGER NOT NULL,
      at INTEGER NOT NULL
    ) STRICT;
    CREATE INDEX key_changes_by_chat ON key_changes (chat_id, id);

    -- A direct chat found by its other identity: after a key change the chat keeps its id while
    -- its peer is the new key.
    CREATE INDEX conversations_by_peer ON conversations (identity_id, peer_identity) WHERE peer_identity IS NOT NULL;
  `,
};

export default migration;
