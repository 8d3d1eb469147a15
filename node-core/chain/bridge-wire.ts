import { z } from 'zod';
import { bytesToHex } from '../crypto/hex.ts';
import { defineStatement } from '../crypto/statements.ts';
import { encodeCbor } from '../p2p/codec.ts';
import { bytes } from '../wire/protocols.ts';
import { certificateSchema, headerSchema } from './blocks.ts';

/**
 * The bridge's wire shapes, after IBC's: a packet one chain commits for the other, the
 * acknowledgement (receipt) the other writes when it executes it, and the certified header a
 * light client is updated with. What a chain commits to in its state (packets, receipts) is the
 * CBOR of the canonical shapes here, so a proof over one chain's state root verifies on the other.
 *
 * State keys, on chain X about its counterparty Y:
 *   lc/Y           the light client of Y (trusted header, next validator set, frozen)
 *   lcs/Y/<h>      Y's state root and time at height h, as the client verified it
 *   ps/Y           the next packet sequence number towards Y
 *   p/Y/<seq>      a packet sent to Y (the commitment Y proves against)
 *   po/Y/<seq>     its outcome here: executed (acknowledged) or rolled back (timed out)
 *   rc/Y/<seq>     the receipt of packet <seq> from Y: executed here once, with its acknowledgement
 *   x/Y            funds held in escrow for transfers to Y
 */

const amount = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);
const chainId = z.string().min(1).max(64);
export const setSchema = z.object({ set: z.array(z.object({ name: z.string().min(1).max(64), key: bytes(32) })).min(1).max(100), quorum: z.number().int().positive(), faults: z.number().int().nonnegative() });
export type BridgeValidatorSet = z.output<typeof setSchema>;

/** A header with its certificate: what a light client is shown. `set` is the set that certified it, when it is not the one the client trusts next. */
export const proofHeaderSchema = z.object({ header: headerSchema, cert: certificateSchema, set: setSchema.optional(), next_set: setSchema.optional() });
export type ProofHeader = z.output<typeof proofHeaderSchema>;

export const BRIDGE_APPS = ['transfer', 'stake', 'reward', 'membership'] as const;
export const payloadSchema = z.discriminatedUnion('app', [
  /** Funds moved to `to` on the other chain (escrowed here, released or minted there). */
  z.object({ app: z.literal('transfer'), to: bytes(32), amount }),
  /** A relay's stake on the currency chain, as the chat chain's relay registry shows it (the new total). */
  z.object({ app: z.literal('stake'), relay: bytes(32), staked: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER) }),
  /** A recipient's proof of delivery from the chat chain: the currency chain pays the relay. */
  z.object({ app: z.literal('reward'), relay: bytes(32), recipient: bytes(32), root: bytes(32), count: z.number().int().positive().max(1 << 20) }),
  /** A channel membership paid on the currency chain, granted on the chat chain until `until` (ms). */
  z.object({ app: z.literal('membership'), channel: z.string().min(1).max(64), member: bytes(32), until: z.number().int().positive(), price: amount, pay_to: bytes(32) }),
]);
export type PacketPayload = z.output<typeof payloadSchema>;
export type BridgeApp = PacketPayload['app'];

export const packetSchema = z.object({
  seq: z.number().int().positive(),
  from: chainId,
  to: chainId,
  sender: bytes(32),
  /** Destination time (ms): past it, the packet is no longer executed and the source rolls it back. */
  timeout: z.number().int().positive(),
  /** The source height that committed it. */
  height: z.number().int().positive(),
  /** Held in escrow on the source until the outcome (returned on a refusal or a rollback). */
  held: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
  payload: payloadSchema,
});
export type Packet = z.output<typeof packetSchema>;

/** What a person may send: funds, or a membership paid for (the other apps' packets are the chains' own). */
export const sendPayloadSchema = z.discriminatedUnion('app', [payloadSchema.options[0], payloadSchema.options[3]]);

/** A certified recovery of a light client, approved by a quorum of this chain's validators. */
export const clientRecoveryStatement = defineStatement<{ chain: string; client: string; height: number; hash: Uint8Array }>('dchat/chain/client-recover/v1', (f) => encodeCbor(f));

export const receiptSchema = z.object({ ok: z.boolean(), error: z.string().max(200).optional(), height: z.number().int().positive() });
export type Receipt = z.output<typeof receiptSchema>;

export interface PacketOutcome {
  readonly state: 'executed' | 'rolled-back';
  readonly ok: boolean;
  readonly error?: string;
  readonly height: number;
}

export const proofSchema = z.object({
  siblings: z.array(bytes(32)).max(256),
  terminal: z.discriminatedUnion('kind', [z.object({ kind: z.literal('empty') }), z.object({ kind: z.literal('leaf'), path: bytes(32), valueHash: bytes(32) })]),
});

export const bridgeKeys = {
  client: (other: string) => `lc/${other}`,
  consensus: (other: string, height: number) => `lcs/${other}/${height}`,
  sequence: (other: string) => `ps/${other}`,
  packet: (other: string, seq: number) => `p/${other}/${seq}`,
  outcome: (other: string, seq: number) => `po/${other}/${seq}`,
  receipt: (other: string, seq: number) => `rc/${other}/${seq}`,
  escrow: (other: string) => `x/${other}`,
  /** On the currency chain: a relay's stake; on the chat chain: the stake the bridge last reported. */
  relayStake: (relay: Uint8Array) => `s/${bytesToHex(relay)}`,
  membership: (channel: string, member: Uint8Array) => `m/${channel}/${bytesToHex(member)}`,
  rewardPool: 'x/rewards',
};

/** The value a chain's state holds for a packet or a receipt: the CBOR of the parsed shape (cborg sorts keys, so both sides encode alike). */
export const packetValue = (packet: Packet): Uint8Array => encodeCbor(packet);
export const receiptValue = (receipt: Receipt): Uint8Array => encodeCbor(receipt);
