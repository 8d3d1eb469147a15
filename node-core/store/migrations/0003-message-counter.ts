import type { Migration } from '../migrator.ts';

const migration: Migration = {
  version: 3,
  name: 'message counter',
  up: `
    -- count(*) over a million messages takes ~10 ms, too slow for every /status and /metrics call.
    -- Triggers keep an exact count inside the same transactions as the rows themselves.
    CREATE TABLE store_counters (
      name TEXT PRIMARY KEY,
      value INTEGER NOT NULL CHECK (value >= 0)
    ) STRICT;
    INSERT INTO store_counters (name, value) VALUES ('messages', (SELECT count(*) FROM messages));
    CREATE TRIGGER store_counters_message_insert AFTER INSERT ON messages BEGIN
      UPDATE store_counters SET value = value + 1 WHERE name = 'messages';
    END;
    CREATE TRIGGER store_counters_message_delete AFTER DELETE ON messages BEGIN
      UPDATE store_counters SET value = value - 1 WHERE name = 'messages';
    END;
  `,
};

export default migration;
