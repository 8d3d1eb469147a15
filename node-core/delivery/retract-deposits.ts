import { hexToBytes } from '@noble/hashes/utils.js';
import type { Logger } from 'pino';
import { z } from 'zod';
import { encodeCbor } from '../p2p/codec.ts';
import { decodeEnvelope } from '../p2p/envelope.ts';
import type { Network } from '../p2p/network.ts';
import { retractStatement } from '../relay/statements.ts';
import type { KeyRing } from '../sessions/key-ring.ts';
import type { OutboxRow } from '../store/repositories/outbox.ts';
import type { Startable } from '../runtime/startable.ts';
import type { Store } from '../store/store.ts';
import { parseReply, PROTOCOLS } from '../wire/protocols.ts';
import type { RelayDepositRepository } from './relay-deposits.ts';
import { REQUEST_TIMEOUT_MS } from './types.ts';

/** Deposits are kept this long: no relay holds mail longer than a week of TTL. */
export const DEPOSITS_KEPT_MS = 7 * 24 * 3600_000;

/** Notes, inside the transaction that removes them from the outbox, which relay took our envelopes of a message. */
export function recordDeposits(deposits: RelayDepositRepository, rows: readonly OutboxRow[], relay: { peer_id: string; addresses: readonly string[] }, at: number): void {
  for (const row of rows) {
    if (!row.message_id) continue;
    deposits.add({ message_id: row.message_id, local_identity: row.local_identity, relay: relay.peer_id, relay_addresses: [...relay.addresses], envelope_id: decodeEnvelope(row.envelope).id, at });
  }
}

const okSchema = z.object({ ok: z.literal(true) }).passthrough();

export interface RetractInit {
  readonly store: Store;
  readonly network: Network;
  readonly keyRing: KeyRing;
  readonly deposits: () => RelayDepositRepository;
  readonly log: Logger;
  readonly now: () => number;
}

/**
 * Asks every relay that took envelopes of a message (deleted for everyone) to drop those it
 * still holds, signed by the identity that sent them. Best effort: what a relay does not drop
 * now goes at its TTL, or when the recipient collects it (and then deletes it on the delete).
 */
export async function retractFromRelays(init: RetractInit, messageId: string): Promise<void> {
  const byRelay = new Map<string, ReturnType<RelayDepositRepository['forMessage']>>();
  for (const deposit of init.deposits().forMessage(messageId)) byRelay.set(deposit.relay, [...(byRelay.get(deposit.relay) ?? []), deposit]);
  for (const [relay, list] of byRelay) {
    const local = list[0]!.local_identity;
    const secret = init.keyRing.get(local);
    if (!secret) continue;
    try {
      const ids = list.map((d) => d.envelope_id).slice(0, 256);
      const ts = init.now();
      const sig = retractStatement.sign(secret, { relay, client: init.network.peerId, ids, ts });
      const channel = await init.network.channels.get(init.network.target(relay, list[0]!.relay_addresses), PROTOCOLS.relay);
      parseReply(await channel.request(encodeCbor({ op: 'retract', identity: hexToBytes(local), ids, ts, sig }), REQUEST_TIMEOUT_MS), okSchema);
      await init.store.write(() => init.deposits().forget(messageId, relay));
    } catch (err) {
      init.log.debug({ relay, message: messageId, err: (err as Error).message }, 'a relay did not drop a deleted message');
    }
  }
}

/** Retractions run in the background; stop waits for those under way. Old deposits go at start. */
export function createRetractions(init: RetractInit): Startable & { retract(messageId: string): void } {
  const running = new Set<Promise<void>>();
  return {
    start: () => init.store.write(() => void init.deposits().forgetBefore(init.now() - DEPOSITS_KEPT_MS)),
    stop: async () => void (await Promise.allSettled(running)),
    retract(messageId) {
      const task = retractFromRelays(init, messageId).finally(() => running.delete(task));
      running.add(task);
    },
  };
}
