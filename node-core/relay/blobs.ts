import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { errorReply, okReply, type RelayRequest } from '../wire/protocols.ts';
import { isFresh, refuse, type RelayContext } from './relay-context.ts';
import { blobDropStatement } from './statements.ts';

/**
 * Encrypted attachment chunks a sender leaves for its recipients, addressed by hash, counted in
 * the recipient's byte quota and kept for the TTL, unless the sender signs that they can go.
 */

const MAX_BLOB_BYTES = 4 * 1024 * 1024;

export async function putBlob(context: RelayContext, recipient: string, data: Uint8Array): Promise<Uint8Array> {
  if (data.length > MAX_BLOB_BYTES) return errorReply('quota', 'chunk too large');
  const hash = sha256(data);
  const at = context.now();
  const outcome = await context.mailbox.putBlob({ recipient, hash, data, at, expiresAt: at + context.limits.ttlMs }, context.limits);
  if (outcome !== 'ok') return errorReply(outcome);
  context.changed();
  return okReply({ hash });
}

export async function getBlob(context: RelayContext, recipient: string, hash: Uint8Array): Promise<Uint8Array> {
  const data = await context.mailbox.getBlob(recipient, hash, context.now());
  return data ? okReply({ data }) : errorReply('not-found');
}

export async function dropBlobs(context: RelayContext, request: Extract<RelayRequest, { op: 'drop-blobs' }>, peer: string): Promise<Uint8Array> {
  const signed = { relay: context.network.peerId, client: peer, hashes: request.hashes, ts: request.ts };
  if (!isFresh(context, request.ts) || !blobDropStatement.verify(request.identity, signed, request.sig)) return refuse(context, peer, 'unauthorized');
  await context.mailbox.dropBlobs(bytesToHex(request.identity), request.hashes);
  context.changed();
  return okReply();
}
