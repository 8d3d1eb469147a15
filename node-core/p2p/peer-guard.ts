import type { ConnectionGater, MultiaddrConnection, PeerId } from '@libp2p/interface';
import type { Logger } from 'pino';
import type { CounterMetric } from '../runtime/telemetry.ts';
import type { Startable } from '../runtime/startable.ts';
import { ipKey } from './inbound-limits.ts';
import { createBanList, createIpHistory, createScores, createTokenBuckets } from './peer-guard-state.ts';

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

/** Start arms the sweep that keeps the guard's memory bounded; stop clears it. */
export interface PeerGuard extends Startable {
  start(): void;
  stop(): void;
  /** Takes one token for a frame; false means drop it (and it counts against the peer). */
  allow(peer: string, protocol: string): boolean;
  penalize(peer: string, protocol: string, reason: Misbehaviour): void;
  isBanned(peer: string): boolean;
  isIpBanned(ip: string): boolean;
  /** Tells the guard which IP address (see ipKey) a peer connects from. */
  observe(peer: string, ip: string | null): void;
  readonly gater: ConnectionGater;
  /** Called when a peer gets banned, to close its connections. Returns an unsubscribe function. */
  onBan(listener: (peer: string) => void): () => void;
  /** Called when an IP address gets banned, to close every connection from it. Returns an unsubscribe function. */
  onIpBan(listener: (ip: string) => void): () => void;
}

export interface PeerGuardInit {
  readonly logger: Logger;
  readonly rejected: CounterMetric<'protocol' | 'reason'>;
  readonly bans: CounterMetric;
  readonly ipBans?: CounterMetric;
  readonly options?: Partial<PeerGuardOptions>;
  readonly now?: () => number;
}

const SWEEP_EVERY_MS = 30_000;

function listenerSet<T>() {
  const listeners = new Set<(value: T) => void>();
  return {
    add(listener: (value: T) => void): () => void {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    emit: (value: T) => {
      for (const listener of listeners) listener(value);
    },
  };
}

export function createPeerGuard(init: PeerGuardInit): PeerGuard {
  const options = { ...DEFAULT_GUARD_OPTIONS, ...init.options };
  const now = init.now ?? Date.now;
  const log = init.logger.child({ component: 'peer-guard' });
  const buckets = createTokenBuckets(options.framesPerSecond, options.burst);
  const scores = createScores(options.decayPerSecond);
  const bannedPeers = createBanList(now);
  const bannedIps = createBanList(now);
  const ips = createIpHistory(options.banMs);
  const banned = listenerSet<string>();
  const ipBanned = listenerSet<string>();

  const banIpOf = (peer: string, t: number) => {
    const ip = ips.ipOf(peer);
    if (ip === undefined) return;
    const recent = ips.recordBan(ip, t);
    if (recent < options.ipBanAfterPeers || bannedIps.has(ip)) return;
    bannedIps.add(ip, t + options.banMs);
    init.ipBans?.inc();
    log.warn({ ip, peers_banned: recent }, 'banning an IP address whose peer ids kept misbehaving');
    ipBanned.emit(ip);
  };

  const penalize = (peer: string, protocol: string, reason: Misbehaviour): void => {
    init.rejected.inc({ protocol, reason });
    const t = now();
    if (scores.add(peer, PENALTY[reason], t) < options.banScore || bannedPeers.has(peer)) return;
    bannedPeers.add(peer, t + options.banMs);
    scores.delete(peer);
    init.bans.inc();
    log.warn({ peer, reason, protocol }, 'banning a misbehaving peer');
    banIpOf(peer, t);
    banned.emit(peer);
  };

  // Bound memory: idle buckets and forgiven scores are dropped now and then.
  const sweepAll = () => {
    const t = now();
    for (const part of [buckets, scores, bannedPeers, bannedIps, ips]) part.sweep(t);
  };
  let sweep: NodeJS.Timeout | undefined;

  return {
    start() {
      if (sweep) return;
      sweep = setInterval(sweepAll, SWEEP_EVERY_MS);
      sweep.unref();
    },
    stop() {
      clearInterval(sweep);
      sweep = undefined;
    },
    allow(peer, protocol) {
      if (buckets.take(`${peer} ${protocol}`, now())) return true;
      penalize(peer, protocol, 'rate-limited');
      return false;
    },
    penalize,
    isBanned: (peer) => bannedPeers.has(peer),
    isIpBanned: (ip) => bannedIps.has(ip),
    observe(peer, ip) {
      if (ip === null) return;
      ips.observe(peer, ip);
      const t = now();
      const inherited = ips.recentBans(ip, t).length * options.ipInheritedScore;
      if (inherited > 0 && !scores.has(peer) && !bannedPeers.has(peer)) scores.seed(peer, inherited, t);
    },
    gater: guardGater(bannedPeers.has, bannedIps.has),
    onBan: banned.add,
    onIpBan: ipBanned.add,
  };
}

function guardGater(isBanned: (peer: string) => boolean, isIpBanned: (ip: string) => boolean): ConnectionGater {
  const deny = (peerId: PeerId) => isBanned(peerId.toString());
  const denyAddress = (maConn: MultiaddrConnection) => {
    const ip = ipKey(maConn.remoteAddr);
    return ip !== null && isIpBanned(ip);
  };
  return {
    denyDialPeer: deny,
    denyInboundConnection: denyAddress,
    denyInboundEncryptedConnection: (peerId, maConn) => deny(peerId) || denyAddress(maConn),
    denyOutboundEncryptedConnection: deny,
  };
}
