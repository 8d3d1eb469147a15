import type { Logger } from 'pino';
import type { Telemetry } from '../runtime/telemetry.ts';
import type { RelayFigures } from '../domain/model.ts';
import type { DchatConfig } from '../config/schema.ts';
import type { Network } from '../p2p/network.ts';
import type { Startable } from '../runtime/startable.ts';
import type { Store } from '../store/store.ts';
import { createMailboxPush } from './mailbox-push.ts';
import type { MailboxStore } from './mailbox-store.ts';
import { relayLimits } from './quotas.ts';
import type { RelayContext, RelayParts } from './relay-context.ts';
import { createRelayFigures } from './relay-figures.ts';
import { createRelayMetrics } from './relay-metrics.ts';
import { createRelayProtocol } from './relay-protocol.ts';
import { createPostgresMailboxStore, type PostgresMailboxStore } from './postgres-mailbox-store.ts';
import { createSqliteMailboxStore } from './sqlite-mailbox-store.ts';
import { createMailboxSweeper } from './sweeper.ts';
import { createRelayUptime } from './uptime.ts';

/**
 * Store-and-forward for peers that chose this node as a relay. A relay keeps signed, end-to-end
 * encrypted envelopes (and attachment chunks) for registered recipients, within quotas and for
 * at most the configured TTL; pushes them when the recipient is connected; and deletes them only
 * on the recipient's signed receipt. It never holds a key that could read them.
 */

const SETTING = 'relay.enabled';

export interface RelayService extends Startable {
  start(): Promise<void>;
  stop(): Promise<void>;
  readonly enabled: boolean;
  /** Opt in or out at run time; remembered across restarts (config role=relay always relays). */
  setEnabled(enabled: boolean): Promise<void>;
  /** The last reading (for /status, which is synchronous); at most one store read behind. */
  figures(): RelayFigures;
  /** Figures from a store reading made now. */
  readFigures(): Promise<RelayFigures>;
}

export interface RelayServiceInit {
  readonly config: DchatConfig;
  /** The node's own store: where the opt-in is remembered (and, without `mailbox`, the mailbox). */
  readonly store: Store;
  /** Where the mail is kept; else PostgreSQL when database.url is set, else SQLite in `store`. */
  readonly mailbox?: MailboxStore;
  readonly network: Network;
  readonly logger: Logger;
  readonly telemetry: Telemetry;
  /** Told whenever relaying switches on or off (the network gates relay reservations on it). */
  readonly onEnabledChange?: (enabled: boolean) => void;
  readonly now?: () => number;
}

export function createRelayService(init: RelayServiceInit): RelayService {
  const { config, store, network } = init;
  const log = init.logger.child({ component: 'relay' });
  const now = init.now ?? Date.now;
  // database.url puts the relay's state on PostgreSQL, shared by replicas; it is connected (and
  // migrated) at start whether or not relaying is on, so a wrong URL stops the node at once.
  const url = config.database.url;
  const shared: PostgresMailboxStore | undefined =
    !init.mailbox && url ? createPostgresMailboxStore({ database: { ...config.database, url }, telemetry: init.telemetry, logger: init.logger }) : undefined;
  const mailbox = init.mailbox ?? shared ?? createSqliteMailboxStore(store);
  const limits = relayLimits(config);
  const forcedByConfig = config.node.role === 'relay';
  let enabled = forcedByConfig;

  const uptime = createRelayUptime({ mailbox, now, log });
  const live = () => ({
    enabled,
    forcedByConfig,
    subscribers: pushes.subscribers,
    uptimeRatio: uptime.ratio(enabled),
    uptimeTarget: config.relay.uptime_target,
    ttlHours: config.messages.ttl_hours,
  });
  const figures = createRelayFigures({ mailbox, live, log });
  const changed = () => figures.changed();
  const metrics = createRelayMetrics(init.telemetry, () => figures.read());
  const parts: RelayParts = { mailbox, network, metrics, log, now, changed };
  const pushes = createMailboxPush(parts);
  // Replicas sharing the database: mail another replica stored is pushed by the one that holds
  // the recipient's connection (PostgreSQL LISTEN/NOTIFY); a reconnected listener reads everyone's.
  shared?.onMail((recipient) => (recipient === undefined ? pushes.notifyAll() : pushes.notify(recipient)));
  const sweeper = createMailboxSweeper({ ...parts, ttlMs: limits.ttlMs });
  const context: RelayContext = { ...parts, limits, pushes };
  const protocol = createRelayProtocol(context, () => enabled);

  async function beginRelaying(): Promise<void> {
    await uptime.resume();
    sweeper.start();
    pushes.start();
    await protocol.serve();
    log.info({ ttl_hours: config.messages.ttl_hours }, 'relaying for peers that choose this node');
  }

  /** Stops the timers; the protocol stays served (answering "not-a-relay") until stop. */
  async function endRelaying(): Promise<void> {
    await Promise.all([uptime.pause(), sweeper.stop()]);
  }

  return {
    async start() {
      enabled = forcedByConfig || store.repos.settings.get<boolean>(SETTING) === true;
      init.onEnabledChange?.(enabled);
      await shared?.start();
      await uptime.load();
      await figures.start();
      if (enabled) await beginRelaying();
    },
    async stop() {
      await protocol.unserve();
      await pushes.stop();
      if (enabled) await endRelaying();
      await figures.stop();
      await shared?.stop();
    },
    get enabled() {
      return enabled;
    },
    async setEnabled(value) {
      await store.write((repos) => repos.settings.set(SETTING, value));
      if (value && !enabled) {
        enabled = true;
        await beginRelaying();
      } else if (!value && enabled && !forcedByConfig) {
        enabled = false;
        await endRelaying();
        pushes.clear();
      }
      init.onEnabledChange?.(enabled);
    },
    figures: () => figures.figures(),
    readFigures: () => figures.read(),
  };
}
