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
import type { PeerInfo } from '../api/contract.ts';
import type { DchatConfig } from '../config/schema.ts';
import { createChannelPool, serveFrames, type ChannelPool, type FrameContext } from './frame-streams.ts';
import { createPeerGuard, type PeerGuard, type PeerGuardOptions } from './peer-guard.ts';
import { loadOrCreatePeerKey } from './peer-key.ts';

export const MAX_FRAME_BYTES = 2 * 1024 * 1024;

export interface NetworkInit {
  readonly config: DchatConfig;
  readonly dataDir: string;
  readonly logger: Logger;
  readonly registry: Registry;
  readonly version: string;
  /** Whether this node relays right now (config role, or opted in at run time). */
  readonly relaying: () => boolean;
  readonly guardOptions?: Partial<PeerGuardOptions>;
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
  const guard = createPeerGuard({ logger: init.logger, rejected, bans, ...(init.guardOptions ? { options: init.guardOptions } : {}) });
  const isRelay = () => init.relaying();

  const host = config.server.p2p_host;
  const ip = host.includes(':') ? 'ip6' : 'ip4';
  const bootstrapList = [...config.relay.bootstrap_nodes, ...config.relay.home_relays];
  const privateKey = await loadOrCreatePeerKey(init.dataDir);

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
    streamMuxers: [yamux()],
    // A relay expects many peers (often several behind one NAT address): it accepts new
    // connections faster than libp2p's per-address default of 5 per second.
    connectionManager: isRelay()
      ? { maxConnections: config.relay.max_peers, inboundConnectionThreshold: 100, maxIncomingPendingConnections: 200 }
      : { maxConnections: config.relay.max_peers },
    connectionGater: {
      ...guard.gater,
      // Every node can relay connections for peers behind NAT, but only relays accept reservations.
      denyInboundRelayReservation: () => !isRelay(),
    },
    peerDiscovery: bootstrapList.length > 0 ? [bootstrap({ list: bootstrapList })] : [],
    metrics: prometheusMetrics({ registry: init.registry, collectDefaultMetrics: false, preserveExistingMetrics: true }),
    services: {
      identify: identify(),
      ping: ping(),
      pubsub: gossipsub({ emitSelf: false, allowPublishToZeroTopicPeers: true, fallbackToFloodsub: false }),
      dht: kadDHT({ protocol: '/dchat/kad/1.0.0', clientMode: !isRelay(), allowQueryWithZeroPeers: true }),
      relay: circuitRelayServer({ reservations: { maxReservations: config.relay.max_peers } }),
      dcutr: dcutr(),
      autonat: autoNAT({ protocolPrefix: 'dchat' }),
      ...(config.relay.nat_upnp ? { upnp: uPnPNAT() } : {}),
    },
  });

  guard.onBan((peer) => {
    for (const connection of libp2p.getConnections()) {
      if (connection.remotePeer.toString() === peer) connection.abort(new Error('banned for misbehaviour'));
    }
  });

  const connectedPeers = new Gauge({
    name: 'dchat_p2p_connected_peers',
    help: 'Peers with an open connection',
    registers: [init.registry],
    collect() {
      this.set(new Set(libp2p.getConnections().map((c) => c.remotePeer.toString())).size);
    },
  });
  void connectedPeers;

  const channels = createChannelPool(libp2p, MAX_FRAME_BYTES);
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
            maxFrameBytes: MAX_FRAME_BYTES,
            guard,
            logger: log,
            errorReply,
          }),
        { maxInboundStreams: 64, maxOutboundStreams: 64 },
      );
    },
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
