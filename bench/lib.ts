/** Small helpers shared by the benchmarks: timing, percentiles, deterministic text, printing. */

export function percentile(sortedMs: readonly number[], p: number): number {
  if (sortedMs.length === 0) return Number.NaN;
  const index = Math.min(sortedMs.length - 1, Math.ceil((p / 100) * sortedMs.length) - 1);
  return sortedMs[Math.max(0, index)]!;
}

export interface Latency {
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  readonly runs: number;
}

/** Runs `fn` `runs` times (after a warm-up) and returns latency percentiles in milliseconds. */
export function measure(runs: number, fn: (i: number) => unknown): Latency {
  for (let i = 0; i < Math.min(200, runs); i++) fn(i);
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    fn(i);
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  times.sort((a, b) => a - b);
  return { p50: percentile(times, 50), p99: percentile(times, 99), max: times[times.length - 1]!, runs };
}

export function rate(count: number, ms: number): number {
  return Math.round((count / ms) * 1000);
}

/** mulberry32: a tiny seeded PRNG, so every run benchmarks the same data. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SYLLABLES = ['ka', 'lo', 'mi', 're', 'su', 'ta', 'ne', 'po', 'vi', 'da', 'go', 'shi', 'ru', 'en', 'or', 'al', 'is', 'um', 'bra', 'tel'];

/**
 * Message texts over a 20,000-word vocabulary with a Zipf distribution, like real chat: a few
 * words in most messages, most words rare. `word(rank)` names the word of a given rank.
 */
export function textGenerator(seed: number): { next(): string; word(rank: number): string } {
  const random = prng(seed);
  const vocabulary = Array.from({ length: 20_000 }, (_, i) => {
    let w = '';
    let n = i + 7;
    do {
      w += SYLLABLES[n % SYLLABLES.length];
      n = Math.floor(n / SYLLABLES.length);
    } while (n > 0);
    return w;
  });
  const cdf: number[] = [];
  let total = 0;
  for (let r = 1; r <= vocabulary.length; r++) cdf.push((total += 1 / r));
  const pick = () => {
    const x = random() * total;
    let lo = 0;
    let hi = cdf.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cdf[mid]! < x) lo = mid + 1;
      else hi = mid;
    }
    return vocabulary[lo]!;
  };
  return {
    next() {
      const words = 5 + Math.floor(random() * 20);
      return Array.from({ length: words }, pick).join(' ');
    },
    word: (rank) => vocabulary[rank - 1]!,
  };
}

export function table(title: string, rows: ReadonlyArray<Record<string, string | number>>): void {
  console.log(`\n${title}`);
  console.table(rows);
}

export const fmt = (ms: number) => `${ms < 1 ? ms.toFixed(3) : ms.toFixed(2)} ms`;
