import type { Logger } from 'pino';
import type { MailboxStore } from './mailbox-store.ts';

const TICK_MS = 10_000;

/**
 * How long this node has relayed since it first did, kept in whole seconds in the mailbox store
 * so the ratio survives restarts. Between ticks the running share is added on reading.
 */
export interface RelayUptime {
  /** Reads what earlier runs recorded. */
  load(): Promise<void>;
  /** Relaying starts (or starts again): counts from now. */
  resume(): Promise<void>;
  /** Relaying ends: records the seconds since the last tick and stops ticking. */
  pause(): Promise<void>;
  ratio(relaying: boolean): number;
}

export function createRelayUptime(init: { readonly mailbox: MailboxStore; readonly now: () => number; readonly log: Logger }): RelayUptime {
  const { mailbox, now } = init;
  let firstStartedAt = 0;
  let recordedSeconds = 0;
  let lastTick = now();
  let ticker: NodeJS.Timeout | undefined;
  let writing: Promise<void> = Promise.resolve();

  const load = async () => {
    [firstStartedAt, recordedSeconds] = await Promise.all([mailbox.counter('first_started_at'), mailbox.counter('uptime_seconds')]);
  };

  function tick(): Promise<void> {
    const elapsed = Math.round((now() - lastTick) / 1000);
    if (elapsed <= 0) return writing;
    lastTick += elapsed * 1000;
    recordedSeconds += elapsed;
    writing = writing.then(() => mailbox.addToCounter('uptime_seconds', elapsed)).catch((err: Error) => init.log.debug({ err: err.message }, 'could not record uptime'));
    return writing;
  }

  return {
    load,
    async resume() {
      await mailbox.setCounterIfAbsent('first_started_at', now());
      await load();
      lastTick = now();
      clearInterval(ticker);
      ticker = setInterval(() => void tick(), TICK_MS);
      ticker.unref();
    },
    async pause() {
      clearInterval(ticker);
      ticker = undefined;
      await tick();
    },
    ratio(relaying) {
      const observed = firstStartedAt ? (now() - firstStartedAt) / 1000 : 0;
      const up = recordedSeconds + (relaying ? (now() - lastTick) / 1000 : 0);
      return observed > 0 ? Math.min(1, up / observed) : 1;
    },
  };
}
