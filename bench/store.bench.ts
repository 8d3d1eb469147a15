import path from 'node:path';
import pino from 'pino';
import { createEventBus } from '../node-core/events/event-bus.ts';
import { createMessagingService } from '../node-core/messaging/messaging-service.ts';
import { createStore, type Store } from '../node-core/store/store.ts';
import type { NewMessage } from '../node-core/store/repositories/messages.ts';
import { openDatabase } from '../node-core/store/open-database.ts';
import { MIGRATIONS } from '../node-core/store/migrations/index.ts';
import { migrate } from '../node-core/store/migrator.ts';
import { fmt, rate, table, textGenerator } from './lib.ts';
import { tempDir } from './tmp.ts';

const SENDER = 'ab'.repeat(32);

function seedChat(store: Store): void {
  store.transaction((repos) => {
    repos.identities.insert({
      id: SENDER,
      username: 'bench',
      public_key: Buffer.alloc(32),
      sealed_secret_key: Buffer.alloc(72),
      key_protection: 'node-secret',
      kdf_params: null,
      is_default: true,
      created_at: 1,
    });
    repos.conversations.insert({ id: 'bench', kind: 'channel', title: 'bench', identity_id: SENDER, created_at: 1 });
  });
}

function rows(count: number, seed: number): NewMessage[] {
  const text = textGenerator(seed);
  return Array.from({ length: count }, (_, i) => ({
    id: crypto.randomUUID(),
    chat_id: 'bench',
    sender: SENDER,
    text: text.next(),
    sent_at: 1_700_000_000_000 + i,
    received_at: 1_700_000_000_000 + i,
    status: 'local' as const,
    envelope_hash: null,
  }));
}

export async function runStoreBench(): Promise<Record<string, number>> {
  const logger = pino({ level: 'silent' });
  const N = 100_000;
  const BATCH = 1000;
  const data = rows(N, 1);

  // Raw better-sqlite3: the same schema (FTS triggers included), the same rows, prepared once.
  const rawDir = tempDir('raw');
  const rawDb = openDatabase(path.join(rawDir, 'dchat.db'));
  migrate(rawDb, 'raw', MIGRATIONS);
  rawDb.prepare(`INSERT INTO identities VALUES (?, 'bench', zeroblob(32), zeroblob(72), 'node-secret', NULL, 1, 1)`).run(SENDER);
  rawDb.prepare(`INSERT INTO conversations (id, kind, title, identity_id, created_at, activity_at) VALUES ('bench', 'channel', 'bench', ?, 1, 1)`).run(SENDER);
  const rawInsert = rawDb.prepare(
    `INSERT INTO messages (id, chat_id, sender, text, sent_at, received_at, status, envelope_hash)
     VALUES (@id, @chat_id, @sender, @text, @sent_at, @received_at, @status, @envelope_hash)`,
  );
  const rawBatch = rawDb.transaction((batch: NewMessage[]) => {
    for (const row of batch) rawInsert.run(row);
  });
  let t0 = performance.now();
  for (let i = 0; i < N; i += BATCH) rawBatch.immediate(data.slice(i, i + BATCH));
  const rawMs = performance.now() - t0;

  // The store layer: the same rows through the typed repository, in the same batch size.
  const store = createStore({ dataDir: tempDir('store'), logger });
  store.start();
  seedChat(store);
  t0 = performance.now();
  for (let i = 0; i < N; i += BATCH) {
    const batch = data.slice(i, i + BATCH);
    store.transaction((repos) => {
      for (const row of batch) repos.messages.insert(row);
    });
  }
  const storeMs = performance.now() - t0;

  // The whole send path (messaging service, conversation summary, event), 1000 sends in flight,
  // group-committed by the write queue.
  const events = createEventBus(() => undefined);
  const sendStore = createStore({ dataDir: tempDir('send'), logger });
  sendStore.start();
  seedChat(sendStore);
  const messaging = createMessagingService({ store: sendStore, events });
  const sendData = rows(N, 2);
  t0 = performance.now();
  for (let i = 0; i < N; i += BATCH) {
    await Promise.all(sendData.slice(i, i + BATCH).map((m) => messaging.send({ chat_id: 'bench', text: m.text, attachments: [] })));
  }
  const sendMs = performance.now() - t0;

  // One durable commit per message (synchronous=FULL fsyncs each): raw autocommit vs awaited sends.
  const SINGLE = 2000;
  const singles = rows(SINGLE, 3);
  t0 = performance.now();
  for (const row of singles) rawInsert.run(row);
  const rawSingleMs = performance.now() - t0;
  t0 = performance.now();
  for (const row of singles) await messaging.send({ chat_id: 'bench', text: row.text, attachments: [] });
  const sendSingleMs = performance.now() - t0;

  rawDb.close();
  store.stop();
  sendStore.stop();

  const figures = {
    raw_batched_per_s: rate(N, rawMs),
    store_batched_per_s: rate(N, storeMs),
    send_group_commit_per_s: rate(N, sendMs),
    raw_autocommit_per_s: rate(SINGLE, rawSingleMs),
    send_one_at_a_time_per_s: rate(SINGLE, sendSingleMs),
  };
  table(`Message inserts (${N.toLocaleString()} messages, FTS5 on, synchronous=FULL, batches of ${BATCH})`, [
    { path: 'raw better-sqlite3, batched', 'msg/s': figures.raw_batched_per_s, 'time / msg': fmt(rawMs / N), 'vs raw': '1.00×' },
    { path: 'store repository, batched', 'msg/s': figures.store_batched_per_s, 'time / msg': fmt(storeMs / N), 'vs raw': `${(storeMs / rawMs).toFixed(2)}×` },
    { path: 'messaging.send, 1000 in flight (group commit)', 'msg/s': figures.send_group_commit_per_s, 'time / msg': fmt(sendMs / N), 'vs raw': `${(sendMs / rawMs).toFixed(2)}×` },
    { path: `raw autocommit, one fsync each (${SINGLE})`, 'msg/s': figures.raw_autocommit_per_s, 'time / msg': fmt(rawSingleMs / SINGLE), 'vs raw': '—' },
    { path: `messaging.send awaited one by one (${SINGLE})`, 'msg/s': figures.send_one_at_a_time_per_s, 'time / msg': fmt(sendSingleMs / SINGLE), 'vs raw': `${(sendSingleMs / rawSingleMs).toFixed(2)}× autocommit` },
  ]);
  return figures;
}
