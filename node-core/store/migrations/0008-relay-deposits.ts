import type { Migration } from '../migrator.ts';

const migration: Migration = {
  version: 8,
  name: 'which relays hold which of our envelopes',
  up: `
    -- Envelopes of our messages that a recipient's relay took, so a delete for everyone can ask
    -- that relay to drop the ones it still holds. Forgotten after the relays' TTL.
    CREATE TABLE relay_deposits (
      message_id TEXT NOT NULL,
      local_identity TEXT NOT NULL CHECK (length(local_identity) = 64),
      relay TEXT NOT NULL,
      relay_addresses TEXT NOT NULL DEFAULT '[]',
      envelope_id BLOB NOT NULL CHECK (length(envelope_id) = 16),
      at INTEGER NOT NULL,
      PRIMARY KEY (message_id, relay, envelope_id)
    ) STRICT;
    CREATE INDEX relay_deposits_by_time ON relay_deposits (at);
  `,
};

export default migration;
