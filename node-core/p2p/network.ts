import type { GossipSub } from '@libp2p/gossipsub';
import type { Libp2p, PeerId } from '@libp2p/interface';
import { peerIdFromString } from '@libp2p/peer-id';
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr';
import { createLibp2p } from 'libp2p';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { DchatConfig } from '../config/schema.ts';
import type { PeerInfo } from '../domain/model.ts';
import type { Startable } from '../runtime/startable.ts';
import type { Telemetry } from '../runtime/telemetry.ts';
import { createFrameBudget, type FrameBudget } from './frame-budget.ts';
import { createChannelPool, type ChannelPool } from './frame-channel.ts';
import { serveFrames, type FrameContext } from './frame-responder.ts';
import { createInboundLimits, ipKey, setBalancerAddresses, type InboundLimits } from './inbound-limits.ts';
import { p2pListenErrorFrom } from './listen-error.ts';
import { bootstrapAddresses, libp2pOptions, type DchatServices } from './libp2p-options.ts';
import { DEFAULT_P2P_LIMITS, resolveLimits, type P2pLimits } from './limits.ts';
import { createNetworkCounters, declareNetworkGauges, type NetworkCounters } from './network-metrics.ts';
import { createPeerGuard, type PeerGuard, type PeerGuardOptions } from './peer-guard.ts';
import { loadOrCreatePeerKey } from './peer-key.ts';

export const MAX_FRAME_BYTES = DEFAULT_P2P_LIMITS.maxFrameBytes;

export interface NetworkInit {
  readonly config: DchatConfig;
  readonly dataDir: string;
  readonly logger: Logger;
  /** Where the network's own counters and gauges go. */
  readonly telemetry: Telemetry;
  /** libp2p's metrics implementation writes to a prom-client registry of its own choosing. */
  readonly registry: Registry;
  readonly version: string;
  /** Whether this node relays right now (config role, or opted in at run time). */
  readonly relaying: () => boolean;
  readonly guardOptions?: Partial<PeerGuardOptions>;
  /** Overrides of the resource limits (see limits.ts); validated. */
  readonly limits?: Partial<P2pLimits>;
}

export type FrameHandler = (frame: Uint8Array, context: FrameContext) => Promise<Uint8Array>;

export interface Network extends Startable {
  start(): Promise<void>;
  stop(): Promise<void>;
  readonly libp2p: Libp2p;
  readonly pubsub: GossipSub;
  readonly peerId: string;
  /** Our dialable addresses, each ending in /p2p/<peer id>. */
  addresses(): string[];
  readonly guard: PeerGuard;
  readonly channels: ChannelPool;
  /** Serves a request/response protocol; `errorReply` answers refused or failed frames. */
  handle(protocol: string, handler: FrameHandler, errorReply: Uint8Array): Promise<void>;
  /** Stops serving a protocol (what a component's stop() does for each protocol its start() handled). */
  unhandle(protocol: string): Promise<void>;
  /** The protocols this node serves now (libp2p's own included). */
  protocols(): string[];
  peers(): PeerInfo[];
  isConnected(peerId: string): boolean;
  /** What to dial for a peer: the peer itself when connected (or nothing else is known), else its addresses. */
  target(peerId: string, addresses: readonly string[]): PeerId | Multiaddr[];
  /** Dials addresses (with /p2p/) and resolves once connected. */
  connect(address: string): Promise<PeerId>;
}

/** Multiaddrs of a peer from "addr/p2p/id" strings; unparseable ones are skipped. */
export function parseAddresses(addresses: readonly string[]): Multiaddr[] {
  const out: Multiaddr[] = [];
  for (const a of addresses) {
    try {
      out.push(multiaddr(a));
    } catch {
      // an address we cannot read is no address
    }
  }
  return out;
}

/** What the pieces of a network share once libp2p is built. */
interface NetworkParts {
  readonly init: NetworkInit;
  readonly log: Logger;
  readonly libp2p: Libp2p<DchatServices>;
  readonly counters: NetworkCounters;
  readonly guard: PeerGuard;
  readonly limits: P2pLimits;
  readonly budget: FrameBudget;
  readonly inbound: InboundLimits;
  readonly channels: ChannelPool;
}

export async function createNetwork(init: NetworkInit): Promise<Network> {
  const log = init.logger.child({ component: 'p2p' });
  const counters = createNetworkCounters(init.telemetry);
  const { rejected, bans, ipBans, refused } = counters;
  const guard = createPeerGuard({ logger: init.logger, rejected, bans, ipBans, ...(init.guardOptions ? { options: init.guardOptions } : {}) });
  const limits = resolveLimits(init.limits);
  setBalancerAddresses(init.config.relay.balancer_addresses);
  const budget = createFrameBudget(limits);
  const privateKey = await loadOrCreatePeerKey(init.dataDir);

  // The limits count connections through libp2p, which exists only once created below.
  let connectionsOf: () => ReturnType<Libp2p['getConnections']> = () => [];
  const inbound = createInboundLimits({
    limits,
    connections: () => connectionsOf(),
    onRefused: (what, reason) => refused.inc({ what, reason }),
  });
  const libp2p = await createLibp2p(
    libp2pOptions({ config: init.config, version: init.version, privateKey, registry: init.registry, limits, guard, inbound, refused, isRelay: init.relaying }),
  );
  connectionsOf = () => libp2p.getConnections();

  const parts: NetworkParts = { init, log, libp2p, counters, guard, limits, budget, inbound, channels: createChannelPool(libp2p, { limits, budget }) };
  declareNetworkGauges(init.telemetry, parts);
  const queries = peerQueries(libp2p);
  return {
    ...networkLifecycle(parts, queries),
    ...protocolServing(parts),
    ...queries,
    libp2p,
    pubsub: libp2p.services.pubsub,
    peerId: libp2p.peerId.toString(),
    guard,
    channels: parts.channels,
  };
}

type PeerQueries = Pick<Network, 'addresses' | 'peers' | 'isConnected' | 'target' | 'connect'>;

function peerQueries(libp2p: Libp2p): PeerQueries {
  const isConnected = (id: string) => libp2p.getConnections().some((c) => c.remotePeer.toString() === id && c.status === 'open');
  return {
    addresses: () => libp2p.getMultiaddrs().map((a) => a.toString()),
    isConnected,
    async connect(address) {
      const connection = await libp2p.dial(multiaddr(address), { signal: AbortSignal.timeout(10_000) });
      return connection.remotePeer;
    },
    target(peerId, addresses) {
      if (isConnected(peerId)) return peerIdFromString(peerId);
      const addrs = parseAddresses(addresses.map((a) => (a.includes('/p2p/') ? a : `${a}/p2p/${peerId}`)));
      return addrs.length === 0 ? peerIdFromString(peerId) : addrs;
    },
    peers() {
      const byPeer = new Map<string, PeerInfo & { addresses: string[] }>();
      for (const connection of libp2p.getConnections()) {
        const id = connection.remotePeer.toString();
        const entry = byPeer.get(id) ?? { peer_id: id, addresses: [], direction: connection.direction, latency_ms: connection.rtt ?? null, role: null };
        entry.addresses.push(connection.remoteAddr.toString());
        byPeer.set(id, entry);
      }
      return [...byPeer.values()];
    },
  };
}

/** Closes what the guard banned: the peer's connections, or every one from a banned address. */
function watchBans(libp2p: Libp2p, guard: PeerGuard): () => void {
  const abortWhere = (matches: (connection: ReturnType<Libp2p['getConnections']>[number]) => boolean, reason: string) => {
    for (const connection of libp2p.getConnections()) if (matches(connection)) connection.abort(new Error(reason));
  };
  const offBan = guard.onBan((peer) => abortWhere((c) => c.remotePeer.toString() === peer, 'banned for misbehaviour'));
  const offIpBan = guard.onIpBan((ip) => abortWhere((c) => ipKey(c.remoteAddr) === ip, 'address banned for misbehaviour'));
  const onOpen = (evt: CustomEvent<ReturnType<Libp2p['getConnections']>[number]>) => guard.observe(evt.detail.remotePeer.toString(), ipKey(evt.detail.remoteAddr));
  libp2p.addEventListener('connection:open', onOpen);
  return () => {
    offBan();
    offIpBan();
    libp2p.removeEventListener('connection:open', onOpen);
  };
}

/** Start acquires the guard's timer and the listeners; stop releases all of them. */
function networkLifecycle(parts: NetworkParts, queries: PeerQueries): Pick<Network, 'start' | 'stop'> {
  const { libp2p, guard, log } = parts;
  let release: Array<() => void> = [];
  const releaseAll = () => {
    for (const undo of release.splice(0).reverse()) undo();
  };
  return {
    async start() {
      guard.start();
      release = [() => guard.stop(), watchBans(libp2p, guard)];
      try {
        await libp2p.start();
      } catch (err) {
        releaseAll();
        // A port in use is the operator's to fix: say which setting, not libp2p's stack.
        throw p2pListenErrorFrom(err) ?? err;
      }
      log.info({ peer_id: libp2p.peerId.toString(), addresses: queries.addresses() }, 'peer-to-peer network listening');
      for (const address of bootstrapAddresses(parts.init.config)) {
        void queries.connect(address).catch((err: Error) => log.warn({ address, err: err.message }, 'could not reach a bootstrap peer yet'));
      }
    },
    async stop() {
      parts.channels.closeAll();
      try {
        await libp2p.stop();
      } finally {
        releaseAll();
      }
    },
  };
}

function protocolServing(parts: NetworkParts): Pick<Network, 'handle' | 'unhandle' | 'protocols'> {
  const { libp2p, limits, budget, inbound, guard, log, counters } = parts;
  return {
    async handle(protocol, handler, errorReply) {
      await libp2p.handle(
        protocol,
        (stream, connection) =>
          serveFrames(stream, connection, handler, {
            protocol,
            limits,
            budget,
            inbound,
            guard,
            logger: log,
            errorReply,
            onRefused: (what, reason) => counters.refused.inc({ what, reason }),
          }),
        { maxInboundStreams: limits.maxInboundStreamsPerProtocol, maxOutboundStreams: 64 },
      );
    },
    async unhandle(protocol) {
      await libp2p.unhandle(protocol);
    },
    protocols: () => libp2p.getProtocols(),
  };
}
