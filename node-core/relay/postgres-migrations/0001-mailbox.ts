import type { PostgresMigration } from '../../store/postgres-pool.ts';

/**
 * The relay's state on PostgreSQL, shaped like the embedded store's (store/migrations/0004):
 * recipients, their mail, attachment chunks and one-time prekeys, what each holds (kept by
 * triggers, so a quota check never scans the mailbox) and the running totals. Counters are
 * split into shards, so deposits on many connections do not all wait on one row's lock.
 */
const migration: PostgresMigration = {
  version: 1,
  name: 'relay mailbox, registrations, chunks, prekeys, usage and counters',
  up: `
    CREATE TABLE mailbox_recipients (
      identity_key TEXT PRIMARY KEY CHECK (length(identity_key) = 64),
      record BYTEA NOT NULL,
      registered_at BIGINT NOT NULL,
      last_seen_at BIGINT NOT NULL
    );
    CREATE TABLE mailbox (
      seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      recipient TEXT NOT NULL REFERENCES mailbox_recipients (identity_key),
      envelope_id BYTEA NOT NULL,
      envelope BYTEA NOT NULL,
      size INTEGER NOT NULL,
      stored_at BIGINT NOT NULL,
      expires_at BIGINT NOT NULL,
      UNIQUE (recipient, envelope_id)
    );
    CREATE INDEX mailbox_by_recipient ON mailbox (recipient, seq);
    CREATE INDEX mailbox_by_expiry ON mailbox (expires_at);
    CREATE INDEX mailbox_by_envelope ON mailbox (envelope_id);
    CREATE TABLE mailbox_blobs (
      recipient TEXT NOT NULL REFERENCES mailbox_recipients (identity_key),
      hash BYTEA NOT NULL CHECK (length(hash) = 32),
      data BYTEA NOT NULL,
      stored_at BIGINT NOT NULL,
      expires_at BIGINT NOT NULL,
      PRIMARY KEY (recipient, hash)
    );
    CREATE INDEX mailbox_blobs_by_expiry ON mailbox_blobs (expires_at);
    CREATE TABLE mailbox_prekeys (
      recipient TEXT NOT NULL REFERENCES mailbox_recipients (identity_key),
      id INTEGER NOT NULL,
      public_key BYTEA NOT NULL CHECK (length(public_key) = 32),
      PRIMARY KEY (recipient, id)
    );
    CREATE TABLE mailbox_usage (
      recipient TEXT PRIMARY KEY,
      messages BIGINT NOT NULL DEFAULT 0,
      bytes BIGINT NOT NULL DEFAULT 0
    );
    CREATE FUNCTION mailbox_usage_add(who TEXT, d_messages BIGINT, d_bytes BIGINT) RETURNS VOID LANGUAGE SQL AS $$
      INSERT INTO mailbox_usage AS u (recipient, messages, bytes) VALUES (who, d_messages, d_bytes)
      ON CONFLICT (recipient) DO UPDATE SET messages = u.messages + excluded.messages, bytes = u.bytes + excluded.bytes
    $$;
    CREATE FUNCTION mailbox_usage_track() RETURNS TRIGGER LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_TABLE_NAME = 'mailbox' THEN
        IF TG_OP = 'INSERT' THEN PERFORM mailbox_usage_add(NEW.recipient, 1, NEW.size);
        ELSE PERFORM mailbox_usage_add(OLD.recipient, -1, -OLD.size); END IF;
      ELSE
        IF TG_OP = 'INSERT' THEN PERFORM mailbox_usage_add(NEW.recipient, 0, length(NEW.data));
        ELSE PERFORM mailbox_usage_add(OLD.recipient, 0, -length(OLD.data)); END IF;
      END IF;
      RETURN NULL;
    END $$;
    CREATE TRIGGER mailbox_usage AFTER INSERT OR DELETE ON mailbox FOR EACH ROW EXECUTE FUNCTION mailbox_usage_track();
    CREATE TRIGGER mailbox_blob_usage AFTER INSERT OR DELETE ON mailbox_blobs FOR EACH ROW EXECUTE FUNCTION mailbox_usage_track();
    CREATE TABLE relay_counters (
      name TEXT NOT NULL,
      shard SMALLINT NOT NULL,
      value BIGINT NOT NULL,
      PRIMARY KEY (name, shard)
    );
  `,
};

export default migration;
