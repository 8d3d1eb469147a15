import { createHash } from 'node:crypto';
import path from 'node:path';
import type { LedgerParts } from './api/methods/chain-methods.ts';
import { createChains } from './chain/chains-service.ts';
import { createWalletService } from './chain/wallet-service.ts';
import { createBridgeService } from './chain/bridge-service.ts';
import { createDeliveryProofs } from './chain/delivery-proofs.ts';
import { createMarketService } from './chain/market-service.ts';
import { createMarketChat } from './market/market-chat.ts';
import { createMarketContent } from './market/market-content.ts';
import { createRelayRegistry } from './chain/relay-registry.ts';
import { changedStateKeys, chatDirectory } from './chain/chat-directory.ts';
import { createKeyChangeWatch } from './contacts/key-change-watch.ts';
import { NetworkDisabledError } from './domain/errors.ts';
import { decodeIdentityRecord, encodeIdentityRecord, encodeInvite } from './wire/identity-record.ts';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import { createApiTokenSource, loadOrCreateApiToken, type ApiTokenSource } from './api/api-token.ts';
import type { NodeApi } from './api/contract.ts';
import { createHttpServer, type HttpServer } from './api/http/http-server.ts';
import { apiMethods, createRouter, type Router } from './api/router.ts';
import { createAttachmentService, type AttachmentService } from './attachments/attachment-service.ts';
import { createBots } from './bots/bot-service.ts';
import { applyMemoryMode } from './runtime/memory-mode.ts';
import { createLifecycle, type Lifecycle, type Startable } from './runtime/startable.ts';
import type { EventBus } from './events/event-bus.ts';
import { createIdentityService } from './identity/identity-service.ts';
import { loadNodeSecretFor, NODE_SECRET_FILE } from './identity/node-secret.ts';
import { createMessagingService, type MessagingService } from './messaging/messaging-service.ts';
import { createExpiry } from './messaging/expiry.ts';
import { createNetworkServices, type NetworkServices } from './network-services.ts';
import { createContext, peersOf, statusOf, type NodeContext, type NodeInit } from './node-context.ts';
import type { Metrics } from './observability/metrics.ts';
import { createLocalVault } from './sessions/vault.ts';
import { DatabaseDamagedError } from './store/damage.ts';
import { createStore, type Store } from './store/store.ts';
import { lockDataDir } from './util/data-dir-lock.ts';
import { ensurePrivateDir, sweepLeftovers } from './util/private-files.ts';

export type { NodeInit } from './node-context.ts';

const DEFAULT_UI_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'renderer');

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

/** The HTTP API, listening before the store opens so /health answers during a long migration. */
function createHttp(ctx: NodeContext, tokens: ApiTokenSource): HttpServer {
  const { init, store } = ctx;
  return createHttpServer({
    config: ctx.config,
    logger: init.logger,
    metrics: ctx.metrics,
    events: ctx.events,
    version: init.version,
    apiToken: tokens,
    // Bound late on purpose: requests before the node is ready answer 503 NotReady.
    router: () => ctx.router,
    ready: () => ctx.phase === 'ready',
    readyProblem: () => (store.damage ? { error: 'DatabaseDamaged', message: new DatabaseDamagedError(store.file, store.damage.reason).message } : undefined),
    uiDir: init.uiDir ?? DEFAULT_UI_DIR,
    bots: () => ctx.bots,
    bridgeHealth: () => ctx.ledgers?.bridge.health(),
    attachmentFile: (id) => {
      if (!ctx.attachments) throw new Error('the node is not started');
      return ctx.attachments.file(id);
    },
  });
}

/** The ledgers and the wallet over them; identities sign with their own keys. */
function composeLedgers(ctx: NodeContext, networked: NetworkServices | undefined, chat: { messaging: MessagingService; files: AttachmentService }): LedgerParts {
  const { config, store, keyRing, dataDir } = ctx;
  const chains = createChains({
    dataDir,
    store,
    network: networked?.network,
    logger: ctx.init.logger,
    telemetry: ctx.metrics.telemetry,
    genesisFile: config.chain.genesis_file,
    validatorKeyFile: config.chain.validator_key_file,
    snapshotInterval: config.bridge.state_snapshot_interval,
    requireValidator: config.node.role === 'validator',
    onBlock: (kind, execution) => {
      if (kind === 'chat') keyChanges.blockApplied(execution.block.header.height, changedStateKeys(execution.changes));
      bridge.blockApplied(kind, execution);
      market.blockApplied(kind, execution);
      if (kind === 'currency') marketChat?.blockApplied();
    },
  });
  const keyChanges = createKeyChangeWatch({ store, events: ctx.events, directory: chatDirectory(chains), logger: ctx.init.logger });
  const wallet = createWalletService({
    chains,
    store,
    secretKey: (id) => keyRing.get(id),
    directoryEntry(id) {
      if (!networked) throw new NetworkDisabledError('registering a username publishes how to reach you: peer-to-peer networking must be on (server.p2p_enabled)');
      const prekey = store.repos.prekeys.latestSigned(id);
      return { record: encodeIdentityRecord(networked.ownRecord(id)), prekeys: createHash('sha256').update(prekey?.public_key ?? new Uint8Array()).digest() };
    },
  });
  const addContact = (record: Uint8Array, identityId: string | undefined) => {
    if (!networked) throw new NetworkDisabledError('contacts need peer-to-peer networking (server.p2p_enabled)');
    return networked.contacts.add({ invite: encodeInvite(decodeIdentityRecord(record)), identity_id: identityId });
  };
  const relays = createRelayRegistry({
    chains,
    submit: (identityId, body, wait) => wallet.submitChat(identityId, body, wait),
    self: () => (networked ? { peerId: networked.network.peerId, addresses: networked.network.addresses() } : undefined),
  });
  const bridge = createBridgeService({
    chains,
    wallet,
    logger: ctx.init.logger,
    telemetry: ctx.metrics.telemetry,
    relayer: config.bridge.relayer,
    transactionTimeoutSecs: config.bridge.transaction_timeout_secs,
    finalityProofTimeoutSecs: config.bridge.finality_proof_timeout_secs,
  });
  const market = createMarketService({
    chains,
    wallet,
    telemetry: ctx.metrics.telemetry,
    cacheSize: config.marketplace.cache_size,
    escrowTimeoutSecs: config.marketplace.escrow_timeout_secs,
    paymentConfirmationTimeoutSecs: config.marketplace.payment_confirmation_timeout_secs,
    record(id) {
      if (!networked) throw new NetworkDisabledError('a listing carries how buyers reach you: peer-to-peer networking must be on (server.p2p_enabled)');
      return encodeIdentityRecord(networked.ownRecord(id));
    },
  });
  const marketChat = networked
    ? createMarketChat({
        store,
        events: ctx.events,
        content: createMarketContent(dataDir),
        files: chat.files,
        send: (input) => chat.messaging.send(input),
        market,
        addContact: (record, identityId) => addContact(record, identityId),
        createGroup: (input) => networked.groups.create(input),
        logger: ctx.init.logger,
      })
    : undefined;
  const batch = config.relay.delivery_proof_batch;
  const proofs =
    networked && batch > 0
      ? createDeliveryProofs({ chains, logger: ctx.init.logger, batch, submit: (id, body) => wallet.submitAs('chat', id, body, false), subscribe: (listener) => networked.delivery.onRelayed(listener) })
      : undefined;
  return { chains, wallet, addContact, keyChanges, relays, bridge, proofs, market, marketChat };
}

/** Startables for the small things the root itself owns (unlocking identities, counting messages, the router). */
const step = (start: () => unknown, stop: () => unknown = () => undefined): Startable => ({ start: async () => void (await start()), stop: async () => void (await stop()) });

/**
 * Everything that needs the open store and its node secret, built in dependency order (each
 * from those above it) and run as one lifecycle: started in this order, stopped in reverse.
 */
async function compose(ctx: NodeContext): Promise<Lifecycle> {
  const { init, store, events, keyRing, dataDir, log, config } = ctx;
  // Only the secret the database was sealed under; a new one only over nothing sealed.
  const { secret: nodeSecret, created } = loadNodeSecretFor(store, dataDir);
  if (created) log.info({ file: path.join(dataDir, NODE_SECRET_FILE) }, 'created the node secret');
  const vault = createLocalVault(nodeSecret);
  const identities = createIdentityService({ store, events, nodeSecret, keyRing });
  const maxAttachmentBytes = Math.floor(config.messages.max_size_mb * 1024 * 1024);
  const networked = config.server.p2p_enabled
    ? await createNetworkServices({ loaded: init.loaded, store, events, keyRing, vault, logger: init.logger, telemetry: ctx.metrics.telemetry, registry: ctx.metrics.registry, version: init.version, maxAttachmentBytes })
    : undefined;
  // Without networking, local chats still take files.
  const files =
    networked?.attachments ??
    createAttachmentService({ dataDir, store, network: undefined, keyRing, vault, events, logger: init.logger, maxBytes: maxAttachmentBytes, sourceOf: () => undefined, ownRelays: () => [] });
  const messaging = createMessagingService({ store, events, attachments: files, outbound: (chat) => networked?.outboundFor(chat.kind) });
  const node = {
    health: () => ({ status: 'healthy' as const, version: init.version }),
    status: () => statusOf(ctx),
    peers: () => peersOf(ctx),
    reportAccessibility: (check: 'shortcut_conflict', failures: number) => ctx.metrics.accessibilityFailures.inc({ check }, failures),
  };
  const bots = createBots({
    store,
    events,
    messaging,
    createIdentity: (input) => identities.create(input),
    invite: (identityId) => networked?.contacts.invite(identityId).invite ?? null,
    telemetry: ctx.metrics.telemetry,
    logger: init.logger,
    webhookPolicy: { allowHosts: config.bots.webhook_allow_hosts },
    files,
    keyboards: networked?.keyboards,
    botCommands: networked?.botCommands,
  });
  const ledgers = composeLedgers(ctx, networked, { messaging, files });
  const table = apiMethods({ node, identities, messaging, attachments: files, network: networked, bots, ledgers: () => ctx.ledgers });
  ctx.services = networked;
  ctx.attachments = files;
  let stopCounting: (() => void) | undefined;
  return createLifecycle(
    [
      { name: 'identities', component: step(() => identities.unlockNodeSecretIdentities()) },
      networked ? { name: 'network-services', component: networked } : { name: 'attachments', component: files },
      { name: 'expiry', component: createExpiry({ store, events, files, logger: init.logger }) },
      {
        name: 'metrics',
        component: step(
          () => (stopCounting = events.subscribe((event) => event.type === 'message.created' && ctx.metrics.messagesStored.inc({ origin: 'local' }))),
          () => stopCounting?.(),
        ),
      },
      { name: 'bots', component: step(async () => {
        await bots.start();
        ctx.bots = bots;
      }, async () => {
        ctx.bots = undefined;
        await bots.stop();
      }) },
      {
        name: 'chains',
        component: step(
          async () => {
            await ledgers.chains.start();
            ledgers.keyChanges.start();
            await ledgers.bridge.start();
            ledgers.market.start();
            ledgers.marketChat?.start();
            await ledgers.proofs?.start();
            ctx.ledgers = ledgers;
          },
          async () => {
            ctx.ledgers = undefined;
            await ledgers.proofs?.stop();
            await ledgers.marketChat?.stop();
            await ledgers.bridge.stop();
            await ledgers.keyChanges.stop();
            await ledgers.chains.stop();
          },
        ),
      },
      { name: 'api', component: step(() => (ctx.router = createRouter(table)), () => (ctx.router = undefined)) },
    ],
    (name, err) => log.warn({ err, component: name }, 'a component did not stop cleanly'),
  );
}

export function createNode(init: NodeInit): DchatNode {
  applyMemoryMode(init.loaded.config.server.memory_mode);
  const ctx = createContext(init);
  const { dataDir, log, store } = ctx;
  let http: HttpServer | undefined;
  let unlock: (() => void) | undefined;
  let apiToken: ApiTokenSource | undefined;
  let components: Lifecycle | undefined;
  const requireRouter = (): Router => {
    if (!ctx.router) throw new Error('the node is not started');
    return ctx.router;
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
          http = createHttp(ctx, apiToken);
          await http.start();
        }
        store.start();
        components = await compose(ctx);
        await components.start();
        ctx.phase = 'ready';
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
      ctx.phase = 'stopping';
      // The API drains first (in-flight requests finish), then the components stop in reverse.
      await http?.stop();
      await components?.stop();
      store.stop();
      unlock?.();
      log.info('stopped');
    },

    api: {
      call: (method, input) => requireRouter().call(method, input),
      subscribe: (listener) => ctx.events.subscribe(listener),
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
      return ctx.services ? { peerId: ctx.services.network.peerId, addresses: ctx.services.network.addresses() } : undefined;
    },
    store,
    events: ctx.events,
    metrics: ctx.metrics,
    get network() {
      return ctx.services;
    },
  };
}
