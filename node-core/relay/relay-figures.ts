import type { Logger } from 'pino';
import type { RelayFigures } from '../domain/model.ts';
import type { MailboxFigures, MailboxStore } from './mailbox-store.ts';

/** What the relay reports and the mailbox store does not know: the live part. */
export interface LiveRelayState {
  readonly enabled: boolean;
  readonly forcedByConfig: boolean;
  readonly subscribers: number;
  readonly uptimeRatio: number;
  readonly uptimeTarget: number;
  readonly ttlHours: number;
}

/**
 * The relay's figures for /status (read synchronously) over a mailbox store that answers
 * asynchronously: the last reading of the store is kept and read again after every change, so
 * a figure lags a change by one read at most.
 */
export interface RelayFiguresSource {
  figures(): RelayFigures;
  /** Figures after a reading started now. */
  read(): Promise<RelayFigures>;
  /** Something the figures count changed. */
  changed(): void;
  /** Reads from the store from now on (it is open). */
  start(): Promise<void>;
  /** Leaves the store alone from now on, once the reading under way is done. */
  stop(): Promise<void>;
}

const EMPTY: MailboxFigures = {
  recipients: 0,
  messages: 0,
  bytes: 0,
  counters: { stored: 0, delivered: 0, expired: 0, rejected_quota: 0, uptime_seconds: 0, first_started_at: 0 },
};

export function createRelayFigures(init: { readonly mailbox: MailboxStore; readonly live: () => LiveRelayState; readonly log: Logger }): RelayFiguresSource {
  let last = EMPTY;
  let reading: Promise<void> | undefined;
  let again = false;
  let open = false;

  const combine = (m: MailboxFigures): RelayFigures => {
    const live = init.live();
    return {
      enabled: live.enabled,
      forced_by_config: live.forcedByConfig,
      recipients: m.recipients,
      messages_held: m.messages,
      bytes_held: m.bytes,
      stored_total: m.counters.stored,
      delivered_total: m.counters.delivered,
      expired_total: m.counters.expired,
      refused_total: m.counters.rejected_quota,
      subscribers: live.subscribers,
      uptime_ratio: live.uptimeRatio,
      uptime_target: live.uptimeTarget,
      ttl_hours: live.ttlHours,
    };
  };

  async function readLoop(): Promise<void> {
    do {
      again = false;
      try {
        last = await init.mailbox.figures();
      } catch (err) {
        init.log.debug({ err: (err as Error).message }, 'could not read the relay figures');
      }
    } while (again && open);
  }

  function refresh(): Promise<void> {
    if (!open) return Promise.resolve();
    reading ??= readLoop().finally(() => {
      reading = undefined;
      // A change noted between the last read and here still gets its read.
      if (again && open) void refresh();
    });
    return reading;
  }

  return {
    figures: () => combine(last),
    async read() {
      await refresh();
      return combine(last);
    },
    changed() {
      if (reading) again = true;
      else void refresh();
    },
    async start() {
      open = true;
      await refresh();
    },
    async stop() {
      open = false;
      await reading;
    },
  };
}
