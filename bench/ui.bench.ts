import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { chromium, type Page } from '@playwright/test';
import { json } from '../node-core/test/helpers/p2p-net.ts';
import { startNode, type RunningNode } from '../node-core/test/helpers/spawn-node.ts';
import { CHROMIUM, CHROMIUM_ARGS, HAVE_CHROMIUM } from '../e2e/playwright.config.ts';
import { fmt, percentile, table, textGenerator } from './lib.ts';
import { count as n, sized } from './size.ts';

/**
 * The renderer in headless Chromium against a real headless node: time from navigation to an
 * interactive list of 1,000 conversations, scrolling a 100,000-message conversation, the
 * bundle's size, and the page's memory with all 100,000 messages loaded.
 */

const ROOT = path.resolve(import.meta.dirname, '..');
const CONVERSATIONS = sized(1000, 50);
const MESSAGES = sized(100_000, 2_000);
const NAV_RUNS = sized(5, 2);
/** The longest any one phase may take before the run is abandoned (it then throws, printing nothing). */
const PHASE_DEADLINE_MS = sized(600_000, 60_000);

const post = (node: RunningNode, url: string, body: unknown) => json(node.api(url, { json: body }));

/** Runs `count` requests, `concurrency` at a time. */
async function pool(count: number, concurrency: number, run: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) await run(next++);
    }),
  );
}

function bundleSizes(): { initialJs: number; initialJsGzip: number; totalJs: number; totalGzip: number; css: number; files: number } {
  const dir = path.join(ROOT, 'dist', 'renderer');
  const html = fs.readFileSync(path.join(dir, 'index.html'), 'utf8');
  const initial = [...html.matchAll(/<script[^>]+src="\/?([^"]+\.js)"/g)].map((m) => m[1]!);
  const assets = fs.readdirSync(path.join(dir, 'assets'));
  const size = (file: string) => fs.statSync(path.join(dir, file)).size;
  const gzip = (file: string) => zlib.gzipSync(fs.readFileSync(path.join(dir, file)), { level: 9 }).byteLength;
  const js = assets.filter((f) => f.endsWith('.js')).map((f) => `assets/${f}`);
  return {
    initialJs: initial.reduce((s, f) => s + size(f), 0),
    initialJsGzip: initial.reduce((s, f) => s + gzip(f), 0),
    totalJs: js.reduce((s, f) => s + size(f), 0),
    totalGzip: js.reduce((s, f) => s + gzip(f), 0),
    css: assets.filter((f) => f.endsWith('.css')).reduce((s, f) => s + size(`assets/${f}`), 0),
    files: assets.length,
  };
}

interface TraceEvent {
  readonly name: string;
  readonly ph: string;
  readonly ts: number;
  readonly dur?: number;
  readonly pid: number;
  readonly tid: number;
  readonly args?: { name?: string };
}

/**
 * Main-thread time of each frame: the page marks every animation frame (performance.mark), and
 * the trace's top-level tasks on the renderer's main thread are summed between two marks. That is
 * script, style, layout, paint and the virtualizer's measurements alike, wherever they happen.
 */
function frameTimes(trace: { traceEvents: TraceEvent[] }, markName: string): number[] {
  const events = trace.traceEvents;
  const marks = events.filter((e) => e.name === markName && (e.ph === 'R' || e.ph === 'I' || e.ph === 'n' || e.ph === 'b')).sort((a, b) => a.ts - b.ts);
  if (marks.length < 2) throw new Error(`the trace has ${marks.length} frame marks`);
  const { pid, tid } = marks[0]!;
  const tasks = events.filter((e) => e.pid === pid && e.tid === tid && e.ph === 'X' && (e.name === 'RunTask' || e.name === 'ThreadControllerImpl::RunTask') && e.dur !== undefined).sort((a, b) => a.ts - b.ts);
  const times: number[] = [];
  for (let i = 0; i + 1 < marks.length; i++) {
    const from = marks[i]!.ts;
    const to = marks[i + 1]!.ts;
    let busy = 0;
    for (const task of tasks) {
      if (task.ts >= to) break;
      const end = task.ts + task.dur!;
      if (end <= from) continue;
      busy += Math.min(end, to) - Math.max(task.ts, from);
    }
    times.push(busy / 1000);
  }
  return times;
}

/** Scrolls the message list one step per animation frame; returns each frame's main-thread time and the frame intervals. */
async function scrollFrames(page: Page, mode: 'flick' | 'jump', frames: number): Promise<{ busy: number[]; intervals: number[] }> {
  const markName = `frame-${mode}`;
  await page.context().browser()!.startTracing(page, { categories: ['toplevel', 'devtools.timeline', 'blink.user_timing'] });
  const intervals = await page.evaluate(
    ([mode, frames, markName]) =>
      new Promise<number[]>((resolve) => {
        const el = document.querySelector<HTMLElement>('.message-scroller')!;
        const intervals: number[] = [];
        let last = 0;
        let i = 0;
        let seed = 7;
        const random = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
        const step = (timestamp: number) => {
          performance.mark(markName);
          if (last) intervals.push(timestamp - last);
          last = timestamp;
          // flick: a fast swipe upwards, ~1.5 screens a frame; jump: anywhere in the 100,000
          // (like dragging the scrollbar thumb through the whole history).
          el.scrollTop = mode === 'flick' ? Math.max(0, el.scrollTop - 1200) : random() * (el.scrollHeight - el.clientHeight);
          if (++i <= frames) requestAnimationFrame(step);
          else resolve(intervals);
        };
        requestAnimationFrame(step);
      }),
    [mode, frames, markName] as const,
  );
  const trace = JSON.parse((await page.context().browser()!.stopTracing()).toString('utf8')) as { traceEvents: TraceEvent[] };
  return { busy: frameTimes(trace, markName), intervals };
}

export async function runUiBench(): Promise<Record<string, number>> {
  if (!HAVE_CHROMIUM) {
    console.log(`\nui: skipped, no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`);
    return {};
  }
  const built = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'ensure-ui.js')], { stdio: 'inherit' });
  if (built.status !== 0) throw new Error('building the UI failed');
  const bundle = bundleSizes();

  const node = await startNode({ env: { DCHAT_RATE_LIMIT_ENABLED: 'false', DCHAT_LOG_LEVEL: 'info' }, timeoutMs: 60_000 });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  try {
    // Data: an identity, 999 small conversations with a message each, one with 100,000 messages.
    const seedStarted = performance.now();
    await post(node, '/api/identities', { username: 'bench', display_name: 'Bench' });
    const text = textGenerator(11);
    await pool(CONVERSATIONS - 1, 16, async (i) => {
      await post(node, '/api/chats', { chat_id: `c${i}`, title: `Conversation ${i + 1}` });
      await post(node, '/api/messages/send', { chat_id: `c${i}`, text: text.next() });
    });
    await post(node, '/api/chats', { chat_id: 'big', title: 'The long one' });
    await pool(MESSAGES, 32, () => post(node, '/api/messages/send', { chat_id: 'big', text: text.next() }));
    const seedMs = performance.now() - seedStarted;
    const status = await json<{ store: { messages: number; conversations: number } }>(node.api('/status'));
    if (status.store.messages !== MESSAGES + CONVERSATIONS - 1) throw new Error(`ui: seeded ${MESSAGES + CONVERSATIONS - 1} messages but the node stores ${status.store.messages}`);

    // Navigation → interactive list: the list of 1,000 is on screen and a click on it is handled.
    const listShown: number[] = [];
    const interactive: number[] = [];
    const link = `${node.url}/?token=${encodeURIComponent(node.token)}`;
    for (let run = 0; run < NAV_RUNS + 1; run++) {
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      const page = await context.newPage();
      await page.goto(link, { waitUntil: 'commit' });
      const shown = await page.waitForFunction((n) => document.querySelectorAll('.chat-item').length >= n && performance.now(), CONVERSATIONS, { polling: 'raf', timeout: 60_000 });
      const shownAt = (await shown.jsonValue()) as number;
      const middle = Math.floor(CONVERSATIONS / 2);
      await page.locator(`[data-chat-id="c${middle}"]`).click();
      const handled = await page.waitForFunction((title) => document.querySelector('.conversation-header h1')?.textContent === title && performance.now(), `Conversation ${middle + 1}`, { polling: 'raf' });
      const handledAt = (await handled.jsonValue()) as number;
      // The first run warms the node's caches and Chromium's; it is not counted.
      if (run > 0) {
        listShown.push(shownAt);
        interactive.push(handledAt);
      }
      await context.close();
    }
    listShown.sort((a, b) => a - b);
    interactive.sort((a, b) => a - b);

    // The 100,000-message conversation: open it, scroll back to the first message.
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send('Performance.enable');
    await page.goto(link);
    await page.locator('[data-chat-id="big"]').click();
    await page.locator('.message-row').first().waitFor();
    const loadStarted = performance.now();
    const loaded = async () => Number(await page.locator('.message-row').first().getAttribute('aria-setsize'));
    let count = await loaded();
    const loadDeadline = Date.now() + PHASE_DEADLINE_MS;
    while (count < MESSAGES) {
      if (Date.now() > loadDeadline) throw new Error(`ui: paged back to ${count} of ${MESSAGES} messages in ${PHASE_DEADLINE_MS / 1000} s`);
      await page.evaluate(() => {
        const el = document.querySelector<HTMLElement>('.message-scroller')!;
        el.scrollTop = 0;
        el.dispatchEvent(new Event('scroll'));
      });
      await page.waitForFunction((before) => Number(document.querySelector('.message-row')?.getAttribute('aria-setsize')) > before, count, { polling: 'raf', timeout: 30_000 });
      count = await loaded();
    }
    const loadAllMs = performance.now() - loadStarted;
    if (count !== MESSAGES) throw new Error(`ui: the conversation shows ${count} messages, not ${MESSAGES}`);
    // Start the scrolling measurement from the newest message.
    await page.evaluate(() => {
      const el = document.querySelector<HTMLElement>('.message-scroller')!;
      el.scrollTop = el.scrollHeight;
    });
    await page.waitForTimeout(300);
    const FLICK_FRAMES = sized(300, 60);
    const JUMP_FRAMES = sized(120, 30);
    const flick = await scrollFrames(page, 'flick', FLICK_FRAMES);
    const jump = await scrollFrames(page, 'jump', JUMP_FRAMES);
    if (flick.busy.length < FLICK_FRAMES || jump.busy.length < JUMP_FRAMES) throw new Error(`ui: the trace holds ${flick.busy.length} + ${jump.busy.length} frames for ${FLICK_FRAMES} + ${JUMP_FRAMES} scrolled`);
    await cdp.send('HeapProfiler.collectGarbage');
    const metrics = Object.fromEntries((await cdp.send('Performance.getMetrics')).metrics.map((m) => [m.name, m.value]));
    const domRows = await page.locator('.message-row').count();
    await context.close();

    const stats = (values: number[]) => {
      const sorted = [...values].sort((a, b) => a - b);
      return { p50: percentile(sorted, 50), p95: percentile(sorted, 95), max: sorted[sorted.length - 1] ?? Number.NaN };
    };
    const dropped = (intervals: number[]) => intervals.filter((d) => d > 1000 / 60 + 8).length;
    const flickWork = stats(flick.busy);
    const jumpWork = stats(jump.busy);
    const flickFrames = stats(flick.intervals);
    const jumpFrames = stats(jump.intervals);
    const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
    const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;

    console.log(`\nui: seeded ${CONVERSATIONS} conversations and ${n(MESSAGES)} messages through the HTTP API in ${(seedMs / 1000).toFixed(1)} s`);
    table(`Navigation to an interactive conversation list, ${n(CONVERSATIONS)} conversations (target < 1.5 s at 1,000)`, [
      { figure: `list of ${n(CONVERSATIONS)} on screen (ms after navigation start)`, p50: fmt(percentile(listShown, 50)), worst: fmt(listShown[listShown.length - 1]!), runs: listShown.length },
      { figure: 'a click on the list handled (interactive)', p50: fmt(percentile(interactive, 50)), worst: fmt(interactive[interactive.length - 1]!), runs: interactive.length },
    ]);
    table(`Scrolling the ${n(MESSAGES)}-message conversation (target: frame time p95 < 16 ms)`, [
      { scroll: `flick upwards, ${FLICK_FRAMES} frames`, 'frame time p50': fmt(flickWork.p50), 'frame time p95': fmt(flickWork.p95), 'frame time max': fmt(flickWork.max), 'frame interval p95': fmt(flickFrames.p95), 'dropped frames': dropped(flick.intervals) },
      { scroll: `jump anywhere, ${JUMP_FRAMES} frames`, 'frame time p50': fmt(jumpWork.p50), 'frame time p95': fmt(jumpWork.p95), 'frame time max': fmt(jumpWork.max), 'frame interval p95': fmt(jumpFrames.p95), 'dropped frames': dropped(jump.intervals) },
    ]);
    console.log('  (frame time: main-thread work per frame from a Chromium trace — script, style, layout, paint; frame interval: rAF to rAF, 16.7 ms at 60 Hz)');
    table(`Renderer with all ${n(MESSAGES)} messages loaded`, [
      { figure: 'time to page back to the first message (500 per page)', value: `${(loadAllMs / 1000).toFixed(1)} s` },
      { figure: 'JS heap after GC', value: mb(metrics.JSHeapUsedSize ?? Number.NaN) },
      { figure: 'DOM nodes in the document', value: String(metrics.Nodes) },
      { figure: 'message rows in the DOM (virtualized)', value: String(domRows) },
    ]);
    table('Renderer bundle (target: initial chunk < 500 KB gzip)', [
      { file: 'initial JS chunk', raw: kb(bundle.initialJs), gzip: kb(bundle.initialJsGzip) },
      { file: `all JS (${bundle.files} assets)`, raw: kb(bundle.totalJs), gzip: kb(bundle.totalGzip) },
      { file: 'CSS', raw: kb(bundle.css), gzip: '' },
    ]);
    return {
      list_shown_ms_p50: percentile(listShown, 50),
      list_interactive_ms_p50: percentile(interactive, 50),
      list_interactive_ms_worst: interactive[interactive.length - 1]!,
      scroll_flick_frame_time_p95_ms: flickWork.p95,
      scroll_jump_frame_time_p95_ms: jumpWork.p95,
      scroll_flick_frame_interval_p95_ms: flickFrames.p95,
      scroll_dropped_frames: dropped(flick.intervals) + dropped(jump.intervals),
      load_100k_s: loadAllMs / 1000,
      heap_100k_mb: (metrics.JSHeapUsedSize ?? Number.NaN) / 1e6,
      dom_nodes_100k: metrics.Nodes ?? Number.NaN,
      message_rows_in_dom: domRows,
      initial_chunk_kb: bundle.initialJs / 1024,
      initial_chunk_gzip_kb: bundle.initialJsGzip / 1024,
      conversations: CONVERSATIONS,
      messages: MESSAGES,
    };
  } finally {
    await browser.close();
    await node.stop();
  }
}
