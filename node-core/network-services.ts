import { viewMessages } from './messaging/message-view.ts';
import { createKeyboards, type Keyboards } from './messaging/keyboards.ts';
import { createBotCommandSync, type BotCommandSync } from './messaging/bot-commands.ts';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { PeerList, RelayRef } from './domain/model.ts';
import { createAttachmentService, type AttachmentService } from './attachments/attachment-service.ts';
import type { LoadedConfig } from './config/load.ts';
import { createContactService, type ContactService } from './contacts/contact-service.ts';
import { createOwnRecords, type OwnRecords } from './contacts/own-record.ts';
import type { SignedIdentityRecord } from './wire/identity-record.ts';
import { createDeliveryService, type DeliveryService } from './delivery/delivery-service.ts';
import { createPeerProtocol } from './delivery/peer-protocol.ts';
import type { EventBus } from './events/event-bus.ts';
import { createGroupService, type GroupService } from './groups/group-service.ts';
import { createDirectMessaging, type DirectMessaging } from './messaging/direct-messaging.ts';
import type { Outbound } from './messaging/messaging-service.ts';
import { createNetwork, type Network } from './p2p/network.ts';
import { createChosenRelays, type ChosenRelays } from './relay/chosen-relays.ts';
import { createRelayClient, type RelayClient } from './relay/relay-client.ts';
import { createRelayService, type RelayService } from './relay/relay-service.ts';
import type { KeyRing } from './sessions/key-ring.ts';
import type { LocalVault } from './sessions/vault.ts';
import type { Store } from './store/store.ts';
import { createLifecycle, type NamedComponent, type Startable } from './runtime/startable.ts';
import type { Telemetry } from './runtime/telemetry.ts';

/**
 * Everything that talks to other nodes, composed: the libp2p network, envelope delivery, relays
 * (serving and using), contacts, 1:1 and group messaging, attachments. The node starts it after
 * the store is open; with server.p2p_enabled = false it is left out and local chats still work.
 * Each part is built from those built before it, and all run as one lifecycle list.
 */
export interface NetworkServices extends Startable {
  start(): Promise<void>;
  stop(): Promise<void>;
  readonly network: Network;
  readonly delivery: DeliveryService;
  readonly relay: RelayService;
  readonly relayClient: RelayClient;
  readonly contacts: ContactService;
  readonly direct: DirectMessaging;
  readonly keyboards: Keyboards;
  readonly botCommands: BotCommandSync;
  readonly groups: GroupService;
  readonly attachments: AttachmentService;
  ownRecord(identityId: string): SignedIdentityRecord;
  chosenRelays(): RelayRef[];
  setChosenRelays(addresses: readonly string[]): Promise<RelayRef[]>;
  peers(): PeerList;
  /** Outbound delivery for a chat, by kind. */
  outboundFor(kind: string): Outbound | undefined;
}

export interface NetworkServicesInit {
  readonly loaded: LoadedConfig;
  readonly store: Store;
  readonly events: EventBus;
  readonly keyRing: KeyRing;
  readonly vault: LocalVault;
  readonly logger: Logger;
  /** Where components record their metrics. */
  readonly telemetry: Telemetry;
  /** libp2p's own metrics go to this registry (the one /metrics serves). */
  readonly registry: Registry;
  readonly version: string;
  /** Largest attachment accepted (messages.max_size_mb), in bytes. */
  readonly maxAttachmentBytes: number;
}

/** What the peer-facing capabilities all stand on: the network, our relays and records, contacts. */
interface Basics extends NetworkServicesInit {
  readonly network: Network;
  readonly relays: ChosenRelays;
  readonly records: OwnRecords;
  readonly contacts: ContactService;
  /** The relay service says when relaying is switched at run time; the network asks. */
  readonly relaying: { enabled: boolean };
}

async function createBasics(init: NetworkServicesInit): Promise<Basics> {
  const { loaded, store } = init;
  const relaying = { enabled: loaded.config.node.role === 'relay' };
  const network = await createNetwork({
    config: loaded.config,
    dataDir: loaded.dataDir,
    logger: init.logger,
    telemetry: init.telemetry,
    registry: init.registry,
    version: init.version,
    relaying: () => relaying.enabled,
  });
  const relays = createChosenRelays({ store, config: loaded.config, selfPeerId: network.peerId });
  const records = createOwnRecords({ store, keyRing: init.keyRing, peerId: network.peerId, addresses: () => network.addresses(), relays: () => relays.list() });
  relays.onChange(() => records.invalidate());
  const contacts = createContactService({ store, events: init.events, ownRecord: (id) => records.get(id) });
  return { ...init, network, relays, records, contacts, relaying };
}

/** The capabilities, each from those before it. */
function createCapabilities(b: Basics) {
  const { store, network, keyRing, vault, events, contacts } = b;
  const ownRecord = (id: string) => b.records.get(id);
  const chosen = () => b.relays.list();
  const delivery = createDeliveryService({
    store,
    network,
    keyRing,
    vault,
    logger: b.logger,
    telemetry: b.telemetry,
    maxAgeMs: b.loaded.config.messages.ttl_hours * 3_600_000,
    route: (repos, local, remote) => contacts.route(repos, local, remote),
    ownRecord,
    isOurRelay: (peer) => chosen().some((r) => r.peer_id === peer),
  });
  const attachments = createAttachmentService({
    dataDir: b.loaded.dataDir,
    store,
    network,
    keyRing,
    vault,
    events,
    logger: b.logger,
    maxBytes: b.maxAttachmentBytes,
    sourceOf: (repos, local, sender) => {
      const route = contacts.route(repos, local, sender);
      return route ? { peerId: route.peerId, addresses: route.addresses } : undefined;
    },
    ownRelays: chosen,
    present: (repos, messages) => viewMessages(repos, attachments, messages),
  });
  const direct = createDirectMessaging({ store, events, delivery, contacts, attachments, isConnected: (peer) => network.isConnected(peer) });
  const keyboards = createKeyboards({ store, events, delivery, direct, attachments, logger: b.logger });
  const botCommands = createBotCommandSync({ store, events, delivery, direct, logger: b.logger });
  const groups = createGroupService({ store, network, delivery, keyRing, vault, events, attachments, logger: b.logger, ownRecord, onPayload: (kind, handler) => direct.onPayload(kind, handler) });
  const relay = createRelayService({ config: b.loaded.config, store, network, logger: b.logger, telemetry: b.telemetry, onEnabledChange: (enabled) => (b.relaying.enabled = enabled) });
  const relayClient = createRelayClient({ store, network, keyRing, vault, logger: b.logger, relays: chosen, ownRecord });
  b.relays.onChange(() => relayClient.refresh());
  const peerProtocol = createPeerProtocol({ store, network, keyRing, vault, ownRecord, chunk: (hash) => attachments.chunk(hash) });
  return { delivery, attachments, direct, keyboards, botCommands, groups, relay, relayClient, peerProtocol };
}

type Capabilities = ReturnType<typeof createCapabilities>;

/**
 * 1:1 payloads and group envelopes are understood by messaging and groups; delivery only carries
 * them. Registered before delivery starts receiving, released after it stopped.
 */
function envelopeHandlers({ delivery, direct, groups }: Capabilities): Startable {
  let release: Array<() => void> = [];
  return {
    start() {
      release = [
        delivery.handleEnvelopes('direct', (repos, payload, context) => direct.handle(repos, payload, context)),
        delivery.handleEnvelopes('group', (repos, envelope, at) => groups.handleGroupEnvelope(repos, envelope, at)),
        delivery.handleEnvelopes('groupRecipients', (repos, groupId) => groups.groupRecipients(repos, groupId)),
      ];
    },
    stop() {
      for (const undo of release.splice(0)) undo();
    },
  };
}

/** 1:1 chats: the message goes through delivery, its attachments' chunks to the recipient's relays. */
function directOutbound(b: Basics, { direct, attachments }: Capabilities): Outbound {
  return {
    queue(repos, chat, message, manifests) {
      const after = direct.queue(repos, chat, message, manifests);
      return () => {
        after();
        if (manifests.length === 0) return;
        const route = b.contacts.route(b.store.repos, chat.identity_id, chat.peer_identity!);
        if (route) attachments.pushToRelays(message.id, [{ recipient: chat.peer_identity!, relays: route.relays }]);
      };
    },
    markRead: (repos, chat) => direct.markRead(repos, chat),
    queueUpdate: (repos, chat, update) => direct.queueUpdate(repos, chat, update),
  };
}

export async function createNetworkServices(init: NetworkServicesInit): Promise<NetworkServices> {
  const b = await createBasics(init);
  const c = createCapabilities(b);
  const outbound = directOutbound(b, c);
  // One list: started in this order, stopped in reverse. Each entry needs only those above it.
  const components: NamedComponent[] = [
    { name: 'network', component: b.network },
    { name: 'attachments', component: c.attachments },
    { name: 'envelope-handlers', component: envelopeHandlers(c) },
    { name: 'delivery', component: c.delivery },
    { name: 'peer-protocol', component: c.peerProtocol },
    { name: 'relay', component: c.relay },
    { name: 'groups', component: c.groups },
    { name: 'direct-messaging', component: c.direct },
    { name: 'keyboards', component: c.keyboards },
    { name: 'relay-client', component: c.relayClient },
  ];
  const lifecycle = createLifecycle(components, (name, err) => init.logger.warn({ err, component: name }, 'a component did not stop cleanly'));
  return {
    start: () => lifecycle.start(),
    stop: () => lifecycle.stop(),
    network: b.network,
    contacts: b.contacts,
    ...c,
    ownRecord: (id) => b.records.get(id),
    chosenRelays: () => b.relays.list(),
    setChosenRelays: (addresses) => b.relays.set(addresses),
    peers() {
      const relays = new Set(b.relays.list().map((r) => r.peer_id));
      const peers = b.network.peers().map((p) => ({ ...p, role: relays.has(p.peer_id) ? 'relay' : p.role }));
      return { peers, count: peers.length };
    },
    outboundFor: (kind) => (kind === 'direct' ? outbound : kind === 'group' ? c.groups.outbound : undefined),
  };
}
