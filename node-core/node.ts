import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import { createApiTokenSource, loadOrCreateApiToken, type ApiTokenSource } from './api/api-token.ts';
import type { NodeApi, NodeStatus, PeerList } from './api/contract.ts';
import { createHttpServer, type HttpServer } from './api/http/http-server.ts';
import { apiMethods, createRouter, type Router } from './api/router.ts';
import { createAttachmentService, type AttachmentService } from './attachments/attachment-service.ts';
import { createLifecycle, type Lifecycle, type Startable } from './runtime/startable.ts';
import type { LoadedConfig } from './config/load.ts';
import { createEventBus, type EventBus } from './events/event-bus.ts';
import { createIdentityService } from './identity/identity-service.ts';
import { loadNodeSecretFor, NODE_SECRET_FILE } from './identity/node-secret.ts';
import { createMessagingService } from './messaging/messaging-service.ts';
import { createNetworkServices, type NetworkServices } from './network-services.ts';
import { createMetrics, type Metrics } from './observability/metrics.ts';
import { createKeyRing } from './sessions/key-ring.ts';
import { createLocalVault } from './sessions/vault.ts';
import { DatabaseDamagedError } from './store/damage.ts';
import { createStore, type Store } from './store/store.ts';
import { lockDataDir } from './util/data-dir-lock.ts';
import { ensurePrivateDir, sweepLeftovers } from './util/private-files.ts';

const DEFAULT_UI_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'renderer');

export interface NodeInit {
  readonly loaded: LoadedConfig;
  readonly logger: Logger;
  readonly version: string;
  /** Serve the HTTP API (headless); Electron may run the node without it. Default true. */
  readonly http?: boolean;
  /** The built web UI to serve at /; default: dist/renderer of this checkout. */
  readonly uiDir?: string;
}

export interface DchatNode {
  /** Opens the store, starts the network and the API; resolves once /ready answers 200. */
  start(): Promise<void>;
  /** Drains the API, stops the network, commits pending writes and closes the store. */
  stop(): Promise<void>;
  /** The same API in-process, typed. */
  readonly api: NodeApi;
  /** A call whose method name and input come from outside (the Electron IPC transport): checked like HTTP's. */
  dispatch(method: string, input: unknown): Promise<unknown>;
  readonly dataDir: string;
  readonly apiToken: string;
  readonly apiUrl: string | undefined;
  readonly metricsUrl: string | undefined;
  /** Our libp2p peer id and addresses, once the network is up. */
  readonly p2p: { readonly peerId: string; readonly addresses: string[] } | undefined;
  readonly store: Store;
  readonly events: EventBus;
  readonly metrics: Metrics;
  /** The networked parts, for embedding (benchmarks, the desktop shell); undefined when p2p is off. */
  readonly network: NetworkServices | undefined;
}

/** Prepares a data directory and its secrets without starting anything (`dchat --init-db`). */
export function initDataDir(dataDir: string, logger: Logger): { from: number; to: number; databaseFile: string } {
  ensurePrivateDir(dataDir);
  const store = createStore({ dataDir, logger });
  const migrated = store.start();
  try {
    // The same rule as at start: the secret must match the database; a new one only for a database with nothing sealed.
    loadNodeSecretFor(store, dataDir);
  } finally {
    store.stop();
  }
  loadOrCreateApiToken(dataDir);
  return { ...migrated, databaseFile: store.file };
}

export function createNode(init: NodeInit): DchatNode {
  const { loaded, version } = init;
  const { config, dataDir } = loaded;
  const log = init.logger.child({ component: 'node' });
  const startedAt = Date.now();
  let phase: NodeStatus['status'] = 'starting';

  const store = createStore({ dataDir, logger: init.logger });
  const metrics = createMetrics({
    version,
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
  const events = createEventBus((err) => {
    metrics.errors.inc({ component: 'events', error: (err as Error).name ?? 'Error' });
    log.error({ err }, 'an event subscriber failed');
  });
  const keyRing = createKeyRing();

  let router: Router | undefined;
  let http: HttpServer | undefined;
  let services: NetworkServices | undefined;
  let unlock: (() => void) | undefined;
  let apiToken: ApiTokenSource | undefined;
  let attachments: AttachmentService | undefined;
  let components: Lifecycle | undefined;

  const peers = (): PeerList => services?.peers() ?? { peers: [], count: 0 };

  const status = (): NodeStatus => {
    const connected = peers().count;
    const relayStatus = services?.relayClient.status() ?? [];
    return {
      status: phase,
      version,
      role: services?.relay.enabled ? 'relay' : config.node.role,
      network: config.node.network,
      chain_id: config.node.chain_id,
      started_at: startedAt,
      uptime_seconds: Math.floor((Date.now() - startedAt) / 1000),
      data_dir: dataDir,
      store: store.figures(),
      peers: { connected, max: config.relay.max_peers },
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
      accessibility: { ...config.accessibility },
    };
  };

  const damagedMessage = () => new DatabaseDamagedError(store.file, store.damage?.reason ?? 'damaged').message;

  const requireRouter = (): Router => {
    if (!router) throw new Error('the node is not started');
    return router;
  };

  /** The HTTP API, listening before the store opens so /health answers during a long migration. */
  const createHttp = (tokens: ApiTokenSource): HttpServer =>
    createHttpServer({
      config,
      logger: init.logger,
      metrics,
      events,
      version,
      apiToken: tokens,
      // Bound late on purpose: requests before the node is ready answer 503 NotReady.
      router: () => router,
      ready: () => phase === 'ready',
      readyProblem: () => (store.damage ? { error: 'DatabaseDamaged', message: damagedMessage() } : undefined),
      uiDir: init.uiDir ?? DEFAULT_UI_DIR,
      attachmentFile: (id) => {
        if (!attachments) throw new Error('the node is not started');
        return attachments.file(id);
      },
    });

  /**
   * Everything that needs the open store and its node secret, built in dependency order (each
   * from those above it) and run as one lifecycle: started in this order, stopped in reverse.
   */
  const compose = async (): Promise<Lifecycle> => {
    // Only the secret the database was sealed under; a new one only over nothing sealed.
    const { secret: nodeSecret, created } = loadNodeSecretFor(store, dataDir);
    if (created) log.info({ file: path.join(dataDir, NODE_SECRET_FILE) }, 'created the node secret');
    const vault = createLocalVault(nodeSecret);
    const identities = createIdentityService({ store, events, nodeSecret, keyRing });
    const maxAttachmentBytes = Math.floor(config.messages.max_size_mb * 1024 * 1024);
    const networked = config.server.p2p_enabled
      ? await createNetworkServices({ loaded, store, events, keyRing, vault, logger: init.logger, registry: metrics.registry, version, maxAttachmentBytes })
      : undefined;
    // Without networking, local chats still take files.
    const files =
      networked?.attachments ??
      createAttachmentService({ dataDir, store, network: undefined, keyRing, vault, events, logger: init.logger, maxBytes: maxAttachmentBytes, sourceOf: () => undefined, ownRelays: () => [] });
    const messaging = createMessagingService({ store, events, attachments: files, outbound: (chat) => networked?.outboundFor(chat.kind) });
    const table = apiMethods({ node: { health: () => ({ status: 'healthy', version }), status, peers }, identities, messaging, attachments: files, network: networked });
    services = networked;
    attachments = files;
    const unlockIdentities: Startable = { start: () => identities.unlockNodeSecretIdentities(), stop: () => undefined };
    const countMessages: Startable & { off?: () => void } = {
      start() {
        this.off = events.subscribe((event) => {
          if (event.type === 'message.created') metrics.messagesStored.inc({ origin: 'local' });
        });
      },
      stop() {
        this.off?.();
      },
    };
    const api: Startable = {
      start: () => void (router = createRouter(table)),
      stop: () => void (router = undefined),
    };
    return createLifecycle(
      [
        { name: 'identities', component: unlockIdentities },
        ...(networked ? [{ name: 'network-services', component: networked }] : [{ name: 'attachments', component: files }]),
        { name: 'metrics', component: countMessages },
        { name: 'api', component: api },
      ],
      (name, err) => log.warn({ err, component: name }, 'a component did not stop cleanly'),
    );
  };

  return {
    async start() {
      ensurePrivateDir(dataDir);
      unlock = lockDataDir(dataDir);
      try {
        const swept = sweepLeftovers(dataDir);
        if (swept.length > 0) log.info({ removed: swept }, 'removed temporary files left by interrupted writes');
        apiToken = createApiTokenSource(dataDir, init.logger.child({ component: 'api-token' }));
        if (init.http !== false) {
          http = createHttp(apiToken);
          await http.start();
        }
        store.start();
        components = await compose();
        await components.start();
        phase = 'ready';
        // The quick check reads every page once, after start, a table at a time: a cold start
        // does not wait for it, and damage it finds turns /ready to 503 and refuses writes.
        store.quickCheck().catch((err: unknown) => log.warn({ err }, 'the database quick check could not run'));
      } catch (err) {
        await http?.stop();
        await components?.stop();
        store.stop();
        unlock();
        throw err;
      }
    },

    async stop() {
      phase = 'stopping';
      // The API drains first (in-flight requests finish), then the components stop in reverse.
      await http?.stop();
      await components?.stop();
      store.stop();
      unlock?.();
      log.info('stopped');
    },

    api: {
      call: (method, input) => requireRouter().call(method, input),
      subscribe: (listener) => events.subscribe(listener),
    },
    dispatch: (method, input) => requireRouter().dispatch(method, input),
    dataDir,
    get apiToken() {
      return apiToken?.current() ?? '';
    },
    get apiUrl() {
      return http?.apiUrl;
    },
    get metricsUrl() {
      return http?.metricsUrl;
    },
    get p2p() {
      return services ? { peerId: services.network.peerId, addresses: services.network.addresses() } : undefined;
    },
    store,
    events,
    metrics,
    get network() {
      return services;
    },
  };
}
