import { multiaddr } from '@multiformats/multiaddr';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { PeerList } from './domain/model.ts';
import { ValidationError } from './domain/errors.ts';
import { createAttachmentService, type AttachmentService } from './attachments/attachment-service.ts';
import type { LoadedConfig } from './config/load.ts';
import { createContactService, type ContactService } from './contacts/contact-service.ts';
import { signIdentityRecord, type RelayRef, type SignedIdentityRecord } from './wire/identity-record.ts';
import { createDeliveryService, type DeliveryService } from './delivery/delivery-service.ts';
import { createPeerProtocol } from './delivery/peer-protocol.ts';
import type { EventBus } from './events/event-bus.ts';
import { createGroupService, type GroupService } from './groups/group-service.ts';
import { createDirectMessaging, type DirectMessaging } from './messaging/direct-messaging.ts';
import type { Outbound } from './messaging/messaging-service.ts';
import { createNetwork, type Network } from './p2p/network.ts';
import { createRelayClient, type RelayClient } from './relay/relay-client.ts';
import { createRelayService, type RelayService } from './relay/relay-service.ts';
import type { KeyRing } from './sessions/key-ring.ts';
import type { LocalVault } from './sessions/vault.ts';
import type { Store } from './store/store.ts';
import { createPrometheusTelemetry } from './observability/prometheus-telemetry.ts';
import { createLifecycle, type Startable } from './runtime/startable.ts';

/**
 * Everything that talks to other nodes, composed: the libp2p network, envelope delivery, relays
 * (serving and using), contacts, 1:1 and group messaging, attachments. The node starts it after
 * the store is open; with server.p2p_enabled = false it is left out and local chats still work.
 */

const CHOSEN_RELAYS = 'relays.chosen';
const RECORD_TTL_MS = 60_000;

export interface NetworkServices {
  start(): Promise<void>;
  stop(): Promise<void>;
  readonly network: Network;
  readonly delivery: DeliveryService;
  readonly relay: RelayService;
  readonly relayClient: RelayClient;
  readonly contacts: ContactService;
  readonly direct: DirectMessaging;
  readonly groups: GroupService;
  readonly attachments: AttachmentService;
  ownRecord(identityId: string): SignedIdentityRecord;
  chosenRelays(): RelayRef[];
  setChosenRelays(addresses: readonly string[]): Promise<RelayRef[]>;
  peers(): PeerList;
  /** Outbound delivery for a chat, by kind. */
  outboundFor(kind: string): Outbound | undefined;
}

/** A relay given as a multiaddr ending in /p2p/<peer id>. */
export function parseRelay(address: string): RelayRef {
  let ma;
  try {
    ma = multiaddr(address);
  } catch {
    throw new ValidationError(`relays: "${address}" is not a multiaddr`);
  }
  const peerId = ma.getComponents().findLast((c) => c.name === 'p2p')?.value;
  if (!peerId) throw new ValidationError(`relays: "${address}" does not end in /p2p/<peer id>`);
  return { peer_id: peerId, addresses: [address] };
}

export async function createNetworkServices(init: {
  readonly loaded: LoadedConfig;
  readonly store: Store;
  readonly events: EventBus;
  readonly keyRing: KeyRing;
  readonly vault: LocalVault;
  readonly logger: Logger;
  readonly registry: Registry;
  readonly version: string;
  /** Largest attachment accepted (messages.max_size_mb), in bytes. */
  readonly maxAttachmentBytes: number;
}): Promise<NetworkServices> {
  const { loaded, store, events, keyRing, vault } = init;
  const config = loaded.config;
  let relayEnabled = config.node.role === 'relay';
  const network = await createNetwork({
    config,
    dataDir: loaded.dataDir,
    logger: init.logger,
    registry: init.registry,
    version: init.version,
    relaying: () => relayEnabled,
  });
  const telemetry = createPrometheusTelemetry(init.registry);

  // Read on every mailbox push and record signature: parsed once, and again when they change.
  let chosen: RelayRef[] | undefined;
  const chosenRelays = (): RelayRef[] => (chosen ??= readChosenRelays());
  const readChosenRelays = (): RelayRef[] => {
    const stored = store.repos.settings.get<string[]>(CHOSEN_RELAYS);
    const list = stored ?? config.relay.home_relays;
    const relays: RelayRef[] = [];
    for (const address of list) {
      try {
        const relay = parseRelay(address);
        if (relay.peer_id !== network.peerId) relays.push(relay);
      } catch {
        // config validation named it already; skip what cannot be used
      }
    }
    return relays;
  };

  const recordCache = new Map<string, { record: SignedIdentityRecord; at: number; key: string }>();
  const ownRecord = (identityId: string): SignedIdentityRecord => {
    const secret = keyRing.get(identityId);
    const identity = store.repos.identities.get(identityId);
    if (!secret || !identity) throw new ValidationError(`identity ${identityId} is not unlocked here`);
    const profile = store.repos.profiles.get(identityId);
    const relays = chosenRelays();
    const addresses = network.addresses().slice(0, 16);
    const key = JSON.stringify([profile?.display_name, addresses, relays]);
    const cached = recordCache.get(identityId);
    if (cached && cached.key === key && Date.now() - cached.at < RECORD_TTL_MS) return cached.record;
    const record = signIdentityRecord(
      {
        identity_key: identity.public_key,
        username: identity.username,
        display_name: profile?.display_name ?? identity.username,
        peer_id: network.peerId,
        addresses,
        relays: relays.slice(0, 8),
        updated_at: Date.now(),
      },
      secret,
    );
    recordCache.set(identityId, { record, at: Date.now(), key });
    return record;
  };

  const contacts = createContactService({ store, events, ownRecord });

  const delivery = createDeliveryService({
    store,
    network,
    keyRing,
    vault,
    logger: init.logger,
    telemetry,
    maxAgeMs: config.messages.ttl_hours * 3_600_000,
    route: (repos, local, remote) => contacts.route(repos, local, remote),
    ownRecord,
    isOurRelay: (peer) => chosenRelays().some((r) => r.peer_id === peer),
  });

  const attachments = createAttachmentService({
    dataDir: loaded.dataDir,
    store,
    network,
    keyRing,
    vault,
    events,
    logger: init.logger,
    maxBytes: init.maxAttachmentBytes,
    sourceOf: (repos, local, sender) => {
      const route = contacts.route(repos, local, sender);
      return route ? { peerId: route.peerId, addresses: route.addresses } : undefined;
    },
    ownRelays: chosenRelays,
  });

  const direct = createDirectMessaging({ store, events, delivery, contacts, attachments });
  const groups = createGroupService({
    store,
    network,
    delivery,
    keyRing,
    vault,
    events,
    attachments,
    logger: init.logger,
    ownRecord,
    onPayload: (kind, handler) => direct.onPayload(kind, handler),
  });

  const relay = createRelayService({
    config,
    store,
    network,
    logger: init.logger,
    telemetry,
    onEnabledChange: (enabled) => (relayEnabled = enabled),
  });
  const relayClient = createRelayClient({ store, network, keyRing, vault, logger: init.logger, relays: chosenRelays, ownRecord });

  const directOutbound: Outbound = {
    queue(repos, chat, message, manifests) {
      const after = direct.queue(repos, chat, message, manifests);
      return () => {
        after();
        if (manifests.length > 0) {
          const route = contacts.route(store.repos, chat.identity_id, chat.peer_identity!);
          if (route) attachments.pushToRelays(message.id, [{ recipient: chat.peer_identity!, relays: route.relays }]);
        }
      };
    },
    markRead: (repos, chat) => direct.markRead(repos, chat),
  };

  // 1:1 payloads and group envelopes are understood by messaging and groups; delivery only
  // carries them. Registered before delivery starts receiving, released after it stopped.
  const envelopeHandlers: Startable & { release: Array<() => void> } = {
    release: [],
    start() {
      this.release = [
        delivery.handleEnvelopes('direct', (repos, payload, context) => direct.handle(repos, payload, context)),
        delivery.handleEnvelopes('group', (repos, envelope, at) => groups.handleGroupEnvelope(repos, envelope, at)),
        delivery.handleEnvelopes('groupRecipients', (repos, groupId) => groups.groupRecipients(repos, groupId)),
      ];
    },
    stop() {
      for (const release of this.release.splice(0)) release();
    },
  };
  const peerProtocol = createPeerProtocol({ store, network, keyRing, vault, ownRecord, chunk: (hash) => attachments.chunk(hash) });

  // One list: started in this order, stopped in reverse. Each entry needs only those above it.
  const lifecycle = createLifecycle(
    [
      { name: 'network', component: network },
      { name: 'attachments', component: attachments },
      { name: 'envelope-handlers', component: envelopeHandlers },
      { name: 'delivery', component: delivery },
      { name: 'peer-protocol', component: peerProtocol },
      { name: 'relay', component: relay },
      { name: 'groups', component: groups },
      { name: 'direct-messaging', component: direct },
      { name: 'relay-client', component: relayClient },
    ],
    (name, err) => init.logger.warn({ err, component: name }, 'a component did not stop cleanly'),
  );

  return {
    start: () => lifecycle.start(),
    stop: () => lifecycle.stop(),
    network,
    delivery,
    relay,
    relayClient,
    contacts,
    direct,
    groups,
    attachments,
    ownRecord,
    chosenRelays,
    async setChosenRelays(addresses) {
      const relays = addresses.map(parseRelay);
      if (relays.some((r) => r.peer_id === network.peerId)) throw new ValidationError('relays: a node cannot be its own relay');
      await store.write((repos) => repos.settings.set(CHOSEN_RELAYS, [...addresses]));
      chosen = undefined;
      recordCache.clear();
      relayClient.refresh();
      return relays;
    },
    peers() {
      const relays = new Set(chosenRelays().map((r) => r.peer_id));
      const peers = network.peers().map((p) => ({ ...p, role: relays.has(p.peer_id) ? 'relay' : p.role }));
      return { peers, count: peers.length };
    },
    outboundFor: (kind) => (kind === 'direct' ? directOutbound : kind === 'group' ? groups.outbound : undefined),
  };
}
