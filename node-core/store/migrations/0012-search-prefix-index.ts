import type { Migration } from '../migrator.ts';

const migration: Migration = {
  version: 12,
  name: 'search prefix index and chat column',
  up: `
    -- Search as you type asks for prefixes ("po*"): without a prefix index FTS5 merges the hit
    -- lists of every indexed word that starts so (126 ms p99 for two letters over 1,000,000
    -- messages). With 2- and 3-letter prefixes indexed, a short prefix is one list.
    -- Search within one chat filtered the hits of the whole index by chat afterwards (3.6 ms p99
    -- in a small chat); with the chat id indexed as a column of its own, FTS5 intersects the
    -- word's hits with the chat's, led by the shorter list. People's words match the text
    -- column only (messages.ts qualifies every query).
    DROP TRIGGER messages_fts_insert;
    DROP TRIGGER messages_fts_delete;
    DROP TRIGGER messages_fts_update;
    DROP TABLE messages_fts;
    CREATE VIRTUAL TABLE messages_fts USING fts5 (
      text,
      chat_id,
      content = 'messages',
      content_rowid = 'seq',
      tokenize = 'unicode61 remove_diacritics 2',
      prefix = '2 3'
    );
    CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
      INSERT INTO messages_fts (rowid, text, chat_id) VALUES (new.seq, new.text, new.chat_id);
    END;
    CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
      INSERT INTO messages_fts (messages_fts, rowid, text, chat_id) VALUES ('delete', old.seq, old.text, old.chat_id);
    END;
    CREATE TRIGGER messages_fts_update AFTER UPDATE OF text ON messages BEGIN
      INSERT INTO messages_fts (messages_fts, rowid, text, chat_id) VALUES ('delete', old.seq, old.text, old.chat_id);
      INSERT INTO messages_fts (rowid, text, chat_id) VALUES (new.seq, new.text, new.chat_id);
    END;
    INSERT INTO messages_fts (messages_fts) VALUES ('rebuild');
  `,
};

export default migration;
