import { bytesToHex } from '@noble/hashes/utils.js';
import { z } from 'zod';
import { buildMerkleBatch, merkleRoot } from '../crypto/merkle.ts';
import { signWithContext, verifyWithContext } from '../crypto/signing.ts';
import { decodeCbor, encodeCbor, FrameDecodeError } from './codec.ts';

/**
 * The signed envelope: what crosses the wire between nodes and what relays store. The body is
 * end-to-end encrypted; everything else is what a relay needs to route it. The signature is the
 * sender identity's Ed25519 signature over the Merkle root of the batch the envelope was made in
 * (see crypto/merkle.ts), so a burst of messages costs one signature.
 */

export const ENVELOPE_VERSION = 1;
export const MAX_ENVELOPE_BYTES = 1024 * 1024;
const BATCH_CONTEXT = 'dchat/envelope-batch/v1';

export type EnvelopeType = 'dm' | 'group';

export interface EnvelopeCore {
  readonly type: EnvelopeType;
  /** 16 random bytes. */
  readonly id: Uint8Array;
  /** Sender identity key (Ed25519 public). */
  readonly from: Uint8Array;
  /** Recipient identity key (dm) or group id (group). */
  readonly to: Uint8Array;
  /** Sender's clock, ms since the epoch. */
  readonly ts: number;
  readonly body: Uint8Array;
}

export interface SignedEnvelope extends EnvelopeCore {
  readonly index: number;
  readonly count: number;
  readonly proof: readonly Uint8Array[];
  readonly sig: Uint8Array;
}

export class EnvelopeError extends Error {
  override readonly name = 'EnvelopeError';
}

const bytes = (length?: number) =>
  z.instanceof(Uint8Array).refine((b) => length === undefined || b.length === length, `expected ${length} bytes`);

const wireSchema = z.tuple([
  z.literal(ENVELOPE_VERSION),
  z.enum(['dm', 'group']),
  bytes(16),
  bytes(32),
  bytes().refine((b) => b.length === 32 || b.length === 16, 'expected 16 or 32 bytes'),
  z.number().int().nonnegative(),
  bytes().refine((b) => b.length <= MAX_ENVELOPE_BYTES, 'body too large'),
  z.number().int().nonnegative(),
  z.number().int().positive().max(1 << 16),
  z.array(bytes(32)).max(16),
  bytes(64),
]);

const coreBytes = (e: EnvelopeCore): Uint8Array => encodeCbor([ENVELOPE_VERSION, e.type, e.id, e.from, e.to, e.ts, e.body]);

const signedPayload = (root: Uint8Array, count: number): Uint8Array => {
  const out = new Uint8Array(36);
  out.set(root, 0);
  new DataView(out.buffer).setUint32(32, count);
  return out;
};

/** Signs envelopes made together with one signature. */
export function signEnvelopes(cores: readonly EnvelopeCore[], secretKey: Uint8Array): SignedEnvelope[] {
  const batch = buildMerkleBatch(cores.map(coreBytes));
  const sig = signWithContext(BATCH_CONTEXT, secretKey, signedPayload(batch.root, cores.length));
  return cores.map((core, index) => ({ ...core, index, count: cores.length, proof: batch.proofs[index]!, sig }));
}

export function encodeEnvelope(e: SignedEnvelope): Uint8Array {
  return encodeCbor([ENVELOPE_VERSION, e.type, e.id, e.from, e.to, e.ts, e.body, e.index, e.count, e.proof, e.sig]);
}

/** Parses wire bytes; throws FrameDecodeError for anything that is not a well-formed envelope. */
export function decodeEnvelope(wire: Uint8Array): SignedEnvelope {
  if (wire.length > MAX_ENVELOPE_BYTES + 4096) throw new FrameDecodeError('envelope too large');
  const parsed = wireSchema.safeParse(decodeCbor(wire));
  if (!parsed.success) throw new FrameDecodeError(`malformed envelope: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  const [, type, id, from, to, ts, body, index, count, proof, sig] = parsed.data;
  if (index >= count) throw new FrameDecodeError('malformed envelope: index outside its batch');
  if (type === 'dm' && to.length !== 32) throw new FrameDecodeError('malformed envelope: a direct envelope is addressed to a 32-byte key');
  if (type === 'group' && to.length !== 16) throw new FrameDecodeError('malformed envelope: a group envelope is addressed to a 16-byte group id');
  return { type, id, from, to, ts, body, index, count, proof, sig };
}

/**
 * Checks the sender's signature. Verified batch roots are remembered, so the other envelopes of
 * a batch cost a few hashes instead of another Ed25519 verification.
 */
export function createEnvelopeVerifier(cacheSize = 4096): (e: SignedEnvelope) => boolean {
  const verified = new Map<string, true>();
  return (e) => {
    const root = merkleRoot(coreBytes(e), e.index, e.count, e.proof);
    if (!root) return false;
    const key = `${bytesToHex(e.from)}:${bytesToHex(root)}:${e.count}:${bytesToHex(e.sig)}`;
    if (verified.has(key)) return true;
    if (!verifyWithContext(BATCH_CONTEXT, e.from, signedPayload(root, e.count), e.sig)) return false;
    verified.set(key, true);
    if (verified.size > cacheSize) verified.delete(verified.keys().next().value!);
    return true;
  };
}
