import { noise } from '@chainsafe/libp2p-noise';
import { yamux } from '@chainsafe/libp2p-yamux';
import { autoNAT } from '@libp2p/autonat';
import { bootstrap } from '@libp2p/bootstrap';
import { circuitRelayServer, circuitRelayTransport } from '@libp2p/circuit-relay-v2';
import { dcutr } from '@libp2p/dcutr';
import { gossipsub } from '@libp2p/gossipsub';
import { identify } from '@libp2p/identify';
import type { ConnectionGater, PrivateKey } from '@libp2p/interface';
import { kadDHT } from '@libp2p/kad-dht';
import { ping } from '@libp2p/ping';
import { prometheusMetrics } from '@libp2p/prometheus-metrics';
import { tcp } from '@libp2p/tcp';
import { uPnPNAT } from '@libp2p/upnp-nat';
import { webSockets } from '@libp2p/websockets';
import type { Libp2pOptions } from 'libp2p';
import type { Registry } from 'prom-client';
import type { DchatConfig } from '../config/schema.ts';
import type { InboundLimits } from './inbound-limits.ts';
import type { P2pLimits } from './limits.ts';
import type { NetworkCounters } from './network-metrics.ts';
import type { PeerGuard } from './peer-guard.ts';

export interface Libp2pOptionsInit {
  readonly config: DchatConfig;
  readonly version: string;
  readonly privateKey: PrivateKey;
  readonly registry: Registry;
  readonly limits: P2pLimits;
  readonly guard: PeerGuard;
  readonly inbound: InboundLimits;
  readonly refused: NetworkCounters['refused'];
  /** The connection limits and DHT mode follow it when libp2p is built; reservations on each request. */
  readonly isRelay: () => boolean;
}

/** The addresses every node and relay names in its bootstrap list (config), dialled at start. */
export const bootstrapAddresses = (config: DchatConfig): string[] => [...config.relay.bootstrap_nodes, ...config.relay.home_relays];

function listenAddresses(config: DchatConfig) {
  const host = config.server.p2p_host;
  const ip = host.includes(':') ? 'ip6' : 'ip4';
  return {
    listen: [`/${ip}/${host}/tcp/${config.server.p2p_port}`, `/${ip}/${host}/tcp/${config.server.p2p_ws_port}/ws`],
    ...(config.relay.external_addresses.length > 0 ? { announce: config.relay.external_addresses } : {}),
  };
}

/** The guard's bans first (counted as such), then the resource limits. */
function connectionGater(init: Libp2pOptionsInit): ConnectionGater {
  const { guard, inbound, refused, isRelay } = init;
  return {
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
  };
}

// A relay expects many peers (often several behind one NAT address): it accepts new
// connections faster than libp2p's per-address default of 5 per second. Handshakes and
// protocol negotiation get short deadlines: a connection or stream that never finishes
// them holds buffers for nothing.
function connectionManager(config: DchatConfig, relay: boolean) {
  return {
    maxConnections: config.relay.max_peers,
    ...(relay ? { inboundConnectionThreshold: 50, maxIncomingPendingConnections: 64 } : { maxIncomingPendingConnections: 16 }),
    maxParallelDials: 50,
    inboundUpgradeTimeout: 5_000,
    inboundStreamProtocolNegotiationTimeout: 5_000,
  };
}

/** The libp2p services a dchat node runs (`libp2p.services.pubsub` and the rest). */
export type DchatServices = Built<ReturnType<typeof services>>;
type Built<F> = { [K in keyof F]: F[K] extends ((components: never) => infer S) | undefined ? S : never };

function services(config: DchatConfig, limits: P2pLimits, relay: boolean) {
  return {
    identify: identify(),
    ping: ping(),
    // libp2p's own protocols buffer their messages themselves (up to 4 MB each): few streams
    // per connection keep that bounded too.
    // Unsigned gossip (as Ethereum's consensus clients run it): every group envelope already carries
    // its sender identity's signature, checked on arrival, so a second per-message signature by the
    // forwarding peer's key only doubled the Ed25519 work (a tenth of a recipient's CPU). Message
    // ids are the hash of the content; group topics validate frames before forwarding them.
    pubsub: gossipsub({
      emitSelf: false,
      allowPublishToZeroTopicPeers: true,
      fallbackToFloodsub: false,
      maxInboundStreams: 2,
      maxOutboundStreams: 2,
      globalSignaturePolicy: 'StrictNoSign',
    }),
    dht: kadDHT({
      protocol: '/dchat/kad/1.0.0',
      clientMode: !relay,
      allowQueryWithZeroPeers: true,
      maxInboundStreams: 4,
      incomingMessageTimeout: limits.frameDeadlineMs,
    }),
    relay: circuitRelayServer({ reservations: { maxReservations: config.relay.max_peers } }),
    dcutr: dcutr(),
    autonat: autoNAT({ protocolPrefix: 'dchat' }),
    ...(config.relay.nat_upnp ? { upnp: uPnPNAT() } : {}),
  };
}

/** Everything createLibp2p is given: transports, muxer windows, limits, gater and services. */
export function libp2pOptions(init: Libp2pOptionsInit): Libp2pOptions<DchatServices> {
  const { config, version } = init;
  const bootstrapList = bootstrapAddresses(config);
  return {
    privateKey: init.privateKey,
    start: false,
    nodeInfo: { name: 'dchat', version, userAgent: `dchat/${version}` },
    addresses: listenAddresses(config),
    transports: [tcp(), webSockets(), circuitRelayTransport()],
    connectionEncrypters: [noise()],
    // The window bounds what a stream whose reading is paused can still push at us; it is not
    // allowed to grow, so a stalled reader costs at most 256 KB per stream.
    streamMuxers: [yamux({ maxInboundStreams: 256, maxEarlyStreams: 10, streamOptions: { maxStreamWindowSize: 256 * 1024 } })],
    connectionManager: connectionManager(config, init.isRelay()),
    connectionGater: connectionGater(init),
    peerDiscovery: bootstrapList.length > 0 ? [bootstrap({ list: bootstrapList })] : [],
    metrics: prometheusMetrics({ registry: init.registry, collectDefaultMetrics: false, preserveExistingMetrics: true }),
    services: services(config, init.limits, init.isRelay()),
  };
}
