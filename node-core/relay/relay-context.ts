import type { Logger } from 'pino';
import type { Network } from '../p2p/network.ts';
import { errorReply, PROTOCOLS } from '../wire/protocols.ts';
import type { MailboxStore } from './mailbox-store.ts';
import type { MailboxPush } from './mailbox-push.ts';
import type { RelayLimits } from './quotas.ts';
import type { RelayMetrics } from './relay-metrics.ts';

/** How far a signed request's timestamp may be from our clock. */
export const FRESHNESS_MS = 5 * 60_000;

/** What the relay's parts are built with. */
export interface RelayParts {
  readonly mailbox: MailboxStore;
  readonly network: Network;
  readonly metrics: RelayMetrics;
  readonly log: Logger;
  readonly now: () => number;
  /** Something the relay's figures count changed. */
  readonly changed: () => void;
}

/** What the relay protocol's request handlers share. */
export interface RelayContext extends RelayParts {
  readonly limits: RelayLimits;
  readonly pushes: MailboxPush;
}

export const isFresh = (context: RelayContext, ts: number): boolean => Math.abs(context.now() - ts) <= FRESHNESS_MS;

/** A request that fails its signature check costs the peer standing, then is refused. */
export function refuse(context: RelayContext, peer: string, reason: 'unauthorized' | 'malformed' | 'bad-signature', message?: string): Uint8Array {
  context.network.guard.penalize(peer, PROTOCOLS.relay, reason);
  return errorReply(reason, message);
}
