import type { Migration } from '../migrator.ts';

const migration: Migration = {
  version: 14,
  name: 'inline keyboards',
  up: `
    -- A message's buttons, by message id: a keyboard may arrive before its message, so it is not
    -- a column of messages; sender is who set it (only a message's author may).
    CREATE TABLE message_keyboards (
      message_id TEXT PRIMARY KEY,
      chat_id TEXT NOT NULL,
      sender TEXT NOT NULL,
      rows TEXT NOT NULL,
      at INTEGER NOT NULL
    ) STRICT;
    CREATE INDEX message_keyboards_by_chat ON message_keyboards (chat_id);
    -- Button presses: 'out' ones we made (an answer must name one), 'in' ones we received (we
    -- answer each once). Answered or not, they go after a day.
    CREATE TABLE button_presses (
      query_id TEXT PRIMARY KEY,
      direction TEXT NOT NULL CHECK (direction IN ('in', 'out')),
      local_identity TEXT NOT NULL,
      peer TEXT NOT NULL,
      chat_id TEXT NOT NULL,
      message_id TEXT NOT NULL,
      created_at INTEGER NOT NULL,
      answered_at INTEGER
    ) STRICT;
    CREATE INDEX button_presses_by_age ON button_presses (created_at);
    -- A bot's command list ('cmds') for the "/" menu of its chat; NULL: not a bot's chat.
    ALTER TABLE conversations ADD COLUMN bot_commands TEXT;
  `,
};

export default migration;
