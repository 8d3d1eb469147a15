/**
 * The bookkeeping behind the peer guard, one structure per job. Each forgets on its own what no
 * longer matters (`sweep`), so memory stays bounded however many peer ids come and go.
 */

/** Keys (peer ids, IP addresses) refused until a time; an expired ban is dropped when looked at. */
export interface BanList {
  has(key: string): boolean;
  add(key: string, until: number): void;
  sweep(t: number): void;
}

export function createBanList(now: () => number): BanList {
  const until = new Map<string, number>();
  return {
    has(key) {
      const end = until.get(key);
      if (end === undefined) return false;
      if (end > now()) return true;
      until.delete(key);
      return false;
    },
    add: (key, end) => void until.set(key, end),
    sweep(t) {
      for (const [key, end] of until) if (end <= t) until.delete(key);
    },
  };
}

/** A token bucket per key: `burst` tokens, refilled at `perSecond`. */
export interface TokenBuckets {
  /** Takes a token; false when none is left. */
  take(key: string, t: number): boolean;
  sweep(t: number): void;
}

export function createTokenBuckets(perSecond: number, burst: number): TokenBuckets {
  const buckets = new Map<string, { tokens: number; at: number }>();
  return {
    take(key, t) {
      const bucket = buckets.get(key) ?? { tokens: burst, at: t };
      bucket.tokens = Math.min(burst, bucket.tokens + ((t - bucket.at) / 1000) * perSecond);
      bucket.at = t;
      buckets.set(key, bucket);
      if (bucket.tokens < 1) return false;
      bucket.tokens -= 1;
      return true;
    },
    sweep(t) {
      for (const [key, bucket] of buckets) if (t - bucket.at > 60_000) buckets.delete(key);
    },
  };
}

/** Misbehaviour points per peer, forgiven at `decayPerSecond`. */
export interface Scores {
  /** Adds points to what is left of the peer's score; returns the new score. */
  add(peer: string, points: number, t: number): number;
  /** Gives a peer with no score yet a starting one. */
  seed(peer: string, score: number, t: number): void;
  has(peer: string): boolean;
  delete(peer: string): void;
  sweep(t: number): void;
}

export function createScores(decayPerSecond: number): Scores {
  const scores = new Map<string, { score: number; at: number }>();
  const left = (entry: { score: number; at: number }, t: number) => entry.score - ((t - entry.at) / 1000) * decayPerSecond;
  return {
    add(peer, points, t) {
      const entry = scores.get(peer) ?? { score: 0, at: t };
      entry.score = Math.max(0, left(entry, t)) + points;
      entry.at = t;
      scores.set(peer, entry);
      return entry.score;
    },
    seed: (peer, score, t) => void scores.set(peer, { score, at: t }),
    has: (peer) => scores.has(peer),
    delete: (peer) => void scores.delete(peer),
    sweep(t) {
      for (const [peer, entry] of scores) if (left(entry, t) <= 0) scores.delete(peer);
    },
  };
}

const MAX_TRACKED_PEERS = 20_000;

/** Which address each peer connects from, and when peers of each address were banned. */
export interface IpHistory {
  ipOf(peer: string): string | undefined;
  /** Records the peer's address (the most recent peers are kept, up to a bound). */
  observe(peer: string, ip: string): void;
  /** Bans of peers from this address within the window, oldest first. */
  recentBans(ip: string, t: number): number[];
  /** Records a ban of a peer from this address; returns how many are recent now. */
  recordBan(ip: string, t: number): number;
  sweep(t: number): void;
}

export function createIpHistory(windowMs: number): IpHistory {
  const peerIps = new Map<string, string>();
  const ipPeerBans = new Map<string, number[]>();
  const recentBans = (ip: string, t: number): number[] => {
    const list = (ipPeerBans.get(ip) ?? []).filter((at) => t - at < windowMs);
    if (list.length > 0) ipPeerBans.set(ip, list);
    else ipPeerBans.delete(ip);
    return list;
  };
  return {
    ipOf: (peer) => peerIps.get(peer),
    observe(peer, ip) {
      if (peerIps.get(peer) === ip) return;
      peerIps.delete(peer);
      peerIps.set(peer, ip);
      if (peerIps.size > MAX_TRACKED_PEERS) peerIps.delete(peerIps.keys().next().value!);
    },
    recentBans,
    recordBan(ip, t) {
      const list = recentBans(ip, t);
      list.push(t);
      ipPeerBans.set(ip, list);
      return list.length;
    },
    sweep(t) {
      for (const ip of [...ipPeerBans.keys()]) recentBans(ip, t);
    },
  };
}
