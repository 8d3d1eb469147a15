import type { Migration } from '../migrator.ts';

const migration: Migration = {
  version: 10,
  name: 'reactions by chat',
  up: `
    -- Most chats have no reactions at all: one look at this index spares every page of messages
    -- the lookup of each message's reactions.
    CREATE INDEX message_reactions_by_chat ON message_reactions (chat_id);
  `,
};

export default migration;
