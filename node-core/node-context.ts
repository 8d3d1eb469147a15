import type { Logger } from 'pino';
import type { NodeStatus, PeerList } from './api/contract.ts';
import type { Router } from './api/router.ts';
import type { LedgerParts } from './api/methods/chain-methods.ts';
import type { AttachmentService } from './attachments/attachment-service.ts';
import type { BotService } from './bots/bot-service.ts';
import type { LoadedConfig } from './config/load.ts';
import { createEventBus, type EventBus } from './events/event-bus.ts';
import type { NetworkServices } from './network-services.ts';
import { createMetrics, type Metrics } from './observability/metrics.ts';
import { createKeyRing } from './sessions/key-ring.ts';
import { createStore, type Store } from './store/store.ts';

/**
 * Apart from node.ts: the state its start, stop and API read, and the status built from it, so
 * node.ts is left with the order things start and stop in.
 */

export interface NodeInit {
  readonly loaded: LoadedConfig;
  readonly logger: Logger;
  readonly version: string;
  /** Serve the HTTP API (headless); Electron may run the node without it. Default true. */
  readonly http?: boolean;
  /** The built web UI to serve at /; default: dist/renderer of this checkout. */
  readonly uiDir?: string;
  /** The log's failed writes (NodeLogger.onError), counted in observability_errors_total. */
  readonly onLogError?: (listener: (err: Error) => void) => () => void;
}

/** What the node's parts share while it runs; set as they come up, cleared as they go. */
export interface NodeContext {
  readonly init: NodeInit;
  readonly config: LoadedConfig['config'];
  readonly dataDir: string;
  readonly log: Logger;
  readonly startedAt: number;
  readonly store: Store;
  readonly metrics: Metrics;
  readonly events: EventBus;
  readonly keyRing: ReturnType<typeof createKeyRing>;
  phase: NodeStatus['status'];
  router: Router | undefined;
  services: NetworkServices | undefined;
  attachments: AttachmentService | undefined;
  bots: BotService | undefined;
  ledgers: LedgerParts | undefined;
}

export function createContext(init: NodeInit): NodeContext {
  const { config, dataDir } = init.loaded;
  const log = init.logger.child({ component: 'node' });
  const store = createStore({ dataDir, logger: init.logger });
  const metrics = createMetrics({
    version: init.version,
    // A damaged database may not count its rows: /metrics still answers (without those figures).
    storeFigures: () => {
      try {
        return store.started ? store.figures() : undefined;
      } catch {
        return undefined;
      }
    },
  });
  store.onDamage(() => metrics.storeDamaged.set(1));
  init.onLogError?.(() => metrics.observabilityErrors.inc({ kind: 'log_write' }));
  const events = createEventBus((err) => {
    metrics.errors.inc({ component: 'events', error: (err as Error).name ?? 'Error' });
    log.error({ err }, 'an event subscriber failed');
  });
  return { init, config, dataDir, log, startedAt: Date.now(), store, metrics, events, keyRing: createKeyRing(), phase: 'starting', router: undefined, services: undefined, attachments: undefined, bots: undefined, ledgers: undefined };
}

export const peersOf = (ctx: NodeContext): PeerList => ctx.services?.peers() ?? { peers: [], count: 0 };

export function statusOf(ctx: NodeContext): NodeStatus {
  const { config, services } = ctx;
  const relayStatus = services?.relayClient.status() ?? [];
  return {
    status: ctx.phase,
    version: ctx.init.version,
    role: services?.relay.enabled ? 'relay' : config.node.role,
    network: config.node.network,
    chain_id: config.node.chain_id,
    started_at: ctx.startedAt,
    uptime_seconds: Math.floor((Date.now() - ctx.startedAt) / 1000),
    data_dir: ctx.dataDir,
    store: ctx.store.figures(),
    peers: { connected: peersOf(ctx).count, max: config.relay.max_peers },
    p2p: services
      ? {
          peer_id: services.network.peerId,
          addresses: services.network.addresses(),
          outbox: services.delivery.outboxSize(),
          relays_chosen: services.chosenRelays().length,
          relays_connected: relayStatus.filter((r) => r.connected).length,
        }
      : null,
    relay: services ? services.relay.figures() : null,
    chains: ctx.ledgers?.chains.info() ?? null,
    sync_progress: ctx.ledgers?.chains.syncProgress() ?? 0,
    accessibility: { ...config.accessibility },
  };
}
