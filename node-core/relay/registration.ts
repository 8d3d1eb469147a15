import { bytesToHex } from '@noble/hashes/utils.js';
import { decodeIdentityRecord, RecordError } from '../wire/identity-record.ts';
import { decodeCbor, encodeCbor } from '../p2p/codec.ts';
import { errorReply, okReply, type RelayRequest } from '../wire/protocols.ts';
import { isFresh, refuse, type RelayContext } from './relay-context.ts';
import { registrationStatement, subscriptionStatement } from './statements.ts';

/**
 * Who may keep mail here: an identity whose signed record names this relay registers, with its
 * signed prekey and a share of one-time prekeys this relay hands out to those starting sessions
 * with it; a registered identity subscribes to have its mail pushed over the current connection.
 */

export async function register(context: RelayContext, request: Extract<RelayRequest, { op: 'register' }>, peer: string): Promise<Uint8Array> {
  let record;
  try {
    record = decodeIdentityRecord(request.record);
  } catch (err) {
    if (err instanceof RecordError) return errorReply('malformed', err.message);
    throw err;
  }
  const relay = context.network.peerId;
  const signed = { relay, client: peer, ts: request.ts, record: request.record, spk: request.spk, opks: request.opks };
  if (!isFresh(context, request.ts) || !registrationStatement.verify(record.identity_key, signed, request.sig)) {
    return refuse(context, peer, 'unauthorized', 'the registration is not signed by the identity, or is not fresh');
  }
  if (!record.relays.some((r) => r.peer_id === relay)) return errorReply('unauthorized', 'the identity record does not name this relay');
  const identity = bytesToHex(record.identity_key);
  const prekeys = request.opks.map(([id, public_key]) => ({ id, public_key }));
  const held = await context.mailbox.register(identity, encodeCbor({ record: request.record, spk: request.spk }), prekeys, context.now());
  context.changed();
  return okReply({ prekeys: held });
}

export async function subscribe(context: RelayContext, request: Extract<RelayRequest, { op: 'subscribe' }>, peer: string): Promise<Uint8Array> {
  const identity = bytesToHex(request.identity);
  if (!(await context.mailbox.registration(identity))) return errorReply('unknown-recipient', 'register first');
  if (!isFresh(context, request.ts) || !subscriptionStatement.verify(request.identity, { relay: context.network.peerId, client: peer, ts: request.ts }, request.sig)) {
    return refuse(context, peer, 'unauthorized');
  }
  context.pushes.subscribe(identity, peer);
  const waiting = await context.mailbox.touch(identity, context.now());
  context.pushes.notify(identity);
  return okReply({ pending: waiting.pending, prekeys: waiting.prekeys });
}

/** A registered identity's prekey bundle, for a peer that wants to start a session with it. */
export async function bundle(context: RelayContext, identity: string): Promise<Uint8Array> {
  const entry = await context.mailbox.registration(identity);
  if (!entry) return errorReply('not-found', 'that identity has not chosen this relay');
  const { record, spk } = decodeCbor(entry.record) as { record: Uint8Array; spk: unknown };
  const opk = await context.mailbox.takePrekey(identity);
  return okReply({ record, spk, opk: opk ? [opk.id, opk.public_key] : null });
}
