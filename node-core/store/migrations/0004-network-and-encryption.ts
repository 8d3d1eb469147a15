import type { Migration } from '../migrator.ts';

const migration: Migration = {
  version: 4,
  name: 'network, end-to-end encryption, relays, groups, attachments',
  up: `
    -- Choices made at run time that must survive a restart (relay opt-in, chosen relays).
    CREATE TABLE node_settings (
      key TEXT PRIMARY KEY,
      value TEXT NOT NULL
    ) STRICT;

    -- Remote identities a local identity talks to, with where to reach them.
    CREATE TABLE contacts (
      local_identity TEXT NOT NULL REFERENCES identities (id),
      identity_key TEXT NOT NULL CHECK (length(identity_key) = 64),
      username TEXT NOT NULL,
      display_name TEXT NOT NULL,
      peer_id TEXT,
      addresses TEXT NOT NULL DEFAULT '[]',
      relays TEXT NOT NULL DEFAULT '[]',
      -- 'added' by invite, or 'incoming' (they wrote first).
      origin TEXT NOT NULL CHECK (origin IN ('added', 'incoming', 'group')),
      verified_at INTEGER,
      created_at INTEGER NOT NULL,
      updated_at INTEGER NOT NULL,
      PRIMARY KEY (local_identity, identity_key)
    ) STRICT;

    ALTER TABLE conversations ADD COLUMN peer_identity TEXT;
    ALTER TABLE conversations ADD COLUMN group_id TEXT;

    -- Our own prekeys. Secret halves are sealed under the node key.
    CREATE TABLE signed_prekeys (
      identity_id TEXT NOT NULL REFERENCES identities (id),
      id INTEGER NOT NULL,
      public_key BLOB NOT NULL CHECK (length(public_key) = 32),
      sealed_secret BLOB NOT NULL,
      signature BLOB NOT NULL CHECK (length(signature) = 64),
      created_at INTEGER NOT NULL,
      PRIMARY KEY (identity_id, id)
    ) STRICT;
    CREATE TABLE one_time_prekeys (
      identity_id TEXT NOT NULL REFERENCES identities (id),
      id INTEGER NOT NULL,
      public_key BLOB NOT NULL CHECK (length(public_key) = 32),
      sealed_secret BLOB NOT NULL,
      -- Who hands it out: a relay's peer id, or NULL while unassigned. Each key goes to one place.
      assigned_to TEXT,
      created_at INTEGER NOT NULL,
      PRIMARY KEY (identity_id, id)
    ) STRICT;

    -- Double Ratchet sessions, sealed. Several per remote identity can exist for a while when
    -- both sides start one at the same time; the most recently used one sends.
    CREATE TABLE sessions (
      local_identity TEXT NOT NULL REFERENCES identities (id),
      remote_identity TEXT NOT NULL,
      session_id TEXT NOT NULL,
      sealed_state BLOB NOT NULL,
      -- X3DH fields sent with every message until the other side answers on this session.
      pending_init BLOB,
      last_used_at INTEGER NOT NULL,
      PRIMARY KEY (local_identity, remote_identity, session_id)
    ) STRICT;

    -- Envelope ids seen recently: replays inside the accepted time window are dropped.
    CREATE TABLE seen_envelopes (
      id BLOB PRIMARY KEY,
      seen_at INTEGER NOT NULL
    ) STRICT, WITHOUT ROWID;
    CREATE INDEX seen_envelopes_by_age ON seen_envelopes (seen_at);

    -- What waits to be delivered (directly, or to the recipient's relays). 'plain' rows hold the
    -- sealed payload of a message that could not be encrypted yet (no session, no prekey bundle
    -- reachable); 'sealed' rows hold the signed envelope, ready to send.
    CREATE TABLE outbox (
      id BLOB PRIMARY KEY,
      recipient TEXT NOT NULL,
      local_identity TEXT NOT NULL,
      kind TEXT NOT NULL CHECK (kind IN ('direct', 'group')),
      stage TEXT NOT NULL CHECK (stage IN ('plain', 'sealed')),
      group_id TEXT,
      message_id TEXT,
      envelope BLOB NOT NULL,
      attempts INTEGER NOT NULL DEFAULT 0,
      next_attempt_at INTEGER NOT NULL,
      last_error TEXT,
      created_at INTEGER NOT NULL
    ) STRICT;
    CREATE INDEX outbox_due ON outbox (next_attempt_at);
    CREATE INDEX outbox_by_message ON outbox (message_id);

    -- Delivery receipts owed for messages we received, batched into one payload per peer shortly
    -- after; kept here so a restart in between cannot lose them.
    CREATE TABLE pending_receipts (
      local_identity TEXT NOT NULL,
      remote_identity TEXT NOT NULL,
      message_id TEXT NOT NULL,
      PRIMARY KEY (local_identity, remote_identity, message_id)
    ) STRICT, WITHOUT ROWID;

    -- Relay side: who chose this node as a relay, and their mail.
    CREATE TABLE mailbox_recipients (
      identity_key TEXT PRIMARY KEY CHECK (length(identity_key) = 64),
      record BLOB NOT NULL,
      registered_at INTEGER NOT NULL,
      last_seen_at INTEGER NOT NULL
    ) STRICT;
    CREATE TABLE mailbox (
      seq INTEGER PRIMARY KEY,
      recipient TEXT NOT NULL REFERENCES mailbox_recipients (identity_key),
      envelope_id BLOB NOT NULL,
      envelope BLOB NOT NULL,
      size INTEGER NOT NULL,
      stored_at INTEGER NOT NULL,
      expires_at INTEGER NOT NULL,
      UNIQUE (recipient, envelope_id)
    ) STRICT;
    CREATE INDEX mailbox_by_expiry ON mailbox (expires_at);
    CREATE TABLE mailbox_blobs (
      recipient TEXT NOT NULL REFERENCES mailbox_recipients (identity_key),
      hash BLOB NOT NULL CHECK (length(hash) = 32),
      data BLOB NOT NULL,
      stored_at INTEGER NOT NULL,
      expires_at INTEGER NOT NULL,
      PRIMARY KEY (recipient, hash)
    ) STRICT;
    CREATE INDEX mailbox_blobs_by_expiry ON mailbox_blobs (expires_at);
    CREATE TABLE mailbox_prekeys (
      recipient TEXT NOT NULL REFERENCES mailbox_recipients (identity_key),
      id INTEGER NOT NULL,
      public_key BLOB NOT NULL CHECK (length(public_key) = 32),
      PRIMARY KEY (recipient, id)
    ) STRICT;
    -- What each recipient holds, kept by triggers: quota checks on every deposit must not scan
    -- the mailbox.
    CREATE TABLE mailbox_usage (
      recipient TEXT PRIMARY KEY,
      messages INTEGER NOT NULL DEFAULT 0,
      bytes INTEGER NOT NULL DEFAULT 0
    ) STRICT;
    CREATE TRIGGER mailbox_usage_insert AFTER INSERT ON mailbox BEGIN
      INSERT OR IGNORE INTO mailbox_usage (recipient) VALUES (new.recipient);
      UPDATE mailbox_usage SET messages = messages + 1, bytes = bytes + new.size WHERE recipient = new.recipient;
    END;
    CREATE TRIGGER mailbox_usage_delete AFTER DELETE ON mailbox BEGIN
      UPDATE mailbox_usage SET messages = messages - 1, bytes = bytes - old.size WHERE recipient = old.recipient;
    END;
    CREATE TRIGGER mailbox_blob_usage_insert AFTER INSERT ON mailbox_blobs BEGIN
      INSERT OR IGNORE INTO mailbox_usage (recipient) VALUES (new.recipient);
      UPDATE mailbox_usage SET bytes = bytes + length(new.data) WHERE recipient = new.recipient;
    END;
    CREATE TRIGGER mailbox_blob_usage_delete AFTER DELETE ON mailbox_blobs BEGIN
      UPDATE mailbox_usage SET bytes = bytes - length(old.data) WHERE recipient = old.recipient;
    END;
    -- Totals that outlive restarts (stored, delivered, expired, ...).
    CREATE TABLE relay_counters (
      name TEXT PRIMARY KEY,
      value INTEGER NOT NULL
    ) STRICT;

    -- Groups: the signed member list, and sender keys (ours and the members').
    CREATE TABLE groups (
      id TEXT PRIMARY KEY,
      local_identity TEXT NOT NULL REFERENCES identities (id),
      state BLOB NOT NULL,
      version INTEGER NOT NULL,
      removed INTEGER NOT NULL DEFAULT 0 CHECK (removed IN (0, 1)),
      created_at INTEGER NOT NULL
    ) STRICT;
    CREATE TABLE sender_keys (
      group_id TEXT NOT NULL REFERENCES groups (id),
      sender TEXT NOT NULL,
      key_id INTEGER NOT NULL,
      sealed_state BLOB NOT NULL,
      created_at INTEGER NOT NULL,
      PRIMARY KEY (group_id, sender, key_id)
    ) STRICT;

    -- Attachments: files we sent or received, their per-file key and their chunks' hashes.
    CREATE TABLE attachments (
      id TEXT PRIMARY KEY,
      message_id TEXT,
      name TEXT NOT NULL,
      mime TEXT NOT NULL,
      size INTEGER NOT NULL,
      sha256 TEXT NOT NULL,
      sealed_key BLOB,
      chunk_size INTEGER NOT NULL,
      chunk_hashes BLOB NOT NULL,
      -- 'local' (uploaded here), 'sending', 'downloading', 'complete', 'failed'
      state TEXT NOT NULL CHECK (state IN ('local', 'ready', 'downloading', 'complete', 'failed')),
      chunks_done INTEGER NOT NULL DEFAULT 0,
      source TEXT,
      created_at INTEGER NOT NULL
    ) STRICT;
    CREATE INDEX attachments_by_message ON attachments (message_id);
  `,
};

export default migration;
