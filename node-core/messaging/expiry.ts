import type { Logger } from 'pino';
import type { EventBus } from '../events/event-bus.ts';
import type { Startable } from '../runtime/startable.ts';
import type { Store } from '../store/store.ts';
import { afterAll, removeMessage, type MessageFiles } from './message-changes.ts';

export interface ExpiryInit {
  readonly store: Store;
  readonly events: EventBus;
  readonly files: MessageFiles | undefined;
  readonly logger: Logger;
  readonly now?: () => number;
}

export interface Expiry extends Startable {
  start(): void;
  stop(): Promise<void>;
  /** Removes what is due now; resolves with how many went. */
  sweep(): Promise<number>;
}

const BATCH = 500;
/** The longest the sweeper sleeps, so a changed clock is noticed within a minute. */
const MAX_SLEEP_MS = 60_000;
/** Edits and deletes whose message never came are kept this long. */
const EARLY_UPDATES_KEPT_MS = 30 * 24 * 3600_000;

/**
 * Disappearing messages: each goes at its `expires_at` — from both stores (each side runs
 * this), with its index entry, reactions and files — also when the node was off at the time
 * (the first sweep runs at start). Sleeps until the soonest expiry, woken by new ones.
 */
export function createExpiry(init: ExpiryInit): Expiry {
  const now = init.now ?? Date.now;
  const log = init.logger.child({ component: 'expiry' });
  let timer: NodeJS.Timeout | undefined;
  let wakeAt = Number.POSITIVE_INFINITY;
  let running: Promise<number> | undefined;
  let unsubscribe: (() => void) | undefined;

  const schedule = (at: number) => {
    const when = Math.min(at, now() + MAX_SLEEP_MS);
    if (timer && when >= wakeAt) return;
    clearTimeout(timer);
    wakeAt = when;
    timer = setTimeout(() => void sweep().catch((err: Error) => log.error({ err }, 'removing expired messages failed')), Math.max(0, when - now()));
    timer.unref();
  };

  const sweepOnce = async (): Promise<number> => {
    const { count, after, more } = await init.store.write((repos) => {
      const t = now();
      const due = repos.messages.expired(t, BATCH);
      const steps = due.map((message) => removeMessage(repos, init, message, repos.conversations.get(message.chat_id)?.identity_id ?? ''));
      repos.earlyUpdates.forgetBefore(t - EARLY_UPDATES_KEPT_MS);
      return { count: due.length, after: afterAll(steps), more: due.length === BATCH };
    });
    after();
    return more ? count + (await sweepOnce()) : count;
  };

  async function sweep(): Promise<number> {
    clearTimeout(timer);
    timer = undefined;
    wakeAt = Number.POSITIVE_INFINITY;
    running ??= sweepOnce().finally(() => (running = undefined));
    const removed = await running;
    if (removed > 0) log.debug({ removed }, 'disappearing messages removed');
    if (unsubscribe) {
      const next = init.store.repos.messages.nextExpiry();
      if (next !== undefined) schedule(next);
    }
    return removed;
  }

  return {
    start() {
      unsubscribe ??= init.events.subscribe((event) => {
        if ((event.type === 'message.created' || event.type === 'message.updated') && event.data.expires_at !== null) schedule(event.data.expires_at);
      });
      schedule(now());
    },
    async stop() {
      unsubscribe?.();
      unsubscribe = undefined;
      clearTimeout(timer);
      timer = undefined;
      await running?.catch(() => undefined);
    },
    sweep,
  };
}
