/**
 * Benchmark data made through the product's own code: a real node (createNode, as the dchat
 * command runs it, with networking off) creates the identity — keys generated and sealed under
 * the node secret, a signed profile — and the chats over its API, so a data directory made here
 * starts like any user's. Only the bulk of messages is written straight through the store's
 * repositories (the node's own insert and conversation bookkeeping), in large transactions.
 */
import fs from 'node:fs';
import pino from 'pino';
import { loadConfig } from '../node-core/config/load.ts';
import { createNode } from '../node-core/node.ts';
import { createStore } from '../node-core/store/store.ts';

export interface BenchChat {
  readonly chat_id: string;
  readonly title: string;
}

/** Creates a data directory with one identity ("bench") and the given chats; returns the identity's id. */
export async function makeDataDir(dataDir: string, chats: readonly BenchChat[]): Promise<string> {
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const loaded = loadConfig({ env: { DCHAT_DATA_DIR: dataDir, DCHAT_P2P_ENABLED: 'false', DCHAT_LOG_LEVEL: 'silent' } });
  const node = createNode({ loaded, logger: pino({ level: 'silent' }), version: 'bench', http: false });
  await node.start();
  try {
    const identity = await node.api.call('identities.create', { username: 'bench', display_name: 'Bench' });
    for (const chat of chats) await node.api.call('chats.create', { chat_id: chat.chat_id, title: chat.title, kind: 'channel' });
    return identity.id;
  } finally {
    await node.stop();
  }
}

export interface BulkMessage {
  readonly chat_id: string;
  readonly text: string;
  readonly at: number;
}

/**
 * Appends messages from `identityId` in transactions of `batch`, through the store's message
 * repository and conversation bookkeeping (sequence numbers, FTS, counters, last activity), then
 * checks that every one is there. The node must not be running on the directory.
 */
export function insertMessages(dataDir: string, identityId: string, total: number, next: (i: number) => BulkMessage, batch = 10_000, onProgress?: (done: number) => void): void {
  const store = createStore({ dataDir, logger: pino({ level: 'silent' }) });
  store.start();
  try {
    const before = store.repos.messages.count();
    for (let done = 0; done < total; done += batch) {
      store.transaction((repos) => {
        for (let i = done; i < Math.min(total, done + batch); i++) {
          const m = next(i);
          const seq = repos.messages.insert({ id: crypto.randomUUID(), chat_id: m.chat_id, sender: identityId, text: m.text, sent_at: m.at, received_at: m.at, status: 'local', envelope_hash: null });
          repos.conversations.recordMessage(m.chat_id, seq, m.at, 0);
        }
      });
      onProgress?.(Math.min(total, done + batch));
    }
    const after = store.repos.messages.count();
    if (after - before !== total) throw new Error(`bench data: ${total} messages inserted but the store counts ${after - before}`);
    store.db.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    store.stop();
  }
}
