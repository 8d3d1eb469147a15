import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { createEventBus } from '../node-core/events/event-bus.ts';
import { createMessagingService } from '../node-core/messaging/messaging-service.ts';
import { toFtsQuery } from '../node-core/messaging/fts-query.ts';
import { MIGRATIONS } from '../node-core/store/migrations/index.ts';
import { createStore } from '../node-core/store/store.ts';
import { insertMessages, makeDataDir } from './data.ts';
import { fmt, measure, prng, table, textGenerator } from './lib.ts';
import { BENCH_SIZE, count, sized } from './size.ts';

/** 1,000,000 messages over 1,000 chats at full size; 20,000 over 50 in a small run. */
export const MESSAGES = sized(1_000_000, 20_000);
const CHATS = sized(1000, 50);
/** Bump when the data changes shape, so a directory built by an older builder is not reused. */
const DATA_VERSION = 2;

/**
 * A data directory with MESSAGES messages over CHATS chats (a third of them in chat "big"), made
 * through the node (a real identity and chats) and built once and reused across runs while the
 * schema and the builder are unchanged (at full size it takes a while to make).
 */
export async function bigDataDir(): Promise<string> {
  const dir = path.join(os.tmpdir(), `dchat-bench-${BENCH_SIZE}-schema${MIGRATIONS.length}-data${DATA_VERSION}`);
  const marker = path.join(dir, 'complete');
  if (fs.existsSync(marker)) return dir;
  fs.rmSync(dir, { recursive: true, force: true });
  const t0 = performance.now();
  const chatId = (c: number) => (c === 0 ? 'big' : `chat-${c}`);
  const identityId = await makeDataDir(dir, Array.from({ length: CHATS }, (_, c) => ({ chat_id: chatId(c), title: `chat ${c}` })));
  const text = textGenerator(42);
  const random = prng(7);
  insertMessages(
    dir,
    identityId,
    MESSAGES,
    (i) => {
      const c = random() < 0.33 ? 0 : 1 + Math.floor(random() * (CHATS - 1));
      return { chat_id: chatId(c), text: text.next(), at: 1_700_000_000_000 + i * 1000 };
    },
    10_000,
    (done) => {
      if (done % 200_000 === 0) process.stdout.write(`  built ${count(done)} messages\r`);
    },
  );
  fs.writeFileSync(marker, `${Math.round(performance.now() - t0)} ms\n`);
  console.log(`  built the ${count(MESSAGES)}-message database in ${((performance.now() - t0) / 1000).toFixed(1)} s: ${dir}`);
  return dir;
}

export function runQueryBench(dataDir: string): Record<string, number> {
  const store = createStore({ dataDir, logger: pino({ level: 'silent' }) });
  store.start();
  const messaging = createMessagingService({ store, events: createEventBus(() => undefined) });
  const text = textGenerator(42);
  const random = prng(99);
  const maxSeq = store.db.prepare('SELECT max(seq) FROM messages').pluck().get() as number;
  const RUNS = sized(5000, 200);
  const counted = store.repos.messages.count();
  if (counted !== MESSAGES) throw new Error(`the query database holds ${counted} messages, not ${MESSAGES}`);

  const page = messaging.list({ chat_id: 'big', limit: 50 });
  if (page.messages.length !== 50) throw new Error(`the newest page of chat "big" has ${page.messages.length} messages, not 50`);
  const newest = measure(RUNS, () => messaging.list({ chat_id: 'big', limit: 50 }));
  const smallChat = measure(RUNS, (i) => messaging.list({ chat_id: `chat-${1 + (i % (CHATS - 1))}`, limit: 50 }));
  const deepPage = measure(RUNS, () => messaging.list({ chat_id: 'big', limit: 50, before: 1 + Math.floor(random() * maxSeq) }));

  const searchRuns = sized(2000, 100);
  const common = text.word(1);
  const mid = text.word(200);
  const rare = text.word(15_000);
  const repoSearch = (q: string, chatId?: string, prefix = false) => store.repos.messages.search(toFtsQuery(q, { prefix })!, 20, { chatId });
  const ftsRare = measure(searchRuns, () => repoSearch(rare));
  const ftsMid = measure(searchRuns, () => repoSearch(mid));
  const ftsCommon = measure(searchRuns, () => repoSearch(common));
  const ftsTwoWords = measure(searchRuns, () => repoSearch(`${mid} ${common}`));
  const ftsPrefix = measure(searchRuns, () => repoSearch(mid.slice(0, 4), undefined, true));
  const ftsShortPrefix = measure(sized(200, 20), () => repoSearch(common.slice(0, 2), undefined, true));
  const ftsInChat = measure(searchRuns, () => repoSearch(mid, 'chat-7'));
  const service = measure(searchRuns, () => messaging.search({ q: mid, limit: 20, prefix: false }));
  const countLatency = measure(sized(50, 10), () => store.repos.messages.count());
  store.stop();

  const row = (query: string, l: ReturnType<typeof measure>) => ({ query, p50: fmt(l.p50), p99: fmt(l.p99), max: fmt(l.max), runs: l.runs });
  table(`Queries on ${count(MESSAGES)} messages (target p99 < 1 ms at 1,000,000)`, [
    row(`newest page, 50 msgs, chat with a third of them (messaging.list, cursors included)`, newest),
    row('newest page, 50 msgs, random small chat', smallChat),
    row('page of 50 at a random cursor in that chat', deepPage),
    row(`FTS, rare word "${rare}" (20 newest hits)`, ftsRare),
    row(`FTS, mid-frequency word "${mid}"`, ftsMid),
    row(`FTS, most common word "${common}" (in ~30% of messages)`, ftsCommon),
    row('FTS, two words (mid AND common)', ftsTwoWords),
    row(`FTS, prefix "${mid.slice(0, 4)}*" (prefix: true)`, ftsPrefix),
    row(`FTS, 2-letter prefix "${common.slice(0, 2)}*" (prefix: true; worst case)`, ftsShortPrefix),
    row('FTS, mid word within one small chat', ftsInChat),
    row('messaging.search (snippets + highlights), mid word', service),
    row('message count (store_counters, for /status and /metrics)', countLatency),
  ]);
  return {
    newest_page_p99_ms: newest.p99,
    deep_page_p99_ms: deepPage.p99,
    fts_rare_p99_ms: ftsRare.p99,
    fts_mid_p99_ms: ftsMid.p99,
    fts_common_p99_ms: ftsCommon.p99,
    fts_prefix_p99_ms: ftsPrefix.p99,
    count_p50_ms: countLatency.p50,
    messages: MESSAGES,
  };
}
