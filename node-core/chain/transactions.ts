import { createHash } from 'node:crypto';
import { z } from 'zod';
import { bytesToHex } from '../crypto/hex.ts';
import { defineStatement } from '../crypto/statements.ts';
import { decodeCbor, encodeCbor } from '../p2p/codec.ts';
import { bytes } from '../wire/protocols.ts';
import { packetSchema, proofHeaderSchema, proofSchema, receiptSchema, sendPayloadSchema } from './bridge-wire.ts';
import { listingFieldsSchema, listingSchema, scoresSchema } from './market-wire.ts';

/**
 * Transactions: one signed shape for both chains. The sender's Ed25519 key is its account
 * address; the nonce orders its transactions and stops replays; the fee is burned. The body is
 * one of the kinds below, checked by schema here and by the chain's rules when it executes.
 */

const amount = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);
const hash32 = bytes(32);
const seq = z.number().int().positive();
export const MAX_BRIDGE_BATCH = 1_000;
/** A relaying transaction's proofs are against a header it shows (and the client verifies now) or one the client already verified. */
const atHeader = { header: proofHeaderSchema.optional(), height: z.number().int().positive().optional() };
/** Kinds that carry proofs, allowed up to max_relay_tx_bytes instead of max_tx_bytes. */
export const RELAYING_KINDS: ReadonlySet<string> = new Set(['bridge_recv', 'bridge_ack', 'bridge_timeout', 'bridge_update', 'client_recover', 'order_fund']);
export const USERNAME_PATTERN = /^[a-z][a-z0-9_]{2,31}$/;

export const txBodySchema = z.discriminatedUnion('kind', [
  // currency chain
  z.object({ kind: z.literal('transfer'), to: bytes(32), amount, memo: z.string().max(140).optional() }),
  z.object({ kind: z.literal('stake'), amount }),
  z.object({ kind: z.literal('unstake'), amount }),
  z.object({ kind: z.literal('faucet') }),
  // chat chain
  /**
   * `record` is the identity's signed identity record (peer id, addresses, chosen relays, display
   * name): what a contact needs to reach it, so a username is enough to start a chat.
   * `prekeys` is the hash of its current signed prekey.
   */
  z.object({ kind: z.literal('register'), username: z.string().regex(USERNAME_PATTERN), record: bytes().refine((b) => b.length <= 2048, 'at most 2048 bytes'), prekeys: hash32 }),
  z.object({ kind: z.literal('update'), record: bytes().refine((b) => b.length <= 2048, 'at most 2048 bytes'), prekeys: hash32 }),
  /** Moves a username to a new identity key; signed by the old one (the sender). */
  z.object({ kind: z.literal('rotate'), new_key: bytes(32), new_key_sig: bytes(64), record: bytes().refine((b) => b.length <= 2048, 'at most 2048 bytes'), prekeys: hash32 }),
  z.object({ kind: z.literal('channel'), name: z.string().regex(USERNAME_PATTERN), policy: z.enum(['public', 'invite']) }),
  z.object({ kind: z.literal('anchor'), root: hash32, count: z.number().int().positive().max(1 << 20) }),
  /** A relay announces itself (the sender's key is the relay's): its libp2p peer id and addresses. */
  z.object({ kind: z.literal('relay'), peer_id: z.string().min(1).max(128), addresses: z.array(z.string().min(1).max(300)).max(8) }),
  /** A user attests that a relay served it during an attestation period (one per user, relay and period). */
  z.object({ kind: z.literal('attest'), relay: bytes(32), period: z.number().int().nonnegative() }),
  /** A recipient's signed proof that a relay delivered `count` messages, committed to by `root` (their hashes' Merkle root). */
  z.object({ kind: z.literal('delivery'), relay: bytes(32), root: hash32, count: z.number().int().positive().max(1 << 20) }),
  // the bridge (both chains; bridge-rules.ts)
  z.object({ kind: z.literal('bridge_send'), timeout: z.number().int().positive(), payload: sendPayloadSchema }),
  z.object({ kind: z.literal('bridge_recv'), ...atHeader, packets: z.array(z.object({ packet: packetSchema, proof: proofSchema })).min(1).max(MAX_BRIDGE_BATCH) }),
  z.object({ kind: z.literal('bridge_ack'), ...atHeader, acks: z.array(z.object({ seq, receipt: receiptSchema, proof: proofSchema })).min(1).max(MAX_BRIDGE_BATCH) }),
  z.object({ kind: z.literal('bridge_timeout'), ...atHeader, packets: z.array(z.object({ seq, proof: proofSchema })).min(1).max(MAX_BRIDGE_BATCH) }),
  z.object({ kind: z.literal('bridge_update'), header: proofHeaderSchema }),
  z.object({ kind: z.literal('client_recover'), header: proofHeaderSchema, approvals: z.array(z.tuple([z.number().int().nonnegative(), bytes(64)])).max(100) }),
  /** A relay's stake on the currency chain; the bridge carries the total to the chat chain's relay registry. */
  z.object({ kind: z.literal('relay_stake'), amount }),
  z.object({ kind: z.literal('relay_unstake'), amount }),
  // the marketplace (market-rules.ts): listings on the chat chain, orders and escrow on the currency chain
  z.object({ kind: z.literal('listing'), fields: listingFieldsSchema, record: bytes().refine((b) => b.length <= 2048, 'at most 2048 bytes') }),
  z.object({ kind: z.literal('listing_update'), id: hash32, fields: listingFieldsSchema }),
  z.object({ kind: z.literal('listing_close'), id: hash32 }),
  z.object({
    kind: z.literal('moderator'),
    fee_fixed: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
    fee_bp: z.number().int().min(0).max(5_000),
    description: z.string().max(500),
    /** The moderator's signed identity record: how the parties of a dispute reach it over E2E chat. */
    record: bytes().refine((b) => b.length <= 2048, 'at most 2048 bytes').optional(),
  }),
  z.object({ kind: z.literal('order_fund'), ...atHeader, listing: listingSchema, proof: proofSchema, moderator: bytes(32), escrow_timeout_secs: z.number().int().positive(), rating_key: hash32.optional() }),
  z.object({ kind: z.literal('order_deliver'), order: hash32, content: hash32 }),
  z.object({ kind: z.literal('order_confirm'), order: hash32 }),
  z.object({ kind: z.literal('order_cancel'), order: hash32 }),
  z.object({ kind: z.literal('order_dispute'), order: hash32, claim: z.string().min(1).max(2_000) }),
  z.object({ kind: z.literal('order_decide'), order: hash32, buyer: z.number().int().nonnegative(), seller: z.number().int().nonnegative() }),
  z.object({ kind: z.literal('order_accept'), order: hash32 }),
  z.object({ kind: z.literal('order_settle'), order: hash32, buyer: z.number().int().nonnegative(), seller: z.number().int().nonnegative(), sigs: z.array(z.tuple([z.enum(['buyer', 'seller', 'moderator']), bytes(64)])).min(1).max(3) }),
  z.object({ kind: z.literal('order_timeout'), order: hash32 }),
  z.object({ kind: z.literal('order_rate'), order: hash32, scores: scoresSchema, text: z.string().max(1_000), anonymous: z.object({ key: bytes(32), sig: bytes(64) }).optional() }),
  // both: the validator set changes only by a transaction the current quorum signed
  z.object({ kind: z.literal('validators'), set: z.array(z.object({ name: z.string().min(1).max(64), key: bytes(32) })).min(1).max(100), quorum: z.number().int().positive(), faults: z.number().int().nonnegative(), approvals: z.array(z.tuple([z.number().int().nonnegative(), bytes(64)])).max(100) }),
]);
export type TxBody = z.output<typeof txBodySchema>;
export type TxKind = TxBody['kind'];

export const txSchema = z.object({
  chain: z.string().min(1).max(64),
  from: bytes(32),
  nonce: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
  fee: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
  body: txBodySchema,
  sig: bytes(64),
});
export type SignedTx = z.output<typeof txSchema>;
export type UnsignedTx = Omit<SignedTx, 'sig'>;

export const txStatement = defineStatement<UnsignedTx>('dchat/chain/tx/v1', (tx) => encodeCbor({ chain: tx.chain, from: tx.from, nonce: tx.nonce, fee: tx.fee, body: tx.body }));

/** The new key's consent to a rotation (it signs the username and the old key). */
export const rotateConsentStatement = defineStatement<{ chain: string; username: string; old_key: Uint8Array }>('dchat/chain/rotate/v1', (f) => encodeCbor(f));

/** The current validators' approval of a new set (each signs the set, the quorum and the height it is meant for). */
export const validatorSetStatement = defineStatement<{ chain: string; set: Array<{ name: string; key: Uint8Array }>; quorum: number; faults: number; nonce: number }>(
  'dchat/chain/validator-set/v1',
  (f) => encodeCbor(f),
);

export class TxFormatError extends Error {
  override readonly name = 'TxFormatError';
}

export interface DecodedTx {
  readonly tx: SignedTx;
  readonly bytes: Uint8Array;
  /** sha256 of the signed bytes, hex: the transaction's id. */
  readonly id: string;
}

export const txId = (encoded: Uint8Array): string => createHash('sha256').update(encoded).digest('hex');

export function signTx(secretKey: Uint8Array, tx: UnsignedTx): DecodedTx {
  const signed: SignedTx = { ...tx, sig: txStatement.sign(secretKey, tx) };
  const encoded = encodeCbor(signed);
  return { tx: signed, bytes: encoded, id: txId(encoded) };
}

/** A chain's size limits: most transactions up to max_tx_bytes, relaying ones (proofs) up to max_relay_tx_bytes. */
export interface TxSizeLimits {
  readonly max_tx_bytes: number;
  readonly max_relay_tx_bytes: number;
}

/** Shape only; the signature is checked by verifyTx (cached by id in the mempool). */
export function decodeTx(encoded: Uint8Array, limits: TxSizeLimits): DecodedTx {
  const maxBytes = Math.max(limits.max_tx_bytes, limits.max_relay_tx_bytes);
  if (encoded.length > maxBytes) throw new TxFormatError(`the transaction is ${encoded.length} bytes, more than ${maxBytes}`);
  let raw: unknown;
  try {
    raw = decodeCbor(encoded);
  } catch (err) {
    throw new TxFormatError((err as Error).message);
  }
  const parsed = txSchema.safeParse(raw);
  if (!parsed.success) throw new TxFormatError(`not a transaction: ${parsed.error.issues[0]?.path.join('.')} ${parsed.error.issues[0]?.message}`);
  // Re-encoding must give the same bytes: one transaction has one encoding, so one id.
  const canonical = encodeCbor(parsed.data);
  if (Buffer.compare(canonical, encoded) !== 0) throw new TxFormatError('the transaction is not canonically encoded');
  if (encoded.length > limits.max_tx_bytes && !RELAYING_KINDS.has(parsed.data.body.kind)) throw new TxFormatError(`the transaction is ${encoded.length} bytes, more than ${limits.max_tx_bytes}`);
  return { tx: parsed.data, bytes: encoded, id: txId(encoded) };
}

/**
 * Transactions that pay no fee: a devnet's faucet, and an anonymous rating sent from the one-time
 * rating key's own (empty) account — paying a fee from any funded account would name the buyer.
 * Each order takes one rating and only from the key its buyer committed, so this opens no flood
 * beyond what unfunded senders can already send (refused at the block, never paid for).
 */
export const feeExempt = (tx: Pick<SignedTx, 'from' | 'body'>): boolean =>
  tx.body.kind === 'faucet' || (tx.body.kind === 'order_rate' && tx.body.anonymous !== undefined && Buffer.compare(tx.body.anonymous.key, tx.from) === 0);

export const verifyTx = (tx: SignedTx): boolean => txStatement.verify(tx.from, tx, tx.sig);
export const verifyTxAsync = (tx: SignedTx): Promise<boolean> => txStatement.verifyAsync(tx.from, tx, tx.sig);

export const addressOf = (key: Uint8Array): string => bytesToHex(key);
