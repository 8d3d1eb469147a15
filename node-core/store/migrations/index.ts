import type { Migration } from '../migrator.ts';
import m0001 from './0001-identities-and-profiles.ts';
import m0002 from './0002-conversations-and-messages.ts';
import m0003 from './0003-message-counter.ts';
import m0004 from './0004-network-and-encryption.ts';
import m0005 from './0005-attachment-chunk-index.ts';
import m0006 from './0006-node-secret-check.ts';
import m0007 from './0007-chat-features.ts';
import m0008 from './0008-relay-deposits.ts';
import m0009 from './0009-mailbox-by-recipient.ts';
import m0010 from './0010-reactions-by-chat.ts';
import m0011 from './0011-bots.ts';
import m0012 from './0012-search-prefix-index.ts';
import m0013 from './0013-bot-webhooks.ts';
import m0014 from './0014-inline-keyboards.ts';
import m0015 from './0015-chains.ts';
import m0016 from './0016-key-changes.ts';
import m0017 from './0017-market-refs.ts';

/** Every schema change, in order. Append only: a released migration never changes. */
export const MIGRATIONS: readonly Migration[] = [m0001, m0002, m0003, m0004, m0005, m0006, m0007, m0008, m0009, m0010, m0011, m0012, m0013, m0014, m0015, m0016, m0017];
