import type { ConnectionGater, MultiaddrConnection, PeerId } from '@libp2p/interface';
import type { Logger } from 'pino';
import type { Counter } from 'prom-client';
import { ipKey } from './inbound-limits.ts';

/**
 * Protects the node from misbehaving peers: a token bucket per peer and protocol bounds how fast
 * anyone can make us work, and a decaying score counts bad behaviour (malformed frames, forged
 * signatures, replays, floods, frames left unfinished). A peer whose score crosses the limit is
 * disconnected and refused for a while; everyone else keeps being served. Peer ids cost nothing,
 * so bans also count per IP address: a fresh id from an address whose ids were banned starts
 * with part of their score, and an address that had several ids banned is refused as a whole.
 */

export type Misbehaviour =
  | 'malformed'
  | 'bad-signature'
  | 'replay'
  | 'rate-limited'
  | 'too-large'
  | 'stale'
  | 'unauthorized'
  /** A frame not complete within its deadline (slow-loris, a length prefix alone). */
  | 'stalled'
  /** A stream that ended in the middle of a frame. */
  | 'unfinished'
  /** A stream opened and never used. */
  | 'idle'
  /** More concurrent streams than a peer may hold. */
  | 'too-many-streams'
  /** Frames beyond the peer's share of the memory budget. */
  | 'over-budget';

const PENALTY: Record<Misbehaviour, number> = {
  malformed: 10,
  'bad-signature': 10,
  'too-large': 20,
  replay: 2,
  stale: 2,
  unauthorized: 5,
  'rate-limited': 1,
  // Holding memory on purpose is as bad as sending garbage: four stalled frames are a ban.
  stalled: 25,
  unfinished: 10,
  idle: 5,
  'too-many-streams': 10,
  'over-budget': 5,
};

export interface PeerGuardOptions {
  readonly framesPerSecond: number;
  readonly burst: number;
  readonly banScore: number;
  /** Score points forgiven per second. */
  readonly decayPerSecond: number;
  readonly banMs: number;
  /** Peer ids banned from one IP address (within banMs) before the address itself is banned. */
  readonly ipBanAfterPeers: number;
  /** Score a new peer id inherits per recent ban of another id on its IP address. */
  readonly ipInheritedScore: number;
}

export const DEFAULT_GUARD_OPTIONS: PeerGuardOptions = {
  framesPerSecond: 2000,
  burst: 4000,
  banScore: 100,
  decayPerSecond: 5,
  banMs: 10 * 60_000,
  ipBanAfterPeers: 3,
  ipInheritedScore: 25,
};

export interface PeerGuard {
  /** Takes one token for a frame; false means drop it (and it counts against the peer). */
  allow(peer: string, protocol: string): boolean;
  penalize(peer: string, protocol: string, reason: Misbehaviour): void;
  isBanned(peer: string): boolean;
  isIpBanned(ip: string): boolean;
  /** Tells the guard which IP address (see ipKey) a peer connects from. */
  observe(peer: string, ip: string | null): void;
  readonly gater: ConnectionGater;
  /** Called when a peer gets banned, to close its connections. */
  onBan(listener: (peer: string) => void): void;
  /** Called when an IP address gets banned, to close every connection from it. */
  onIpBan(listener: (ip: string) => void): void;
}

export function createPeerGuard(init: {
  readonly logger: Logger;
  readonly rejected: Counter<'protocol' | 'reason'>;
  readonly bans: Counter;
  readonly ipBans?: Counter;
  readonly options?: Partial<PeerGuardOptions>;
  readonly now?: () => number;
}): PeerGuard {
  const options = { ...DEFAULT_GUARD_OPTIONS, ...init.options };
  const now = init.now ?? Date.now;
  const log = init.logger.child({ component: 'peer-guard' });
  const buckets = new Map<string, { tokens: number; at: number }>();
  const scores = new Map<string, { score: number; at: number }>();
  const banned = new Map<string, number>();
  const banListeners: Array<(peer: string) => void> = [];
  const ipBanListeners: Array<(ip: string) => void> = [];
  const peerIps = new Map<string, string>();
  /** When peers of each IP address were banned (the recent ones). */
  const ipPeerBans = new Map<string, number[]>();
  const bannedIps = new Map<string, number>();
  const MAX_TRACKED_PEERS = 20_000;

  const isIpBanned = (ip: string): boolean => {
    const until = bannedIps.get(ip);
    if (until === undefined) return false;
    if (until > now()) return true;
    bannedIps.delete(ip);
    return false;
  };

  const recentBans = (ip: string, t: number): number[] => {
    const list = (ipPeerBans.get(ip) ?? []).filter((at) => t - at < options.banMs);
    if (list.length > 0) ipPeerBans.set(ip, list);
    else ipPeerBans.delete(ip);
    return list;
  };

  const banIpOf = (peer: string, t: number) => {
    const ip = peerIps.get(peer);
    if (ip === undefined) return;
    const list = recentBans(ip, t);
    list.push(t);
    ipPeerBans.set(ip, list);
    if (list.length >= options.ipBanAfterPeers && !isIpBanned(ip)) {
      bannedIps.set(ip, t + options.banMs);
      init.ipBans?.inc();
      log.warn({ ip, peers_banned: list.length }, 'banning an IP address whose peer ids kept misbehaving');
      for (const listener of ipBanListeners) listener(ip);
    }
  };

  const isBanned = (peer: string): boolean => {
    const until = banned.get(peer);
    if (until === undefined) return false;
    if (until > now()) return true;
    banned.delete(peer);
    return false;
  };

  const penalize = (peer: string, protocol: string, reason: Misbehaviour): void => {
    init.rejected.inc({ protocol, reason });
    const t = now();
    const entry = scores.get(peer) ?? { score: 0, at: t };
    entry.score = Math.max(0, entry.score - ((t - entry.at) / 1000) * options.decayPerSecond) + PENALTY[reason];
    entry.at = t;
    scores.set(peer, entry);
    if (entry.score >= options.banScore && !isBanned(peer)) {
      banned.set(peer, t + options.banMs);
      scores.delete(peer);
      init.bans.inc();
      log.warn({ peer, reason, protocol }, 'banning a misbehaving peer');
      banIpOf(peer, t);
      for (const listener of banListeners) listener(peer);
    }
  };

  // Bound memory: idle buckets and forgiven scores are dropped now and then.
  const sweep = setInterval(() => {
    const t = now();
    for (const [key, bucket] of buckets) if (t - bucket.at > 60_000) buckets.delete(key);
    for (const [peer, entry] of scores) if (entry.score - ((t - entry.at) / 1000) * options.decayPerSecond <= 0) scores.delete(peer);
    for (const [peer, until] of banned) if (until <= t) banned.delete(peer);
    for (const [ip, until] of bannedIps) if (until <= t) bannedIps.delete(ip);
    for (const ip of [...ipPeerBans.keys()]) recentBans(ip, t);
  }, 30_000);
  sweep.unref();

  const deny = (peerId: PeerId) => isBanned(peerId.toString());
  const denyAddress = (maConn: MultiaddrConnection) => {
    const ip = ipKey(maConn.remoteAddr);
    return ip !== null && isIpBanned(ip);
  };

  return {
    allow(peer, protocol) {
      const key = `${peer} ${protocol}`;
      const t = now();
      const bucket = buckets.get(key) ?? { tokens: options.burst, at: t };
      bucket.tokens = Math.min(options.burst, bucket.tokens + ((t - bucket.at) / 1000) * options.framesPerSecond);
      bucket.at = t;
      buckets.set(key, bucket);
      if (bucket.tokens < 1) {
        penalize(peer, protocol, 'rate-limited');
        return false;
      }
      bucket.tokens -= 1;
      return true;
    },
    penalize,
    isBanned,
    isIpBanned,
    observe(peer, ip) {
      if (ip === null) return;
      if (peerIps.get(peer) !== ip) {
        peerIps.delete(peer);
        peerIps.set(peer, ip);
        if (peerIps.size > MAX_TRACKED_PEERS) peerIps.delete(peerIps.keys().next().value!);
      }
      const t = now();
      const inherited = recentBans(ip, t).length * options.ipInheritedScore;
      if (inherited > 0 && !scores.has(peer) && !isBanned(peer)) scores.set(peer, { score: inherited, at: t });
    },
    gater: {
      denyDialPeer: deny,
      denyInboundConnection: denyAddress,
      denyInboundEncryptedConnection: (peerId, maConn) => deny(peerId) || denyAddress(maConn),
      denyOutboundEncryptedConnection: deny,
    },
    onBan: (listener) => void banListeners.push(listener),
    onIpBan: (listener) => void ipBanListeners.push(listener),
  };
}
