import fs from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import { createEventBus } from '../node-core/events/event-bus.ts';
import { createMessagingService } from '../node-core/messaging/messaging-service.ts';
import { createStore } from '../node-core/store/store.ts';
import type { NewMessage } from '../node-core/store/repositories/messages.ts';
import { openDatabase } from '../node-core/store/open-database.ts';
import { makeDataDir } from './data.ts';
import { fmt, rate, table, textGenerator } from './lib.ts';
import { count, sized } from './size.ts';
import { tempDir } from './tmp.ts';

/**
 * A data directory with the identity and the chat "bench", made once by the node itself (see
 * data.ts) and copied for each case, so every case starts from the same real data.
 */
async function templateDir(): Promise<{ dir: string; sender: string }> {
  const dir = tempDir('store-template');
  const sender = await makeDataDir(dir, [{ chat_id: 'bench', title: 'bench' }]);
  return { dir, sender };
}
function copyOf(template: string, label: string): string {
  const dir = tempDir(label);
  fs.cpSync(template, dir, { recursive: true });
  return dir;
}

function rows(count: number, seed: number, sender: string): NewMessage[] {
  const text = textGenerator(seed);
  return Array.from({ length: count }, (_, i) => ({
    id: crypto.randomUUID(),
    chat_id: 'bench',
    sender,
    text: text.next(),
    sent_at: 1_700_000_000_000 + i,
    received_at: 1_700_000_000_000 + i,
    status: 'local' as const,
    envelope_hash: null,
  }));
}

/** Throws unless exactly `expected` messages are stored: a figure from a run that lost writes is no figure. */
function expectStored(what: string, stored: number, expected: number): void {
  if (stored !== expected) throw new Error(`${what}: ${expected} messages written but ${stored} stored`);
}

export async function runStoreBench(): Promise<Record<string, number>> {
  const logger = pino({ level: 'silent' });
  const N = sized(100_000, 5_000);
  const BATCH = 1000;
  const template = await templateDir();
  const data = rows(N, 1, template.sender);

  // Raw better-sqlite3: the same schema (FTS triggers included), the same rows, prepared once.
  const rawDb = openDatabase(path.join(copyOf(template.dir, 'raw'), 'dchat.db'));
  const rawCount = rawDb.prepare('SELECT count(*) FROM messages').pluck();
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
  expectStored('raw batched', rawCount.get() as number, N);

  // The store layer: the same rows through the typed repository, in the same batch size.
  const store = createStore({ dataDir: copyOf(template.dir, 'store'), logger });
  store.start();
  t0 = performance.now();
  for (let i = 0; i < N; i += BATCH) {
    const batch = data.slice(i, i + BATCH);
    store.transaction((repos) => {
      for (const row of batch) repos.messages.insert(row);
    });
  }
  const storeMs = performance.now() - t0;
  expectStored('store batched', store.repos.messages.count(), N);

  // The whole send path (messaging service, conversation summary, event), 1000 sends in flight,
  // group-committed by the write queue.
  const events = createEventBus(() => undefined);
  const sendStore = createStore({ dataDir: copyOf(template.dir, 'send'), logger });
  sendStore.start();
  const messaging = createMessagingService({ store: sendStore, events });
  const sendData = rows(N, 2, template.sender);
  t0 = performance.now();
  for (let i = 0; i < N; i += BATCH) {
    await Promise.all(sendData.slice(i, i + BATCH).map((m) => messaging.send({ chat_id: 'bench', text: m.text, attachments: [] })));
  }
  const sendMs = performance.now() - t0;
  expectStored('messaging.send, group commit', sendStore.repos.messages.count(), N);

  // One durable commit per message (synchronous=FULL fsyncs each): raw autocommit vs awaited sends.
  const SINGLE = sized(2000, 200);
  const singles = rows(SINGLE, 3, template.sender);
  t0 = performance.now();
  for (const row of singles) rawInsert.run(row);
  const rawSingleMs = performance.now() - t0;
  expectStored('raw autocommit', rawCount.get() as number, N + SINGLE);
  t0 = performance.now();
  for (const row of singles) await messaging.send({ chat_id: 'bench', text: row.text, attachments: [] });
  const sendSingleMs = performance.now() - t0;
  expectStored('messaging.send one by one', sendStore.repos.messages.count(), N + SINGLE);

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
  table(`Message inserts (${count(N)} messages, FTS5 on, synchronous=FULL, batches of ${BATCH})`, [
    { path: 'raw better-sqlite3, batched', 'msg/s': figures.raw_batched_per_s, 'time / msg': fmt(rawMs / N), 'vs raw': '1.00×' },
    { path: 'store repository, batched', 'msg/s': figures.store_batched_per_s, 'time / msg': fmt(storeMs / N), 'vs raw': `${(storeMs / rawMs).toFixed(2)}×` },
    { path: 'messaging.send, 1000 in flight (group commit)', 'msg/s': figures.send_group_commit_per_s, 'time / msg': fmt(sendMs / N), 'vs raw': `${(sendMs / rawMs).toFixed(2)}×` },
    { path: `raw autocommit, one fsync each (${SINGLE})`, 'msg/s': figures.raw_autocommit_per_s, 'time / msg': fmt(rawSingleMs / SINGLE), 'vs raw': '—' },
    { path: `messaging.send awaited one by one (${SINGLE})`, 'msg/s': figures.send_one_at_a_time_per_s, 'time / msg': fmt(sendSingleMs / SINGLE), 'vs raw': `${(sendSingleMs / rawSingleMs).toFixed(2)}× autocommit` },
  ]);
  return figures;
}
