import type { ConnectionGater, PeerId } from '@libp2p/interface';
import type { Logger } from 'pino';
import type { Counter } from 'prom-client';

/**
 * Protects the node from misbehaving peers: a token bucket per peer and protocol bounds how fast
 * anyone can make us work, and a decaying score counts bad behaviour (malformed frames, forged
 * signatures, replays, floods). A peer whose score crosses the limit is disconnected and refused
 * for a while; everyone else keeps being served.
 */

export type Misbehaviour = 'malformed' | 'bad-signature' | 'replay' | 'rate-limited' | 'too-large' | 'stale' | 'unauthorized';

const PENALTY: Record<Misbehaviour, number> = {
  malformed: 10,
  'bad-signature': 10,
  'too-large': 20,
  replay: 2,
  stale: 2,
  unauthorized: 5,
  'rate-limited': 1,
};

export interface PeerGuardOptions {
  readonly framesPerSecond: number;
  readonly burst: number;
  readonly banScore: number;
  /** Score points forgiven per second. */
  readonly decayPerSecond: number;
  readonly banMs: number;
}

export const DEFAULT_GUARD_OPTIONS: PeerGuardOptions = {
  framesPerSecond: 2000,
  burst: 4000,
  banScore: 100,
  decayPerSecond: 5,
  banMs: 10 * 60_000,
};

export interface PeerGuard {
  /** Takes one token for a frame; false means drop it (and it counts against the peer). */
  allow(peer: string, protocol: string): boolean;
  penalize(peer: string, protocol: string, reason: Misbehaviour): void;
  isBanned(peer: string): boolean;
  readonly gater: ConnectionGater;
  /** Called when a peer gets banned, to close its connections. */
  onBan(listener: (peer: string) => void): void;
}

export function createPeerGuard(init: {
  readonly logger: Logger;
  readonly rejected: Counter<'protocol' | 'reason'>;
  readonly bans: Counter;
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
      for (const listener of banListeners) listener(peer);
    }
  };

  // Bound memory: idle buckets and forgiven scores are dropped now and then.
  const sweep = setInterval(() => {
    const t = now();
    for (const [key, bucket] of buckets) if (t - bucket.at > 60_000) buckets.delete(key);
    for (const [peer, entry] of scores) if (entry.score - ((t - entry.at) / 1000) * options.decayPerSecond <= 0) scores.delete(peer);
    for (const [peer, until] of banned) if (until <= t) banned.delete(peer);
  }, 30_000);
  sweep.unref();

  const deny = (peerId: PeerId) => isBanned(peerId.toString());

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
    gater: {
      denyDialPeer: deny,
      denyInboundEncryptedConnection: deny,
      denyOutboundEncryptedConnection: deny,
    },
    onBan: (listener) => void banListeners.push(listener),
  };
}
