import { bytesToHex } from '@noble/hashes/utils.js';
import { decodeEnvelope } from '../p2p/envelope.ts';
import { okReply, type RelayRequest } from '../wire/protocols.ts';
import { isFresh, refuse, type RelayContext } from './relay-context.ts';
import { retractStatement } from './statements.ts';

/**
 * A sender takes back envelopes it left here (their message was deleted for everyone before the
 * recipient came for it). Only envelopes whose own signed `from` is the identity that signed the
 * request go: nobody can drop someone else's mail. Ids that are not here are no error.
 */
export async function retract(context: RelayContext, request: Extract<RelayRequest, { op: 'retract' }>, peer: string): Promise<Uint8Array> {
  const signed = { relay: context.network.peerId, client: peer, ids: request.ids, ts: request.ts };
  if (!isFresh(context, request.ts) || !retractStatement.verify(request.identity, signed, request.sig)) return refuse(context, peer, 'unauthorized');
  const sender = bytesToHex(request.identity);
  const held = await context.mailbox.held(request.ids);
  const theirs = held.filter((entry) => {
    try {
      return bytesToHex(decodeEnvelope(entry.envelope).from) === sender;
    } catch {
      return false;
    }
  });
  const dropped = theirs.length > 0 ? await context.mailbox.drop(theirs) : 0;
  if (dropped > 0) context.changed();
  return okReply({ dropped });
}
