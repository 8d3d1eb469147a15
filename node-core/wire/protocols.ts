import { z } from 'zod';
import { decodeCbor, encodeCbor, type FrameDecodeError } from '../p2p/codec.ts';

/** The dchat stream protocols. Every request and answer is one length-prefixed CBOR frame. */
export const PROTOCOLS = {
  /** A signed envelope, straight from its sender (or a relay pushing mail): answered ok/error. */
  envelope: '/dchat/envelope/1.0.0',
  /** A relay pushing stored mail to its recipient, who answers with a signed receipt. */
  mailbox: '/dchat/mailbox/1.0.0',
  /** Requests to a relay: register, subscribe, deposit, prekey bundles, attachment chunks. */
  relay: '/dchat/relay/1.0.0',
  /** Requests to any node about its own identities: prekey bundles, attachment chunks. */
  peer: '/dchat/peer/1.0.0',
} as const;

export type ErrorCode =
  | 'malformed'
  | 'bad-signature'
  | 'stale'
  | 'unknown-recipient'
  | 'undecryptable'
  | 'rate-limited'
  | 'quota'
  | 'unauthorized'
  | 'not-found'
  | 'not-a-relay'
  | 'held'
  | 'internal';

export interface OkReply {
  readonly ok: true;
}
export interface ErrorReply {
  readonly ok: false;
  readonly error: ErrorCode;
  readonly message?: string;
}

export const errorReply = (error: ErrorCode, message?: string): Uint8Array =>
  encodeCbor(message ? { ok: false, error, message } : { ok: false, error });
export const okReply = (fields: Record<string, unknown> = {}): Uint8Array => encodeCbor({ ok: true, ...fields });

/** Bytes (CBOR byte strings decode to Uint8Array), optionally of an exact length. */
export const bytes = (length?: number) =>
  z
    .custom<Uint8Array>((v) => v instanceof Uint8Array, 'expected bytes')
    .refine((b) => length === undefined || b.length === length, length === undefined ? 'bytes' : `expected ${length} bytes`);

const replySchema = z.union([
  z.object({ ok: z.literal(true) }).passthrough(),
  z.object({ ok: z.literal(false), error: z.string().max(64), message: z.string().max(500).optional() }),
]);

export class RemoteError extends Error {
  override readonly name = 'RemoteError';
  readonly code: string;
  constructor(code: string, message?: string) {
    super(message ? `${code}: ${message}` : code);
    this.code = code;
  }
}

/** Parses an answer; an error answer becomes a RemoteError, and `schema` checks a good one. */
export function parseReply<T extends z.ZodType>(frame: Uint8Array, schema: T): z.output<T> {
  let decoded: unknown;
  try {
    decoded = decodeCbor(frame);
  } catch (err) {
    throw new RemoteError('malformed', (err as FrameDecodeError).message);
  }
  const reply = replySchema.safeParse(decoded);
  if (!reply.success) throw new RemoteError('malformed', 'unreadable answer');
  if (!reply.data.ok) throw new RemoteError(reply.data.error, reply.data.message);
  const parsed = schema.safeParse(decoded);
  if (!parsed.success) throw new RemoteError('malformed', parsed.error.issues[0]?.message ?? 'unexpected answer');
  return parsed.data;
}

/** Parses a request with a schema; null means malformed. */
export function parseRequest<T extends z.ZodType>(frame: Uint8Array, schema: T): z.output<T> | null {
  try {
    const parsed = schema.safeParse(decodeCbor(frame));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

export const signedPrekeyWire = z.tuple([z.number().int().nonnegative(), bytes(32), bytes(64)]);
export const oneTimePrekeyWire = z.tuple([z.number().int().nonnegative(), bytes(32)]);

/** A prekey bundle as served by a node or a relay. */
export const bundleReply = z.object({
  ok: z.literal(true),
  record: bytes(),
  spk: signedPrekeyWire,
  opk: oneTimePrekeyWire.nullable().optional(),
});

export const relayRequest = z.discriminatedUnion('op', [
  z.object({
    op: z.literal('register'),
    record: bytes(),
    spk: signedPrekeyWire,
    opks: z.array(oneTimePrekeyWire).max(200),
    ts: z.number().int(),
    sig: bytes(64),
  }),
  z.object({ op: z.literal('subscribe'), identity: bytes(32), ts: z.number().int(), sig: bytes(64) }),
  /**
   * `for` names the member a group envelope is meant for (group envelopes are addressed to the
   * group); `ttl` (seconds) keeps a disappearing message no longer than its timer.
   */
  z.object({ op: z.literal('deposit'), env: bytes(), for: bytes(32).optional(), ttl: z.number().int().positive().max(366 * 24 * 3600).optional() }),
  z.object({ op: z.literal('bundle'), identity: bytes(32) }),
  z.object({ op: z.literal('put-blob'), to: bytes(32), data: bytes() }),
  z.object({ op: z.literal('get-blob'), to: bytes(32), hash: bytes(32) }),
  z.object({ op: z.literal('drop-blobs'), identity: bytes(32), hashes: z.array(bytes(32)).max(4096), ts: z.number().int(), sig: bytes(64) }),
  /** The sender of these envelopes asks for them to be dropped (deleted for everyone). */
  z.object({ op: z.literal('retract'), identity: bytes(32), ids: z.array(bytes(16)).min(1).max(256), ts: z.number().int(), sig: bytes(64) }),
]);
export type RelayRequest = z.output<typeof relayRequest>;

export const peerRequest = z.discriminatedUnion('op', [
  z.object({ op: z.literal('bundle'), identity: bytes(32) }),
  z.object({ op: z.literal('get-blob'), hash: bytes(32) }),
]);

export const mailboxPush = z.object({ to: bytes(32), envs: z.array(bytes()).min(1).max(256) });
export const mailboxReceipt = z.object({ ok: z.literal(true), ids: z.array(bytes(16)).max(256), sig: bytes(64) });
