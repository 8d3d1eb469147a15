import { hexToBytes } from '@noble/hashes/utils.js';
import type { Logger } from 'pino';
import type { Telemetry } from '../runtime/telemetry.ts';
import { z } from 'zod';
import { encodeCbor } from '../p2p/codec.ts';
import type { FrameChannel } from '../p2p/frame-streams.ts';
import type { Network } from '../p2p/network.ts';
import type { OutboxRow } from '../store/repositories/outbox.ts';
import type { Repositories, Store } from '../store/store.ts';
import { parseReply, PROTOCOLS } from '../wire/protocols.ts';
import { recordDeposits } from './retract-deposits.ts';
import type { RelayDepositRepository } from './relay-deposits.ts';
import { createTurns } from './turns.ts';
import { REQUEST_TIMEOUT_MS, type DeliveredListener, type RecipientRoute } from './types.ts';

/**
 * Where sealed envelopes go: straight to the recipient's node when it answers, else to the
 * relays it chose, in that order; what nobody took is retried later with exponential backoff.
 */

const okSchema = z.object({ ok: z.literal(true) }).passthrough();
const RETRY_BASE_MS = 2000;
const RETRY_MAX_MS = 5 * 60_000;

/** When a row that failed `attempts` times before is due again. */
export const retryAt = (attempts: number, now: number): number => now + Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** Math.min(attempts, 8));

export interface RouterInit {
  readonly store: Store;
  readonly network: Network;
  readonly log: Logger;
  readonly telemetry: Telemetry;
  readonly route: (repos: Repositories, local: string, remote: string) => RecipientRoute | undefined;
  readonly onDelivered: DeliveredListener;
  readonly now: () => number;
  /** Where relays' acceptance of our envelopes is noted (for retracting a deleted message). */
  readonly deposits: () => RelayDepositRepository;
}

/** Delivers one recipient's sealed envelopes, in order; resolves once each is acknowledged or rescheduled. */
export type Deliver = (recipient: string, local: string, rows: OutboxRow[]) => Promise<void>;

interface Attempt {
  readonly init: RouterInit;
  readonly recipient: string;
  /** Rows nobody has acknowledged yet. */
  pending: OutboxRow[];
  readonly record: (path: 'direct' | 'relay', rows: readonly OutboxRow[]) => void;
}

export function createRouter(init: RouterInit): Deliver {
  const sent = init.telemetry.counter({ name: 'dchat_envelopes_sent_total', help: 'Envelopes delivered, by path', labels: ['path'] });
  const deliveryLatency = init.telemetry.histogram({
    name: 'dchat_envelope_delivery_seconds',
    help: 'From queueing to acknowledgement by the recipient or a relay',
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5, 30],
  });
  const record = (path: 'direct' | 'relay', rows: readonly OutboxRow[]) => {
    sent.inc({ path }, rows.length);
    for (const row of rows) deliveryLatency.observe((init.now() - row.created_at) / 1000);
  };
  // Per recipient, the relay phases of overlapping rounds run in round order, so mail that has to
  // go through relays arrives there in the order it was written (the direct path keeps order by
  // itself: one stream per peer).
  const relayTurns = createTurns();
  return (recipient, local, rows) =>
    relayTurns.take(`${local}:${recipient}`, async (previousTurn) => {
      const live = await dropRows(init, rows, (row) => row.expires_at !== null && row.expires_at <= init.now());
      if (live.length === 0) return;
      const route = init.route(init.store.repos, local, recipient);
      const attempt: Attempt = { init, recipient, pending: live, record };
      if (route?.peerId) await deliverDirect(attempt, route.peerId, route.addresses);
      // Typing is worth nothing later: what the peer did not take directly is dropped.
      attempt.pending = await dropRows(init, attempt.pending, (row) => row.ephemeral === 1);
      if (attempt.pending.length > 0) await previousTurn;
      await deliverViaRelays(attempt, route);
      await rescheduleUndelivered(attempt, route);
    });
}

async function deliverDirect(attempt: Attempt, peerId: string, addresses: readonly string[]): Promise<void> {
  const { network, log } = attempt.init;
  try {
    const channel = await network.channels.get(network.target(peerId, addresses), PROTOCOLS.envelope);
    await sendOver(attempt, channel, (row) => row.envelope, 'direct', 'direct delivery refused');
  } catch (err) {
    log.debug({ recipient: attempt.recipient, err: (err as Error).message }, 'recipient not reachable directly');
  }
}

/** Removes the rows `drop` picks from the outbox; returns the others. */
async function dropRows(init: RouterInit, rows: readonly OutboxRow[], drop: (row: OutboxRow) => boolean): Promise<OutboxRow[]> {
  const dropped = rows.filter(drop);
  if (dropped.length === 0) return [...rows];
  await init.store.write((repos) => {
    for (const row of dropped) repos.outbox.delete(row.id);
  });
  const gone = new Set(dropped);
  return rows.filter((row) => !gone.has(row));
}

// Group envelopes are addressed to the group: a deposit names the member it is for. A
// disappearing message asks the relay to keep it no longer than its timer.
const deposit =
  (now: () => number) =>
  (row: OutboxRow): Uint8Array =>
    encodeCbor({
      op: 'deposit',
      env: row.envelope,
      ...(row.kind === 'group' ? { for: hexToBytes(row.recipient) } : {}),
      ...(row.expires_at !== null ? { ttl: Math.max(1, Math.ceil((row.expires_at - now()) / 1000)) } : {}),
    });

async function deliverViaRelays(attempt: Attempt, route: RecipientRoute | undefined): Promise<void> {
  const { network, log } = attempt.init;
  for (const relay of route?.relays ?? []) {
    if (attempt.pending.length === 0) break;
    try {
      const channel = await network.channels.get(network.target(relay.peer_id, relay.addresses), PROTOCOLS.relay);
      await sendOver(attempt, channel, deposit(attempt.init.now), 'relay', 'relay refused a deposit', { relay: relay.peer_id }, relay);
    } catch (err) {
      log.debug({ recipient: attempt.recipient, relay: relay.peer_id, err: (err as Error).message }, 'relay not reachable');
    }
  }
}

/** Sends the pending rows over one channel; the acknowledged ones leave the outbox and the pending list. */
async function sendOver(
  attempt: Attempt,
  channel: FrameChannel,
  encode: (row: OutboxRow) => Uint8Array,
  path: 'direct' | 'relay',
  refused: string,
  logFields: Record<string, unknown> = {},
  relay?: RecipientRoute['relays'][number],
): Promise<void> {
  const { store, log } = attempt.init;
  const rows = attempt.pending;
  const replies = await Promise.allSettled(rows.map((row) => channel.request(encode(row), REQUEST_TIMEOUT_MS)));
  const done: OutboxRow[] = [];
  replies.forEach((reply, i) => {
    if (reply.status !== 'fulfilled') return;
    try {
      parseReply(reply.value, okSchema);
      done.push(rows[i]!);
    } catch (err) {
      log.debug({ recipient: attempt.recipient, ...logFields, err: (err as Error).message }, refused);
    }
  });
  if (done.length === 0) return;
  attempt.record(path, done);
  await store.write((repos) => {
    for (const row of done) repos.outbox.delete(row.id);
    if (relay) recordDeposits(attempt.init.deposits(), done, relay, attempt.init.now());
  });
  attempt.init.onDelivered(done);
  const doneSet = new Set(done);
  attempt.pending = attempt.pending.filter((r) => !doneSet.has(r));
}

async function rescheduleUndelivered(attempt: Attempt, route: RecipientRoute | undefined): Promise<void> {
  if (attempt.pending.length === 0) return;
  const { store, now } = attempt.init;
  const reason = route ? 'recipient and its relays unreachable' : 'no route to recipient';
  await store.write((repos) => {
    for (const row of attempt.pending) repos.outbox.retryLater(row.id, retryAt(row.attempts, now()), reason);
  });
}
