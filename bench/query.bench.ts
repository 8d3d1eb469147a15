import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { createEventBus } from '../node-core/events/event-bus.ts';
import { createMessagingService } from '../node-core/messaging/messaging-service.ts';
import { toFtsQuery } from '../node-core/messaging/fts-query.ts';
import { MIGRATIONS } from '../node-core/store/migrations/index.ts';
import { createStore } from '../node-core/store/store.ts';
import { fmt, measure, prng, table, textGenerator } from './lib.ts';

export const MILLION = 1_000_000;
const SENDER = 'cd'.repeat(32);
const CHATS = 1000;

/**
 * A data directory with 1,000,000 messages over 1,000 chats (a third of them in chat "big"),
 * built once and reused across runs while the schema is unchanged (it takes a while to make).
 */
export function millionMessageDataDir(): string {
  const dir = path.join(os.tmpdir(), `dchat-bench-1m-schema${MIGRATIONS.length}`);
  const marker = path.join(dir, 'complete');
  if (fs.existsSync(marker)) return dir;
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const store = createStore({ dataDir: dir, logger: pino({ level: 'silent' }) });
  store.start();
  const t0 = performance.now();
  store.transaction((repos) => {
    repos.identities.insert({ id: SENDER, username: 'bench', public_key: Buffer.alloc(32), sealed_secret_key: Buffer.alloc(72), key_protection: 'node-secret', kdf_params: null, is_default: true, created_at: 1 });
    for (let c = 0; c < CHATS; c++) repos.conversations.insert({ id: c === 0 ? 'big' : `chat-${c}`, kind: 'channel', title: `chat ${c}`, identity_id: SENDER, created_at: 1 });
  });
  const text = textGenerator(42);
  const random = prng(7);
  const BATCH = 10_000;
  for (let done = 0; done < MILLION; done += BATCH) {
    store.transaction((repos) => {
      for (let i = done; i < done + BATCH; i++) {
        const c = random() < 0.33 ? 0 : 1 + Math.floor(random() * (CHATS - 1));
        const chatId = c === 0 ? 'big' : `chat-${c}`;
        const at = 1_700_000_000_000 + i * 1000;
        const seq = repos.messages.insert({ id: crypto.randomUUID(), chat_id: chatId, sender: SENDER, text: text.next(), sent_at: at, received_at: at, status: 'local', envelope_hash: null });
        repos.conversations.recordMessage(chatId, seq, at, 0);
      }
    });
    if ((done + BATCH) % 200_000 === 0) process.stdout.write(`  built ${(done + BATCH).toLocaleString()} messages\r`);
  }
  store.db.pragma('wal_checkpoint(TRUNCATE)');
  store.stop();
  fs.writeFileSync(marker, `${Math.round(performance.now() - t0)} ms\n`);
  console.log(`  built the 1,000,000-message database in ${((performance.now() - t0) / 1000).toFixed(1)} s: ${dir}`);
  return dir;
}

export function runQueryBench(dataDir: string): Record<string, number> {
  const store = createStore({ dataDir, logger: pino({ level: 'silent' }) });
  store.start();
  const messaging = createMessagingService({ store, events: createEventBus(() => undefined) });
  const text = textGenerator(42);
  const random = prng(99);
  const maxSeq = store.db.prepare('SELECT max(seq) FROM messages').pluck().get() as number;
  const RUNS = 5000;

  const newest = measure(RUNS, () => messaging.list({ chat_id: 'big', limit: 50 }));
  const smallChat = measure(RUNS, (i) => messaging.list({ chat_id: `chat-${1 + (i % (CHATS - 1))}`, limit: 50 }));
  const deepPage = measure(RUNS, () => messaging.list({ chat_id: 'big', limit: 50, before: 1 + Math.floor(random() * maxSeq) }));

  const searchRuns = 2000;
  const common = text.word(1);
  const mid = text.word(200);
  const rare = text.word(15_000);
  const repoSearch = (q: string, chatId?: string, prefix = false) => store.repos.messages.search(toFtsQuery(q, { prefix })!, 20, { chatId });
  const ftsRare = measure(searchRuns, () => repoSearch(rare));
  const ftsMid = measure(searchRuns, () => repoSearch(mid));
  const ftsCommon = measure(searchRuns, () => repoSearch(common));
  const ftsTwoWords = measure(searchRuns, () => repoSearch(`${mid} ${common}`));
  const ftsPrefix = measure(searchRuns, () => repoSearch(mid.slice(0, 4), undefined, true));
  const ftsShortPrefix = measure(200, () => repoSearch(common.slice(0, 2), undefined, true));
  const ftsInChat = measure(searchRuns, () => repoSearch(mid, 'chat-7'));
  const service = measure(searchRuns, () => messaging.search({ q: mid, limit: 20, prefix: false }));
  const count = measure(50, () => store.repos.messages.count());
  store.stop();

  const row = (query: string, l: ReturnType<typeof measure>) => ({ query, p50: fmt(l.p50), p99: fmt(l.p99), max: fmt(l.max), runs: l.runs });
  table('Queries on 1,000,000 messages (target p99 < 1 ms)', [
    row('newest page, 50 msgs, chat with 330k msgs (messaging.list, cursors included)', newest),
    row('newest page, 50 msgs, random small chat', smallChat),
    row('page of 50 at a random cursor in the 330k chat', deepPage),
    row(`FTS, rare word "${rare}" (20 newest hits)`, ftsRare),
    row(`FTS, mid-frequency word "${mid}"`, ftsMid),
    row(`FTS, most common word "${common}" (in ~30% of messages)`, ftsCommon),
    row('FTS, two words (mid AND common)', ftsTwoWords),
    row(`FTS, prefix "${mid.slice(0, 4)}*" (prefix: true)`, ftsPrefix),
    row(`FTS, 2-letter prefix "${common.slice(0, 2)}*" (prefix: true; worst case)`, ftsShortPrefix),
    row('FTS, mid word within one small chat', ftsInChat),
    row('messaging.search (snippets + highlights), mid word', service),
    row('message count (store_counters, for /status and /metrics)', count),
  ]);
  return {
    newest_page_p99_ms: newest.p99,
    deep_page_p99_ms: deepPage.p99,
    fts_rare_p99_ms: ftsRare.p99,
    fts_mid_p99_ms: ftsMid.p99,
    fts_common_p99_ms: ftsCommon.p99,
    fts_prefix_p99_ms: ftsPrefix.p99,
    count_p50_ms: count.p50,
  };
}
