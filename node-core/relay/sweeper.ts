import type { Startable } from '../runtime/startable.ts';
import type { RelayParts } from './relay-context.ts';

/**
 * Drops mail and chunks whose TTL ran out, a few times per TTL (at most once a second, at least
 * once a minute). Handing out already checks expiry, so the sweep only frees the space.
 */
export interface MailboxSweeper extends Startable {
  start(): void;
  stop(): Promise<void>;
}

export function createMailboxSweeper(init: Omit<RelayParts, 'network'> & { readonly ttlMs: number }): MailboxSweeper {
  const { mailbox, metrics, log } = init;
  let timer: NodeJS.Timeout | undefined;
  let sweeping: Promise<void> | undefined;

  async function sweepOnce(): Promise<void> {
    try {
      const expired = await mailbox.expire(init.now());
      if (expired.messages > 0) {
        metrics.expired.inc(expired.messages);
        log.info({ messages: expired.messages, chunks: expired.blobs }, 'expired mail dropped');
      }
      if (expired.messages > 0 || expired.blobs > 0) init.changed();
    } catch (err) {
      log.error({ err }, 'mailbox sweep failed');
    }
  }

  const sweep = () => {
    sweeping ??= sweepOnce().finally(() => (sweeping = undefined));
  };

  return {
    start() {
      clearInterval(timer);
      timer = setInterval(sweep, Math.max(1000, Math.min(60_000, init.ttlMs / 4)));
      timer.unref();
      sweep();
    },
    async stop() {
      clearInterval(timer);
      timer = undefined;
      await sweeping;
    },
  };
}
