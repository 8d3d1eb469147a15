import { z } from 'zod';
import type { RelayRef } from '../domain/model.ts';
import { signWithContext, verifyWithContext } from '../crypto/signing.ts';
import { decodeCbor, encodeCbor, type FrameDecodeError } from '../p2p/codec.ts';

/**
 * What an identity publishes about itself: its key, name, where its node listens and which relays
 * hold its mail, signed by the identity key. Invites carry it; relays store and serve it; a
 * message that starts a session carries it so the recipient can answer. The chat chain will
 * later hold the same record as the authoritative directory.
 */

const RECORD_CONTEXT = 'dchat/identity-record/v1';

export type { RelayRef } from '../domain/model.ts';

export interface IdentityRecord {
  readonly identity_key: Uint8Array;
  readonly username: string;
  readonly display_name: string;
  readonly peer_id: string;
  readonly addresses: readonly string[];
  readonly relays: readonly RelayRef[];
  readonly updated_at: number;
}

export interface SignedIdentityRecord extends IdentityRecord {
  readonly sig: Uint8Array;
}

export class RecordError extends Error {
  override readonly name = 'RecordError';
}

const address = z.string().min(1).max(512);
const peerId = z.string().min(10).max(128).regex(/^[1-9A-HJ-NP-Za-km-z]+$/, 'expected a base58 peer id');
const wire = z.tuple([
  z.literal(1),
  z.instanceof(Uint8Array).refine((b) => b.length === 32, 'identity key must be 32 bytes'),
  z.string().regex(/^[a-z0-9_]{3,32}$/),
  z.string().min(1).max(64),
  peerId,
  z.array(address).max(16),
  z.array(z.tuple([peerId, z.array(address).max(8)])).max(8),
  z.number().int().nonnegative(),
  z.instanceof(Uint8Array).refine((b) => b.length === 64, 'signature must be 64 bytes'),
]);

const unsignedTuple = (r: IdentityRecord) => [
  1,
  r.identity_key,
  r.username,
  r.display_name,
  r.peer_id,
  [...r.addresses],
  r.relays.map((relay) => [relay.peer_id, [...relay.addresses]]),
  r.updated_at,
];

export function signIdentityRecord(record: IdentityRecord, secretKey: Uint8Array): SignedIdentityRecord {
  return { ...record, sig: signWithContext(RECORD_CONTEXT, secretKey, encodeCbor(unsignedTuple(record))) };
}

export function encodeIdentityRecord(record: SignedIdentityRecord): Uint8Array {
  return encodeCbor([...unsignedTuple(record), record.sig]);
}

/** Parses and verifies; throws RecordError for anything malformed or not signed by its key. */
export function decodeIdentityRecord(bytes: Uint8Array): SignedIdentityRecord {
  let decoded: unknown;
  try {
    decoded = decodeCbor(bytes);
  } catch (err) {
    throw new RecordError((err as FrameDecodeError).message);
  }
  const parsed = wire.safeParse(decoded);
  if (!parsed.success) throw new RecordError(`malformed identity record: ${parsed.error.issues[0]?.message ?? ''}`);
  const [, identity_key, username, display_name, peer_id, addresses, relays, updated_at, sig] = parsed.data;
  const record: SignedIdentityRecord = {
    identity_key,
    username,
    display_name,
    peer_id,
    addresses,
    relays: relays.map(([id, addrs]) => ({ peer_id: id, addresses: addrs })),
    updated_at,
    sig,
  };
  if (!verifyWithContext(RECORD_CONTEXT, identity_key, encodeCbor(unsignedTuple(record)), sig)) {
    throw new RecordError('the identity record is not signed by its identity key');
  }
  return record;
}

export const INVITE_PREFIX = 'dchat://invite/';

export function encodeInvite(record: SignedIdentityRecord): string {
  return Buffer.from(encodeIdentityRecord(record)).toString('base64url');
}

/** Accepts the bare invite string or the dchat://invite/ link. */
export function decodeInvite(invite: string): SignedIdentityRecord {
  const text = invite.trim().startsWith(INVITE_PREFIX) ? invite.trim().slice(INVITE_PREFIX.length) : invite.trim();
  if (!/^[A-Za-z0-9_-]+$/.test(text)) throw new RecordError('an invite is a base64url string or a dchat://invite/ link');
  return decodeIdentityRecord(new Uint8Array(Buffer.from(text, 'base64url')));
}
