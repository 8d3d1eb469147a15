import { noise } from '@chainsafe/libp2p-noise';
import { yamux } from '@chainsafe/libp2p-yamux';
import { autoNAT } from '@libp2p/autonat';
import { bootstrap } from '@libp2p/bootstrap';
import { circuitRelayServer, circuitRelayTransport } from '@libp2p/circuit-relay-v2';
import { dcutr } from '@libp2p/dcutr';
import { gossipsub, type GossipSub } from '@libp2p/gossipsub';
import { identify } from '@libp2p/identify';
import type { Libp2p, PeerId } from '@libp2p/interface';
import { kadDHT } from '@libp2p/kad-dht';
import { ping } from '@libp2p/ping';
import { prometheusMetrics } from '@libp2p/prometheus-metrics';
import { tcp } from '@libp2p/tcp';
import { uPnPNAT } from '@libp2p/upnp-nat';
import { webSockets } from '@libp2p/websockets';
import { peerIdFromString } from '@libp2p/peer-id';
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr';
import { createLibp2p } from 'libp2p';
import type { Logger } from 'pino';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { PeerInfo } from '../domain/model.ts';
import type { DchatConfig } from '../config/schema.ts';
import { createFrameBudget } from './frame-budget.ts';
import { createChannelPool, serveFrames, type ChannelPool, type FrameContext } from './frame-streams.ts';
import { createInboundLimits, ipKey } from './inbound-limits.ts';
import { DEFAULT_P2P_LIMITS, resolveLimits, type P2pLimits } from './limits.ts';
import { createPeerGuard, type PeerGuard, type PeerGuardOptions } from './peer-guard.ts';
import { loadOrCreatePeerKey } from './peer-key.ts';

export const MAX_FRAME_BYTES = DEFAULT_P2P_LIMITS.maxFrameBytes;

export interface NetworkInit {
  readonly config: DchatConfig;
  readonly dataDir: string;
  readonly logger: Logger;
  readonly registry: Registry;
  readonly version: string;
  /** Whether this node relays right now (config role, or opted in at run time). */
  readonly relaying: () => boolean;
  readonly guardOptions?: Partial<PeerGuardOptions>;
  /** Overrides of the resource limits (see limits.ts); validated. */
  readonly limits?: Partial<P2pLimits>;
}

export type FrameHandler = (frame: Uint8Array, context: FrameContext) => Promise<Uint8Array>;

export interface Network {
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

export async function createNetwork(init: NetworkInit): Promise<Network> {
  const { config } = init;
  const log = init.logger.child({ component: 'p2p' });
  const rejected = new Counter({
    name: 'dchat_p2p_frames_rejected_total',
    help: 'Frames from peers that were dropped, by protocol and reason',
    labelNames: ['protocol', 'reason'] as const,
    registers: [init.registry],
  });
  const bans = new Counter({ name: 'dchat_p2p_peers_banned_total', help: 'Peers banned for misbehaving', registers: [init.registry] });
  const ipBans = new Counter({ name: 'dchat_p2p_ips_banned_total', help: 'IP addresses banned because several of their peer ids misbehaved', registers: [init.registry] });
  const refused = new Counter({
    name: 'dchat_p2p_refused_total',
    help: 'Inbound connections, streams and frames refused by the resource limits, by what and why',
    labelNames: ['what', 'reason'] as const,
    registers: [init.registry],
  });
  const guard = createPeerGuard({ logger: init.logger, rejected, bans, ipBans, ...(init.guardOptions ? { options: init.guardOptions } : {}) });
  const limits = resolveLimits(init.limits);
  const budget = createFrameBudget(limits);
  const isRelay = () => init.relaying();

  const host = config.server.p2p_host;
  const ip = host.includes(':') ? 'ip6' : 'ip4';
  const bootstrapList = [...config.relay.bootstrap_nodes, ...config.relay.home_relays];
  const privateKey = await loadOrCreatePeerKey(init.dataDir);

  // The limits count connections through libp2p, which exists only once created below.
  let connectionsOf: () => ReturnType<Libp2p['getConnections']> = () => [];
  const inbound = createInboundLimits({
    limits,
    connections: () => connectionsOf(),
    onRefused: (what, reason) => refused.inc({ what, reason }),
  });

  const libp2p = await createLibp2p({
    privateKey,
    start: false,
    nodeInfo: { name: 'dchat', version: init.version, userAgent: `dchat/${init.version}` },
    addresses: {
      listen: [`/${ip}/${host}/tcp/${config.server.p2p_port}`, `/${ip}/${host}/tcp/${config.server.p2p_ws_port}/ws`],
      ...(config.relay.external_addresses.length > 0 ? { announce: config.relay.external_addresses } : {}),
    },
    transports: [tcp(), webSockets(), circuitRelayTransport()],
    connectionEncrypters: [noise()],
    // The window bounds what a stream whose reading is paused can still push at us; it is not
    // allowed to grow, so a stalled reader costs at most 256 KB per stream.
    streamMuxers: [yamux({ maxInboundStreams: 256, maxEarlyStreams: 10, streamOptions: { maxStreamWindowSize: 256 * 1024 } })],
    // A relay expects many peers (often several behind one NAT address): it accepts new
    // connections faster than libp2p's per-address default of 5 per second. Handshakes and
    // protocol negotiation get short deadlines: a connection or stream that never finishes
    // them holds buffers for nothing.
    connectionManager: {
      maxConnections: config.relay.max_peers,
      ...(isRelay() ? { inboundConnectionThreshold: 50, maxIncomingPendingConnections: 64 } : { maxIncomingPendingConnections: 16 }),
      maxParallelDials: 50,
      inboundUpgradeTimeout: 5_000,
      inboundStreamProtocolNegotiationTimeout: 5_000,
    },
    connectionGater: {
      ...guard.gater,
      denyInboundConnection: (maConn) => {
        if (guard.gater.denyInboundConnection?.(maConn) === true) {
          refused.inc({ what: 'connection', reason: 'banned-ip' });
          return true;
        }
        return inbound.denyInboundConnection(maConn);
      },
      denyInboundEncryptedConnection: async (peerId, maConn) => {
        if ((await guard.gater.denyInboundEncryptedConnection?.(peerId, maConn)) === true) {
          refused.inc({ what: 'connection', reason: 'banned' });
          return true;
        }
        return inbound.denyInboundEncryptedConnection(peerId, maConn);
      },
      // Every node can relay connections for peers behind NAT, but only relays accept reservations.
      denyInboundRelayReservation: () => !isRelay(),
    },
    peerDiscovery: bootstrapList.length > 0 ? [bootstrap({ list: bootstrapList })] : [],
    metrics: prometheusMetrics({ registry: init.registry, collectDefaultMetrics: false, preserveExistingMetrics: true }),
    services: {
      identify: identify(),
      ping: ping(),
      // libp2p's own protocols buffer their messages themselves (up to 4 MB each): few streams
      // per connection keep that bounded too.
      pubsub: gossipsub({ emitSelf: false, allowPublishToZeroTopicPeers: true, fallbackToFloodsub: false, maxInboundStreams: 2, maxOutboundStreams: 2 }),
      dht: kadDHT({
        protocol: '/dchat/kad/1.0.0',
        clientMode: !isRelay(),
        allowQueryWithZeroPeers: true,
        maxInboundStreams: 4,
        incomingMessageTimeout: limits.frameDeadlineMs,
      }),
      relay: circuitRelayServer({ reservations: { maxReservations: config.relay.max_peers } }),
      dcutr: dcutr(),
      autonat: autoNAT({ protocolPrefix: 'dchat' }),
      ...(config.relay.nat_upnp ? { upnp: uPnPNAT() } : {}),
    },
  });

  connectionsOf = () => libp2p.getConnections();
  guard.onBan((peer) => {
    for (const connection of libp2p.getConnections()) {
      if (connection.remotePeer.toString() === peer) connection.abort(new Error('banned for misbehaviour'));
    }
  });
  guard.onIpBan((ip) => {
    for (const connection of libp2p.getConnections()) {
      if (ipKey(connection.remoteAddr) === ip) connection.abort(new Error('address banned for misbehaviour'));
    }
  });
  libp2p.addEventListener('connection:open', (evt) => guard.observe(evt.detail.remotePeer.toString(), ipKey(evt.detail.remoteAddr)));

  const bufferedBytes = new Gauge({
    name: 'dchat_p2p_frame_buffer_bytes',
    help: 'Bytes held for peers in partial frames, pending requests and unsent answers',
    registers: [init.registry],
    collect() {
      this.set(budget.used);
    },
  });
  const budgetBytes = new Gauge({ name: 'dchat_p2p_frame_budget_bytes', help: 'The most bytes peers may make the node hold in frames', registers: [init.registry] });
  budgetBytes.set(budget.limit);
  const inboundStreams = new Gauge({
    name: 'dchat_p2p_inbound_streams',
    help: 'Inbound dchat protocol streams being served',
    registers: [init.registry],
    collect() {
      this.set(inbound.streams);
    },
  });
  void bufferedBytes;
  void inboundStreams;

  const connectedPeers = new Gauge({
    name: 'dchat_p2p_connected_peers',
    help: 'Peers with an open connection',
    registers: [init.registry],
    collect() {
      this.set(new Set(libp2p.getConnections().map((c) => c.remotePeer.toString())).size);
    },
  });
  void connectedPeers;

  const channels = createChannelPool(libp2p, { limits, budget });
  const peerId = libp2p.peerId.toString();

  const addresses = () => libp2p.getMultiaddrs().map((a) => a.toString());
  const isConnected = (id: string) => libp2p.getConnections().some((c) => c.remotePeer.toString() === id && c.status === 'open');
  const connect = async (address: string): Promise<PeerId> => {
    const connection = await libp2p.dial(multiaddr(address), { signal: AbortSignal.timeout(10_000) });
    return connection.remotePeer;
  };

  return {
    async start() {
      await libp2p.start();
      log.info({ peer_id: peerId, addresses: addresses() }, 'peer-to-peer network listening');
      for (const address of bootstrapList) {
        void connect(address).catch((err: Error) => log.warn({ address, err: err.message }, 'could not reach a bootstrap peer yet'));
      }
    },
    async stop() {
      channels.closeAll();
      await libp2p.stop();
    },
    libp2p,
    pubsub: libp2p.services.pubsub,
    peerId,
    addresses,
    guard,
    channels,
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
            onRefused: (what, reason) => refused.inc({ what, reason }),
          }),
        { maxInboundStreams: limits.maxInboundStreamsPerProtocol, maxOutboundStreams: 64 },
      );
    },
    async unhandle(protocol) {
      await libp2p.unhandle(protocol);
    },
    protocols: () => libp2p.getProtocols(),
    peers() {
      const byPeer = new Map<string, PeerInfo & { addresses: string[] }>();
      for (const connection of libp2p.getConnections()) {
        const id = connection.remotePeer.toString();
        const entry = byPeer.get(id) ?? {
          peer_id: id,
          addresses: [],
          direction: connection.direction,
          latency_ms: connection.rtt ?? null,
          role: null,
        };
        entry.addresses.push(connection.remoteAddr.toString());
        byPeer.set(id, entry);
      }
      return [...byPeer.values()];
    },
    isConnected,
    target(peerId, addresses) {
      if (isConnected(peerId)) return peerIdFromString(peerId);
      const addrs = parseAddresses(addresses.map((a) => (a.includes('/p2p/') ? a : `${a}/p2p/${peerId}`)));
      return addrs.length === 0 ? peerIdFromString(peerId) : addrs;
    },
    connect,
  };
}
