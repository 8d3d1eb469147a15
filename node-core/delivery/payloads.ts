import { z } from 'zod';
import { encodeCbor } from '../p2p/codec.ts';
import { bytes, parseRequest } from '../wire/protocols.ts';

/**
 * What travels inside end-to-end encrypted bodies. Only the two ends ever see these; relays see
 * envelopes. Field names are short because every message carries them.
 */

const uuid = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);

export const attachmentManifest = z.object({
  id: uuid,
  name: z.string().min(1).max(255),
  mime: z.string().min(1).max(127),
  size: z.number().int().nonnegative(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  chunk: z.number().int().positive().max(4 * 1024 * 1024),
  hashes: bytes(),
  key: bytes(32),
});
export type AttachmentManifest = z.output<typeof attachmentManifest>;

export const directPayload = z.discriminatedUnion('k', [
  z.object({
    k: z.literal('msg'),
    id: uuid,
    text: z.string().max(65536),
    at: z.number().int().nonnegative(),
    /** For group chats delivered pairwise (never used for 1:1): which group. */
    g: z.string().regex(/^[0-9a-f]{32}$/).optional(),
    att: z.array(attachmentManifest).max(16).optional(),
    /** The sender's signed identity record, so a first message can be answered. */
    rec: bytes().optional(),
  }),
  z.object({ k: z.literal('rcpt'), t: z.enum(['delivered', 'read']), ids: z.array(uuid).min(1).max(1000) }),
  z.object({ k: z.literal('gstate'), state: bytes() }),
  z.object({
    k: z.literal('skey'),
    g: z.string().regex(/^[0-9a-f]{32}$/),
    key: z.tuple([z.number().int().nonnegative(), z.number().int().nonnegative(), bytes(32), bytes(32)]),
  }),
]);
export type DirectPayload = z.output<typeof directPayload>;

export const encodePayload = (payload: DirectPayload): Uint8Array => encodeCbor(payload);

export const decodePayload = (bytesIn: Uint8Array): DirectPayload | null => parseRequest(bytesIn, directPayload);

/** Group messages: encrypted with the sender's sender key; this is their plaintext. */
export const groupPayload = z.object({
  id: uuid,
  text: z.string().max(65536),
  at: z.number().int().nonnegative(),
  att: z.array(attachmentManifest).max(16).optional(),
});
export type GroupPayload = z.output<typeof groupPayload>;
