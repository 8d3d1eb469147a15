/**
 * What one node is willing to hold for the peers it serves. Every limit here exists because a
 * hostile peer (or many fresh peer ids from one machine) could otherwise make the node buffer
 * without bound: the figures are sized so that a relay under attack stays within ~150 MB of its
 * idle memory while honest peers, whose channels are one stream per protocol carrying small
 * frames, never come near them.
 */

export interface P2pLimits {
  /** Largest frame on a dchat stream protocol. */
  readonly maxFrameBytes: number;
  /** Node-wide bytes held for peers in partial frames, unanswered requests and unsent answers. */
  readonly frameBudgetBytes: number;
  /** One peer id's share of the budget (at least one maximum frame). */
  readonly peerFrameBytes: number;
  /** One IP address's share (IPv6: one /64), however many peer ids it uses. */
  readonly ipFrameBytes: number;
  /** Frames up to this size may use the reserve below; bigger ones may not. */
  readonly smallFrameBytes: number;
  /** Kept for small frames (envelopes, receipts, acks) when big ones took the rest. */
  readonly smallFrameReserveBytes: number;
  /** A frame must be complete this long after its first byte arrived... */
  readonly frameDeadlineMs: number;
  /** ...plus the time its declared length takes at this slow but honest rate. */
  readonly minFrameBytesPerSecond: number;
  /** A new stream that sends no frame for this long is closed and counts against the peer. */
  readonly firstFrameMs: number;
  /** A stream silent for this long between frames is closed (no penalty: channels reopen). */
  readonly idleStreamMs: number;
  /** A peer that does not read our answers for this long is cut off. */
  readonly writeDeadlineMs: number;
  /** Requests of one stream being handled or waiting to be answered; reading pauses beyond. */
  readonly maxInFlightPerStream: number;
  /** Inbound streams per connection and dchat protocol (libp2p refuses more at negotiation). */
  readonly maxInboundStreamsPerProtocol: number;
  /** Concurrent inbound dchat streams of one peer id, all protocols and connections together. */
  readonly maxStreamsPerPeer: number;
  /** Concurrent inbound dchat streams from one IP address. */
  readonly maxStreamsPerIp: number;
  /** Concurrent inbound dchat streams on the node. */
  readonly maxStreams: number;
  /** Open inbound connections from one IP address (including those still handshaking). */
  readonly maxConnectionsPerIp: number;
  /** Open connections with one peer id. */
  readonly maxConnectionsPerPeer: number;
}

export const DEFAULT_P2P_LIMITS: P2pLimits = {
  maxFrameBytes: 2 * 1024 * 1024,
  frameBudgetBytes: 24 * 1024 * 1024,
  peerFrameBytes: 4 * 1024 * 1024,
  ipFrameBytes: 8 * 1024 * 1024,
  smallFrameBytes: 64 * 1024,
  smallFrameReserveBytes: 8 * 1024 * 1024,
  frameDeadlineMs: 10_000,
  minFrameBytesPerSecond: 256 * 1024,
  firstFrameMs: 10_000,
  idleStreamMs: 5 * 60_000,
  writeDeadlineMs: 30_000,
  maxInFlightPerStream: 32,
  maxInboundStreamsPerProtocol: 4,
  maxStreamsPerPeer: 8,
  maxStreamsPerIp: 32,
  maxStreams: 1024,
  maxConnectionsPerIp: 8,
  maxConnectionsPerPeer: 3,
};

export class InvalidLimitsError extends Error {
  override readonly name = 'InvalidLimitsError';
}

/** Defaults overridden by `overrides`, checked so that no combination can disable a limit by accident. */
export function resolveLimits(overrides: Partial<P2pLimits> = {}): P2pLimits {
  const limits: P2pLimits = { ...DEFAULT_P2P_LIMITS, ...overrides };
  for (const [key, value] of Object.entries(limits)) {
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) {
      throw new InvalidLimitsError(`p2p limit ${key} must be a positive integer, got ${String(value)}`);
    }
  }
  const atLeast = (small: keyof P2pLimits, big: keyof P2pLimits) => {
    if (limits[big] < limits[small]) throw new InvalidLimitsError(`p2p limit ${big} (${limits[big]}) must be at least ${small} (${limits[small]})`);
  };
  atLeast('maxFrameBytes', 'peerFrameBytes');
  atLeast('peerFrameBytes', 'ipFrameBytes');
  atLeast('smallFrameBytes', 'smallFrameReserveBytes');
  atLeast('maxStreamsPerPeer', 'maxStreamsPerIp');
  atLeast('maxStreamsPerIp', 'maxStreams');
  if (limits.frameBudgetBytes < limits.ipFrameBytes + limits.smallFrameReserveBytes) {
    throw new InvalidLimitsError('p2p limit frameBudgetBytes must hold one IP address\'s share plus the small-frame reserve');
  }
  return limits;
}
