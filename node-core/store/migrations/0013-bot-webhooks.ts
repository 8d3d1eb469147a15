import type { Migration } from '../migrator.ts';

const migration: Migration = {
  version: 13,
  name: 'bot-webhooks',
  up: `
    -- A bot's webhook (setWebhook). url is NULL while the bot long-polls (deleteWebhook keeps the
    -- row, so the signing secret the operator was shown survives a delete and a new setWebhook).
    -- signing_secret is the Standard Webhooks key ("whsec_..."): it never leaves the node except
    -- in the answer of POST /api/bots/:id/webhook-secret, which makes a new one.
    CREATE TABLE bot_webhooks (
      bot_id INTEGER PRIMARY KEY REFERENCES bots (bot_id) ON DELETE CASCADE,
      url TEXT,
      secret_token TEXT,
      max_connections INTEGER NOT NULL DEFAULT 40,
      signing_secret TEXT NOT NULL,
      last_error_at INTEGER,
      last_error_message TEXT
    ) STRICT;
  `,
};

export default migration;
