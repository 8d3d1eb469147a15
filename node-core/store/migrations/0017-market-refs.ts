import type { Migration } from '../migrator.ts';

const migration: Migration = {
  version: 17,
  name: 'marketplace references in messages',
  up: `
    -- What a message says about the marketplace (domain/model.ts MarketRef): a shared listing, a
    -- buyer's order notice, a seller's delivery, a dispute's group chat opened. It goes with its message.
    CREATE TABLE message_market (
      message_id TEXT PRIMARY KEY REFERENCES messages (id) ON DELETE CASCADE,
      chat_id TEXT NOT NULL,
      kind TEXT NOT NULL CHECK (kind IN ('listing', 'order', 'delivery', 'dispute')),
      listing_id TEXT NOT NULL CHECK (length(listing_id) = 64),
      order_id TEXT CHECK (order_id IS NULL OR length(order_id) = 64)
    ) STRICT;
    CREATE INDEX message_market_by_chat ON message_market (chat_id);
    -- Orders to deliver and purchases to list are found by kind and order.
    CREATE INDEX message_market_by_order ON message_market (kind, order_id);
  `,
};

export default migration;
