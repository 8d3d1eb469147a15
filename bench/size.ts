/**
 * How big a benchmark run is. Full size (the default) gives the README's figures; small size
 * (`BENCH_SIZE=small` or `--small`) runs every suite on a little data so CI notices a broken
 * bench the day it breaks. Small figures are printed like full ones but say nothing about speed.
 */
export type BenchSize = 'full' | 'small';

export const BENCH_SIZE: BenchSize = process.env.BENCH_SIZE === 'small' || process.argv.includes('--small') ? 'small' : 'full';
if (process.env.BENCH_SIZE !== undefined && !['small', 'full'].includes(process.env.BENCH_SIZE)) {
  throw new Error(`BENCH_SIZE=${process.env.BENCH_SIZE}: expected "small" or "full"`);
}
export const SMALL = BENCH_SIZE === 'small';

/** The full-size figure, or the small one in a small run. */
export const sized = <T>(full: T, small: T): T => (SMALL ? small : full);

/** A count for headings: "1,000,000". */
export const count = (n: number): string => n.toLocaleString('en');
