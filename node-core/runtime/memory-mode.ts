import v8 from 'node:v8';
import type { MemoryMode } from '../config/schema.ts';

/**
 * V8 sizes its young generation for throughput: on a machine with a lot of memory it grows to
 * 64 MB semi-spaces (over 130 MB committed), and old space keeps wide headroom — about half of a
 * relay's resident memory, idle or with a thousand peers (bench: `npm run bench p2p`). 'lean' asks
 * V8 to favour size (`--optimize-for-size`: small semi-spaces, tighter heap growth, leaner code),
 * for relays whose limit is memory: about half the resident memory for about 1.5x the CPU per
 * message, measured. V8 reads this flag as it goes, so it takes effect at the next collections
 * even though the process has started. 'throughput' (the default) keeps V8's own sizing.
 */
export function applyMemoryMode(mode: MemoryMode): void {
  // Only ever turned on: a second node in the same process (tests) must not undo the first's choice.
  if (mode === 'lean') v8.setFlagsFromString('--optimize-for-size');
}
