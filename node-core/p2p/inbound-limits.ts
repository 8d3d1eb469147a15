import type { Connection, MultiaddrConnection, PeerId } from '@libp2p/interface';
import type { Multiaddr } from '@multiformats/multiaddr';
import type { BudgetOwner } from './frame-budget.ts';

/**
 * Counts what peers hold open on this node — connections per IP address and per peer id,
 * inbound dchat streams per peer, per IP and in all — and refuses what goes over the limits.
 * A peer id costs nothing to make, so the IP address is the unit that bounds an attacker on one
 * machine; IPv6 addresses count per /64, the block one machine usually gets.
 */

/**
 * Load balancers' addresses (relay.balancer_addresses): connections from them carry many peers,
 * so they count as no address, like relayed ones. Set once per process by the network at start
 * (a node is one process; tests that run several in one process leave it empty).
 */
const balancers = new Set<string>();
export function setBalancerAddresses(addresses: readonly string[]): void {
  balancers.clear();
  for (const a of addresses) balancers.add(a.toLowerCase());
}

/** The address a connection comes from, as the unit limits count by; null for relayed ones and balancers. */
export function ipKey(address: Multiaddr): string | null {
  const key = addressKey(address);
  if (key === null || balancers.size === 0) return key;
  return balancers.has(key) || balancers.has(address.getComponents()[0]?.value?.toLowerCase() ?? '') ? null : key;
}

function addressKey(address: Multiaddr): string | null {
  const components = address.getComponents();
  if (components.some((c) => c.name === 'p2p-circuit')) return null;
  const first = components[0];
  if (!first?.value) return null;
  if (first.name === 'ip4') return first.value;
  if (first.name !== 'ip6') return null;
  // An IPv4 peer reaching a dual-stack socket is still that IPv4 address.
  const dotted = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(first.value);
  if (dotted) return dotted[1]!;
  const hex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(first.value);
  if (hex) {
    const [hi, lo] = [parseInt(hex[1]!, 16), parseInt(hex[2]!, 16)];
    return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  }
  const [head = '', tail = ''] = first.value.toLowerCase().split('::');
  const left = head ? head.split(':') : [];
  const right = first.value.includes('::') ? (tail ? tail.split(':') : []) : [];
  const groups = [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right];
  return `${groups.slice(0, 4).map((g) => g.replace(/^0+(?=.)/, '')).join(':')}::/64`;
}

export type ConnectionRefusal = 'ip-connections' | 'peer-connections';
export type StreamRefusal = 'peer-streams' | 'ip-streams' | 'node-streams';

export interface StreamSlot {
  release(): void;
}

export interface InboundLimits {
  /** For the connection gater: true refuses a new inbound connection from this address. */
  denyInboundConnection(maConn: MultiaddrConnection): boolean;
  /** For the connection gater, once the peer id is known. */
  denyInboundEncryptedConnection(peerId: PeerId, maConn: MultiaddrConnection): boolean;
  openStream(owner: BudgetOwner): StreamSlot | StreamRefusal;
  readonly streams: number;
  readonly connections: number;
}

export interface InboundLimitsInit {
  readonly limits: {
    readonly maxConnectionsPerIp: number;
    readonly maxConnectionsPerPeer: number;
    readonly maxStreamsPerPeer: number;
    readonly maxStreamsPerIp: number;
    readonly maxStreams: number;
  };
  /** The node's open connections (libp2p's view). */
  readonly connections: () => readonly Connection[];
  readonly onRefused: (what: 'connection', reason: ConnectionRefusal, ip: string | null) => void;
}

export function createInboundLimits(init: InboundLimitsInit): InboundLimits {
  const { limits } = init;
  // Raw connections by IP from the moment they are accepted until they close, handshaking ones
  // included: counting only upgraded connections would let a burst of handshakes through.
  const byIp = new Map<string, Set<MultiaddrConnection>>();
  let connections = 0;
  const streamsByPeer = new Map<string, number>();
  const streamsByIp = new Map<string, number>();
  let streams = 0;

  const bump = (map: Map<string, number>, key: string | null, delta: number) => {
    if (key === null) return;
    const next = (map.get(key) ?? 0) + delta;
    if (next <= 0) map.delete(key);
    else map.set(key, next);
  };

  return {
    denyInboundConnection(maConn) {
      const ip = ipKey(maConn.remoteAddr);
      if (ip === null) return false;
      const open = byIp.get(ip) ?? new Set<MultiaddrConnection>();
      if (open.size >= limits.maxConnectionsPerIp) {
        init.onRefused('connection', 'ip-connections', ip);
        return true;
      }
      open.add(maConn);
      byIp.set(ip, open);
      connections++;
      maConn.addEventListener(
        'close',
        () => {
          if (!open.delete(maConn)) return;
          connections--;
          if (open.size === 0 && byIp.get(ip) === open) byIp.delete(ip);
        },
        { once: true },
      );
      return false;
    },
    denyInboundEncryptedConnection(peerId, maConn) {
      const same = init.connections().filter((c) => c.remotePeer.equals(peerId) && c.status === 'open').length;
      if (same >= limits.maxConnectionsPerPeer) {
        init.onRefused('connection', 'peer-connections', ipKey(maConn.remoteAddr));
        return true;
      }
      return false;
    },
    openStream(owner) {
      if ((streamsByPeer.get(owner.peer) ?? 0) >= limits.maxStreamsPerPeer) return 'peer-streams';
      if (owner.ip !== null && (streamsByIp.get(owner.ip) ?? 0) >= limits.maxStreamsPerIp) return 'ip-streams';
      if (streams >= limits.maxStreams) return 'node-streams';
      streams++;
      bump(streamsByPeer, owner.peer, 1);
      bump(streamsByIp, owner.ip, 1);
      let released = false;
      return {
        release() {
          if (released) return;
          released = true;
          streams--;
          bump(streamsByPeer, owner.peer, -1);
          bump(streamsByIp, owner.ip, -1);
        },
      };
    },
    get streams() {
      return streams;
    },
    get connections() {
      return connections;
    },
  };
}
