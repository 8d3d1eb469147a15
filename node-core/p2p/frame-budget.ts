/**
 * The node-wide memory budget for what peers make us hold: partial frames, requests waiting for
 * their answer, answers waiting to be sent. A frame is admitted on its declared length, before a
 * byte of its body is buffered, so a peer cannot park memory by announcing big frames and
 * sending them slowly: when the budget (or the peer's or its IP's share) is spent, the frame is
 * refused instead of buffered.
 */

export type BudgetRefusal = 'node' | 'peer' | 'ip';

export interface BudgetOwner {
  readonly peer: string;
  /** The remote IP (or /64), or null when unknown (relayed connections). */
  readonly ip: string | null;
}

/** Bytes held for one frame; released exactly once. */
export interface BudgetTicket {
  readonly bytes: number;
  /** Adds bytes that are already in memory (an answer): counted, never refused. */
  charge(bytes: number): void;
  release(): void;
}

export interface FrameBudget {
  admit(length: number, owner: BudgetOwner): BudgetTicket | BudgetRefusal;
  /** Whether a new stream is worth accepting: a small frame still fits. */
  hasRoom(): boolean;
  readonly used: number;
  readonly limit: number;
}

export interface FrameBudgetLimits {
  readonly frameBudgetBytes: number;
  readonly peerFrameBytes: number;
  readonly ipFrameBytes: number;
  readonly smallFrameBytes: number;
  readonly smallFrameReserveBytes: number;
}

export function createFrameBudget(limits: FrameBudgetLimits): FrameBudget {
  let used = 0;
  const byPeer = new Map<string, number>();
  const byIp = new Map<string, number>();

  const add = (map: Map<string, number>, key: string | null, delta: number) => {
    if (key === null) return;
    const next = (map.get(key) ?? 0) + delta;
    if (next <= 0) map.delete(key);
    else map.set(key, next);
  };
  const move = (owner: BudgetOwner, delta: number) => {
    used += delta;
    add(byPeer, owner.peer, delta);
    add(byIp, owner.ip, delta);
  };

  return {
    admit(length, owner) {
      // Big frames leave the reserve alone, so honest envelopes still get through while an
      // attacker holds every big slot it can get.
      const nodeLimit = length > limits.smallFrameBytes ? limits.frameBudgetBytes - limits.smallFrameReserveBytes : limits.frameBudgetBytes;
      if (used + length > nodeLimit) return 'node';
      if ((byPeer.get(owner.peer) ?? 0) + length > limits.peerFrameBytes) return 'peer';
      if (owner.ip !== null && (byIp.get(owner.ip) ?? 0) + length > limits.ipFrameBytes) return 'ip';
      let held = length;
      let released = false;
      move(owner, held);
      return {
        get bytes() {
          return held;
        },
        charge(bytes) {
          if (released || bytes <= 0) return;
          held += bytes;
          move(owner, bytes);
        },
        release() {
          if (released) return;
          released = true;
          move(owner, -held);
        },
      };
    },
    hasRoom: () => used + limits.smallFrameBytes <= limits.frameBudgetBytes,
    get used() {
      return used;
    },
    limit: limits.frameBudgetBytes,
  };
}
