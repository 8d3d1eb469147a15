import { bytesToHex, hexToBytes, randomBytes } from '@noble/hashes/utils.js';
import type { Logger } from 'pino';
import { Counter, Histogram, type Registry } from 'prom-client';
import { z } from 'zod';
import type { PrekeyBundle } from '../crypto/x3dh.ts';
import { decodeIdentityRecord, encodeIdentityRecord, type RelayRef, type SignedIdentityRecord } from '../wire/identity-record.ts';
import {
  createEnvelopeVerifier,
  decodeEnvelope,
  encodeEnvelope,
  signEnvelopes,
  type EnvelopeCore,
  type SignedEnvelope,
} from '../p2p/envelope.ts';
import { FrameDecodeError } from '../p2p/codec.ts';
import type { FrameChannel } from '../p2p/frame-streams.ts';
import type { Network } from '../p2p/network.ts';
import type { Misbehaviour } from '../p2p/peer-guard.ts';
import { decryptDirect, DecryptFailedError, encryptDirect, hasSession, NoSessionError, startSession } from '../sessions/direct-sessions.ts';
import type { KeyRing } from '../sessions/key-ring.ts';
import type { LocalVault } from '../sessions/vault.ts';
import type { OutboxRow } from '../store/repositories/outbox.ts';
import type { Repositories, Store } from '../store/store.ts';
import { decodePayload, encodePayload, type DirectPayload } from './payloads.ts';
import {
  bundleReply,
  errorReply,
  mailboxPush,
  okReply,
  parseReply,
  parseRequest,
  PROTOCOLS,
  RemoteError,
  type ErrorCode,
} from '../wire/protocols.ts';
import { decodeCbor, encodeCbor } from '../p2p/codec.ts';
import { mailboxReceiptStatement } from '../relay/statements.ts';
import { askPeerThenRelays } from '../p2p/ask-peer-then-relays.ts';

/**
 * Moves end-to-end encrypted envelopes between nodes.
 *
 * Sending: a payload is queued in the outbox inside the same transaction as the message it
 * carries. The worker encrypts queued payloads (starting sessions from prekey bundles when
 * needed), signs each burst with one signature, and delivers: straight to the recipient's node
 * if it answers, else to the relays the recipient chose. Undeliverable envelopes stay queued and
 * are retried with backoff, across restarts.
 *
 * Receiving: every envelope is decoded, size-checked, signature-checked, checked against the time
 * window and the replay window, decrypted and handled in one transaction, and only then
 * acknowledged. Bad frames count against the peer that sent them.
 */

/** A handler cannot take an envelope yet (e.g. its sender key has not arrived): keep it for later. */
export class HoldEnvelopeError extends Error {
  override readonly name: string = 'HoldEnvelopeError';
}

export interface DirectContext {
  readonly local: string;
  readonly remote: string;
  readonly envelope: SignedEnvelope;
  readonly now: number;
}

/** What to do once the transaction that handled an envelope has committed. */
export type AfterCommit = () => void;

export interface EnvelopeHandlers {
  /** Handles a decrypted 1:1 payload inside the receiving transaction. */
  direct(repos: Repositories, payload: DirectPayload, context: DirectContext): AfterCommit | void;
  /** Handles a group envelope (sender-key encrypted) inside the receiving transaction. */
  group(repos: Repositories, envelope: SignedEnvelope, now: number): AfterCommit | void;
  /** The local identities a group envelope is for (we are members), or none. */
  groupRecipients(repos: Repositories, groupId: string): string[];
}

export interface RecipientRoute {
  readonly peerId: string | null;
  readonly addresses: readonly string[];
  readonly relays: readonly RelayRef[];
}

export interface QueueDirectInput {
  readonly local: string;
  readonly remote: string;
  readonly payload: DirectPayload;
  readonly messageId?: string | null;
  readonly groupId?: string | null;
}

export interface DeliveryService {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Queues a payload for `remote`; call inside a store transaction, then `kick()` after commit. */
  queueDirect(repos: Repositories, input: QueueDirectInput, now: number): void;
  /** Queues an unsigned group envelope for one member (signed in the next batch, sent via their relays). */
  queueGroupCopy(repos: Repositories, core: EnvelopeCore, recipient: string, local: string, groupId: string, messageId: string, now: number): void;
  /** Signs envelopes made together (one signature). */
  sign(local: string, cores: EnvelopeCore[]): SignedEnvelope[];
  kick(): void;
  /** Handles an envelope that arrived (directly, from a relay, or over gossip). */
  receive(bytes: Uint8Array, from: { peer: string | null; via: 'direct' | 'relay' | 'gossip' }): Promise<{ ok: true; duplicate: boolean; id: Uint8Array } | { ok: false; error: ErrorCode; id?: Uint8Array }>;
  readonly outboxSize: () => number;
  /** Called with outbox rows once a recipient or a relay acknowledged them. */
  onDelivered(listener: (rows: OutboxRow[]) => void): void;
}

export interface DeliveryInit {
  readonly store: Store;
  readonly network: Network;
  readonly keyRing: KeyRing;
  readonly vault: LocalVault;
  readonly logger: Logger;
  readonly registry: Registry;
  readonly handlers: EnvelopeHandlers;
  /** How long mail may take to arrive (relay TTL): older envelopes are refused. */
  readonly maxAgeMs: number;
  readonly maxFutureSkewMs?: number;
  /** Where to reach a remote identity (from contacts and group member lists). */
  readonly route: (repos: Repositories, local: string, remote: string) => RecipientRoute | undefined;
  /** Our signed record for an identity, sent with session-starting messages. */
  readonly ownRecord: (local: string) => SignedIdentityRecord;
  /** The relays we chose, to tell the mailbox protocol whom to trust. */
  readonly isOurRelay: (peer: string) => boolean;
  readonly now?: () => number;
}

const okSchema = z.object({ ok: z.literal(true) }).passthrough();
const RETRY_BASE_MS = 2000;
const RETRY_MAX_MS = 5 * 60_000;
const REQUEST_TIMEOUT_MS = 8000;

export function createDeliveryService(init: DeliveryInit): DeliveryService {
  const { store, network, keyRing, vault, handlers } = init;
  const log = init.logger.child({ component: 'delivery' });
  const now = init.now ?? Date.now;
  const skew = init.maxFutureSkewMs ?? 5 * 60_000;
  const verify = createEnvelopeVerifier();

  const received = new Counter({
    name: 'dchat_envelopes_received_total',
    help: 'Envelopes received, by path and outcome',
    labelNames: ['via', 'outcome'] as const,
    registers: [init.registry],
  });
  const sent = new Counter({
    name: 'dchat_envelopes_sent_total',
    help: 'Envelopes delivered, by path',
    labelNames: ['path'] as const,
    registers: [init.registry],
  });
  const deliveryLatency = new Histogram({
    name: 'dchat_envelope_delivery_seconds',
    help: 'From queueing to acknowledgement by the recipient or a relay',
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5, 30],
    registers: [init.registry],
  });

  let timer: NodeJS.Timeout | undefined;
  let running = false;
  let again = false;
  let stopped = false;

  const sealLabel = (id: Uint8Array) => `outbox/${bytesToHex(id)}`;

  // ---- sending -------------------------------------------------------------------------------

  function queueDirect(repos: Repositories, input: QueueDirectInput, at: number): void {
    const id = randomBytes(16);
    repos.outbox.insert({
      id,
      recipient: input.remote,
      local_identity: input.local,
      kind: 'direct',
      stage: 'plain',
      group_id: input.groupId ?? null,
      message_id: input.messageId ?? null,
      envelope: vault.seal(sealLabel(id), encodePayload(input.payload)),
      next_attempt_at: at,
      created_at: at,
    });
  }

  function queueGroupCopy(repos: Repositories, core: EnvelopeCore, recipient: string, local: string, groupId: string, messageId: string, at: number): void {
    repos.outbox.insert({
      id: randomBytes(16),
      recipient,
      local_identity: local,
      kind: 'group',
      // Already end-to-end encrypted (sender key): only the signature is missing.
      stage: 'plain',
      group_id: groupId,
      message_id: messageId,
      envelope: encodeCbor([core.type, core.id, core.from, core.to, core.ts, core.body]),
      next_attempt_at: at,
      created_at: at,
    });
  }

  function sign(local: string, cores: EnvelopeCore[]): SignedEnvelope[] {
    const secret = keyRing.get(local);
    if (!secret) throw new Error(`identity ${local} is locked`);
    return signEnvelopes(cores, secret);
  }

  const kick = () => {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    setImmediate(() => void flush());
  };

  async function fetchBundle(route: RecipientRoute, remote: string): Promise<PrekeyBundle | undefined> {
    const request = encodeCbor({ op: 'bundle', identity: hexToBytes(remote) });
    return askPeerThenRelays(network, { peer: route.peerId ? { peerId: route.peerId, addresses: route.addresses } : undefined, relays: route.relays }, {
      peerProtocol: PROTOCOLS.peer,
      relayProtocol: PROTOCOLS.relay,
      peerRequest: request,
      relayRequest: request,
      timeoutMs: REQUEST_TIMEOUT_MS,
      accept: (frame) => {
        const reply = parseReply(frame, bundleReply);
        const record = decodeIdentityRecord(reply.record);
        if (bytesToHex(record.identity_key) !== remote) throw new RemoteError('malformed', 'bundle for another identity');
        return {
          identityKey: record.identity_key,
          signedPrekey: { id: reply.spk[0], publicKey: reply.spk[1], signature: reply.spk[2] },
          oneTimePrekey: reply.opk ? { id: reply.opk[0], publicKey: reply.opk[1] } : undefined,
        };
      },
      onMiss: (source, err) => log.debug({ remote, source, err: err.message }, 'prekey bundle not available there'),
    });
  }

  /**
   * Encrypts 'plain' rows whose session exists (starting sessions first), signing each identity's
   * batch once. Returns the rows as they now are in the outbox.
   */
  async function sealPlainRows(rows: OutboxRow[]): Promise<OutboxRow[]> {
    const plain = rows.filter((r) => r.stage === 'plain' && keyRing.get(r.local_identity));
    if (plain.length === 0) return rows;
    const pairs = new Map<string, OutboxRow>();
    for (const row of plain) pairs.set(`${row.local_identity}:${row.recipient}`, row);
    for (const row of pairs.values()) {
      if (row.kind === 'group' || hasSession(store.repos, row.local_identity, row.recipient)) continue;
      const route = init.route(store.repos, row.local_identity, row.recipient);
      const bundle = route && (await fetchBundle(route, row.recipient));
      if (!bundle) continue;
      await store.write((repos) => {
        if (!hasSession(repos, row.local_identity, row.recipient)) {
          startSession(repos, vault, { id: row.local_identity, secretKey: keyRing.get(row.local_identity)! }, bundle, now());
        }
      });
    }
    const sealed = await store.write((repos) => {
      const envelopes = new Map<OutboxRow, Uint8Array>();
      // Whether each pair's session is still waiting for its first answer: one lookup per pair.
      const startingSessions = new Map<string, boolean>();
      const byLocal = new Map<string, Array<{ row: OutboxRow; core: EnvelopeCore }>>();
      for (const row of plain) {
        if (row.kind === 'group') {
          const [type, id, from, to, ts, body] = decodeCbor(row.envelope) as [EnvelopeCore['type'], Uint8Array, Uint8Array, Uint8Array, number, Uint8Array];
          const list = byLocal.get(row.local_identity) ?? [];
          list.push({ row, core: { type, id, from, to, ts, body } });
          byLocal.set(row.local_identity, list);
          continue;
        }
        let body: Uint8Array;
        try {
          const payloadBytes = vault.open(sealLabel(row.id), row.envelope);
          // A session-starting message carries our record so the other side can answer us.
          const pair = `${row.local_identity}:${row.recipient}`;
          let starting = startingSessions.get(pair);
          if (starting === undefined) startingSessions.set(pair, (starting = Boolean(repos.sessions.list(row.local_identity, row.recipient)[0]?.pending_init)));
          const payload = starting ? decodePayload(payloadBytes) : undefined;
          const finalPayload: Uint8Array = payload?.k === 'msg' ? encodePayload({ ...payload, rec: encodeRecord(row.local_identity) }) : payloadBytes;
          body = encryptDirect(repos, vault, row.local_identity, row.recipient, finalPayload, now());
        } catch (err) {
          if (err instanceof NoSessionError) continue;
          throw err;
        }
        const core: EnvelopeCore = { type: 'dm', id: row.id, from: hexToBytes(row.local_identity), to: hexToBytes(row.recipient), ts: now(), body };
        const list = byLocal.get(row.local_identity) ?? [];
        list.push({ row, core });
        byLocal.set(row.local_identity, list);
      }
      for (const [local, items] of byLocal) {
        const signed = sign(local, items.map((i) => i.core));
        items.forEach((item, i) => {
          const envelope = encodeEnvelope(signed[i]!);
          repos.outbox.seal(item.row.id, envelope);
          envelopes.set(item.row, envelope);
        });
      }
      return envelopes;
    });
    return rows.map((row) => {
      const envelope = sealed.get(row);
      return envelope ? { ...row, stage: 'sealed' as const, envelope } : row;
    });
  }

  const encodeRecord = (local: string): Uint8Array => encodeIdentityRecord(init.ownRecord(local));

  /**
   * Per recipient, the relay phases of overlapping rounds run in round order, so mail that has to
   * go through relays arrives there in the order it was written (the direct path keeps order by
   * itself: one stream per peer).
   */
  const relayTurns = new Map<string, Promise<void>>();

  /** Delivers one recipient's sealed envelopes, in order: direct first, then its relays. */
  async function deliverTo(recipient: string, local: string, rows: OutboxRow[]): Promise<void> {
    const turnKey = `${local}:${recipient}`;
    const previousTurn = relayTurns.get(turnKey) ?? Promise.resolve();
    let endTurn!: () => void;
    const thisTurn = previousTurn.then(() => new Promise<void>((resolve) => (endTurn = resolve)));
    relayTurns.set(turnKey, thisTurn);
    try {
      await deliverInTurn(recipient, local, rows, previousTurn);
    } finally {
      // endTurn is set once the previous turn is over; wait for that before releasing ours.
      await previousTurn;
      endTurn();
      if (relayTurns.get(turnKey) === thisTurn) relayTurns.delete(turnKey);
    }
  }

  async function deliverInTurn(recipient: string, local: string, rows: OutboxRow[], previousTurn: Promise<void>): Promise<void> {
    const route = init.route(store.repos, local, recipient);
    const pendingRows = [...rows];
    /** Sends the pending rows over one channel; the acknowledged ones leave the outbox and the pending list. */
    const sendOver = async (channel: FrameChannel, encode: (row: OutboxRow) => Uint8Array, path: 'direct' | 'relay', refused: string, logFields: Record<string, unknown> = {}) => {
      const replies = await Promise.allSettled(pendingRows.map((row) => channel.request(encode(row), REQUEST_TIMEOUT_MS)));
      const done: OutboxRow[] = [];
      replies.forEach((reply, i) => {
        if (reply.status !== 'fulfilled') return;
        try {
          parseReply(reply.value, okSchema);
          done.push(pendingRows[i]!);
        } catch (err) {
          log.debug({ recipient, ...logFields, err: (err as Error).message }, refused);
        }
      });
      if (done.length === 0) return;
      sent.inc({ path }, done.length);
      for (const row of done) deliveryLatency.observe((now() - row.created_at) / 1000);
      await store.write((repos) => {
        for (const row of done) repos.outbox.delete(row.id);
        return done;
      });
      onDelivered(done);
      const doneSet = new Set(done);
      pendingRows.splice(0, pendingRows.length, ...pendingRows.filter((r) => !doneSet.has(r)));
    };

    if (route?.peerId) {
      try {
        const channel = await network.channels.get(network.target(route.peerId, route.addresses), PROTOCOLS.envelope);
        await sendOver(channel, (row) => row.envelope, 'direct', 'direct delivery refused');
      } catch (err) {
        log.debug({ recipient, err: (err as Error).message }, 'recipient not reachable directly');
      }
    }

    if (pendingRows.length > 0) await previousTurn;
    for (const relay of route?.relays ?? []) {
      if (pendingRows.length === 0) break;
      try {
        const channel = await network.channels.get(network.target(relay.peer_id, relay.addresses), PROTOCOLS.relay);
        // Group envelopes are addressed to the group: name the member they are for.
        const deposit = (row: OutboxRow) => encodeCbor(row.kind === 'group' ? { op: 'deposit', env: row.envelope, for: hexToBytes(row.recipient) } : { op: 'deposit', env: row.envelope });
        await sendOver(channel, deposit, 'relay', 'relay refused a deposit', { relay: relay.peer_id });
      } catch (err) {
        log.debug({ recipient, relay: relay.peer_id, err: (err as Error).message }, 'relay not reachable');
      }
    }

    if (pendingRows.length > 0) {
      await store.write((repos) => {
        for (const row of pendingRows) {
          const delay = Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** Math.min(row.attempts, 8));
          repos.outbox.retryLater(row.id, now() + delay, route ? 'recipient and its relays unreachable' : 'no route to recipient');
        }
      });
    }
  }

  const deliveredListeners: Array<(rows: OutboxRow[]) => void> = [];
  const onDelivered = (rows: OutboxRow[]) => {
    for (const listener of deliveredListeners) listener(rows);
  };

  // Rounds overlap: while one round waits for acknowledgements, the next is already encrypted
  // and on the wire behind it (same stream per peer, so order holds).
  const MAX_IN_FLIGHT = 4000;
  const inFlight = new Set<string>();
  const deliveries = new Set<Promise<void>>();

  async function flush(): Promise<void> {
    if (running || stopped) return;
    running = true;
    try {
      do {
        again = false;
        if (inFlight.size >= MAX_IN_FLIGHT) {
          await Promise.race(deliveries);
          again = true;
          continue;
        }
        const due = store.repos.outbox.due(now(), MAX_IN_FLIGHT + 2000).filter((r) => !inFlight.has(bytesToHex(r.id))).slice(0, 2000);
        if (due.length === 0) break;
        const current = await sealPlainRows(due);
        const byRecipient = new Map<string, OutboxRow[]>();
        for (const row of current.filter((r) => r.stage === 'sealed')) {
          const key = `${row.local_identity}:${row.recipient}`;
          const list = byRecipient.get(key) ?? [];
          list.push(row);
          byRecipient.set(key, list);
        }
        for (const rows of byRecipient.values()) {
          const ids = rows.map((r) => bytesToHex(r.id));
          ids.forEach((id) => inFlight.add(id));
          const delivery: Promise<void> = deliverTo(rows[0]!.recipient, rows[0]!.local_identity, rows)
            .catch((err: Error) => log.error({ err }, 'delivery failed'))
            .finally(() => {
              ids.forEach((id) => inFlight.delete(id));
              deliveries.delete(delivery);
              kick();
            });
          deliveries.add(delivery);
        }
        // Rows of this round that could not be encrypted (no prekey bundle reachable) wait a while.
        const stuck = current.filter((r) => r.stage === 'plain');
        if (stuck.length > 0) {
          await store.write((repos) => {
            for (const row of stuck) repos.outbox.retryLater(row.id, now() + Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** Math.min(row.attempts, 8)), 'no prekey bundle reachable');
          });
        }
        // Rows queued meanwhile have set `again` through kick(); a full round may have left more behind.
        again ||= due.length === 2000;
      } while (again && !stopped);
    } catch (err) {
      log.error({ err }, 'outbox round failed');
    } finally {
      running = false;
    }
  }

  // ---- receiving -----------------------------------------------------------------------------

  const penalize = (peer: string | null, reason: Misbehaviour) => {
    if (peer) network.guard.penalize(peer, PROTOCOLS.envelope, reason);
  };

  async function receive(
    bytes: Uint8Array,
    from: { peer: string | null; via: 'direct' | 'relay' | 'gossip' },
  ): Promise<{ ok: true; duplicate: boolean; id: Uint8Array } | { ok: false; error: ErrorCode; id?: Uint8Array }> {
    const fail = (error: ErrorCode, reason: Misbehaviour | null, id?: Uint8Array) => {
      received.inc({ via: from.via, outcome: error });
      if (reason) penalize(from.peer, reason);
      return id ? { ok: false as const, error, id } : { ok: false as const, error };
    };
    let envelope: SignedEnvelope;
    try {
      envelope = decodeEnvelope(bytes);
    } catch (err) {
      if (err instanceof FrameDecodeError) return fail('malformed', 'malformed');
      throw err;
    }
    const t = now();
    if (envelope.ts > t + skew || envelope.ts < t - init.maxAgeMs) return fail('stale', 'stale', envelope.id);
    if (!verify(envelope)) return fail('bad-signature', 'bad-signature', envelope.id);

    const recipientLocals =
      envelope.type === 'dm' ? [bytesToHex(envelope.to)].filter((l) => keyRing.get(l)) : handlers.groupRecipients(store.repos, bytesToHex(envelope.to));
    if (recipientLocals.length === 0) return fail('unknown-recipient', null, envelope.id);

    type Outcome = { duplicate: true } | { duplicate: false; after: AfterCommit | void };
    let outcome: Outcome;
    try {
      outcome = await store.write((repos): Outcome => {
        if (!repos.replayWindow.remember(envelope.id, t)) return { duplicate: true };
        if (envelope.type === 'group') return { duplicate: false, after: handlers.group(repos, envelope, t) };
        const local = recipientLocals[0]!;
        const plaintext = decryptDirect(repos, vault, { id: local, secretKey: keyRing.get(local)! }, envelope.from, envelope.body, t);
        const payload = decodePayload(plaintext);
        if (!payload) throw new DecryptFailedError('the decrypted payload is not one we understand');
        return { duplicate: false, after: handlers.direct(repos, payload, { local, remote: bytesToHex(envelope.from), envelope, now: t }) };
      });
    } catch (err) {
      if (err instanceof HoldEnvelopeError) {
        log.debug({ err: err.message }, 'envelope held for later');
        return fail('held', null, envelope.id);
      }
      if (err instanceof DecryptFailedError) {
        log.debug({ err: err.message, from: bytesToHex(envelope.from).slice(0, 16) }, 'envelope did not decrypt');
        return fail('undecryptable', from.via === 'gossip' ? null : 'bad-signature', envelope.id);
      }
      throw err;
    }
    if (outcome.duplicate) {
      received.inc({ via: from.via, outcome: 'replay' });
      penalize(from.peer, 'replay');
      return { ok: true, duplicate: true, id: envelope.id };
    }
    received.inc({ via: from.via, outcome: 'accepted' });
    outcome.after?.();
    return { ok: true, duplicate: false, id: envelope.id };
  }

  return {
    async start() {
      await network.handle(
        PROTOCOLS.envelope,
        async (frame, context) => {
          const result = await receive(frame, { peer: context.peer, via: 'direct' });
          return result.ok ? okReply(result.duplicate ? { duplicate: true } : {}) : errorReply(result.error);
        },
        errorReply('rate-limited'),
      );
      await network.handle(
        PROTOCOLS.mailbox,
        async (frame, context) => {
          if (!init.isOurRelay(context.peer)) {
            network.guard.penalize(context.peer, PROTOCOLS.mailbox, 'unauthorized');
            return errorReply('unauthorized', 'mail is only accepted from the relays we chose');
          }
          const push = parseRequest(frame, mailboxPush);
          if (!push) {
            network.guard.penalize(context.peer, PROTOCOLS.mailbox, 'malformed');
            return errorReply('malformed');
          }
          const identity = bytesToHex(push.to);
          const secret = keyRing.get(identity);
          if (!secret) return errorReply('unknown-recipient');
          const results = await Promise.all(push.envs.map((env) => receive(env, { peer: null, via: 'relay' })));
          // Taken (or already had): the relay may delete it. Undecryptable or stale mail is also
          // released, since keeping it helps nobody; held mail stays on the relay for later.
          const ids = results.flatMap((r) => (r.id && (r.ok || (r.error !== 'held' && r.error !== 'internal')) ? [r.id] : []));
          const sig = mailboxReceiptStatement.sign(secret, { relay: context.peer, ids });
          return okReply({ ids, sig });
        },
        errorReply('rate-limited'),
      );
      timer = setInterval(() => {
        kick();
        // Forget replay-window entries older than anything we would still accept.
        void store.write((repos) => repos.replayWindow.forgetBefore(now() - init.maxAgeMs - skew)).catch(() => undefined);
      }, 2000);
      timer.unref();
      kick();
    },
    async stop() {
      stopped = true;
      if (timer) clearInterval(timer);
      while (running) await new Promise((r) => setTimeout(r, 10));
      await Promise.allSettled([...deliveries]);
    },
    queueDirect,
    queueGroupCopy,
    sign,
    kick,
    receive,
    outboxSize: () => store.repos.outbox.count(),
    onDelivered: (listener) => void deliveredListeners.push(listener),
  };
}
