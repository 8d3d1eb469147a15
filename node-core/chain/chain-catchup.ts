import type { Logger } from 'pino';
import type { ChainSync } from './chain-sync.ts';
import type { CommittedChain } from './committed-chain.ts';

/**
 * Catching up with a peer that is ahead, one peer at a time: a node with no block takes the
 * latest snapshot far enough ahead (state sync), then the blocks after ours (block sync). The
 * highest height any peer has shown is kept for the sync progress.
 */

export interface CatchUp {
  /** The highest height a peer has shown us (at least ours). */
  readonly knownHeight: number;
  readonly syncing: boolean;
  /** A peer showed this height. */
  observe(height: number): void;
  from(peer: string): void;
  /** Resolves when no catch-up is running. */
  settled(): Promise<void>;
}

export function createCatchUp(committed: CommittedChain, sync: ChainSync, log: Logger, done: () => void): CatchUp {
  let known = 0;
  let running: Promise<void> | undefined;
  const observe = (height: number) => {
    known = Math.max(known, height);
  };
  return {
    get knownHeight() {
      return Math.max(known, committed.top.height);
    },
    get syncing() {
      return running !== undefined;
    },
    observe,
    from(peer) {
      if (running) return;
      running = (async () => {
        const status = await sync.status(peer);
        observe(status.height);
        // The latest snapshot far enough ahead: fewer blocks to fetch and execute after it.
        const snapshot = Math.max(...status.snapshots.filter((h) => h > committed.top.height + committed.snapshotInterval), 0) || undefined;
        if (committed.top.height === 0 && snapshot !== undefined) {
          log.info({ peer, height: snapshot }, 'state-syncing from a snapshot');
          await sync.fromSnapshot(peer, snapshot);
        }
        const applied = await sync.blocksFrom(peer);
        if (applied > 0) log.debug({ peer, applied, height: committed.top.height }, 'caught up');
      })()
        .catch((err: Error) => log.info({ peer, err: err.message }, 'could not catch up from this peer'))
        .finally(() => {
          running = undefined;
          done();
        });
    },
    settled: async () => {
      await running;
    },
  };
}
