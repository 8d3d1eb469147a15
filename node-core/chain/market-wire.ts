import { z } from 'zod';
import { bytesToHex } from '../crypto/hex.ts';
import { defineStatement } from '../crypto/statements.ts';
import { encodeCbor } from '../p2p/codec.ts';
import { bytes } from '../wire/protocols.ts';

/**
 * The marketplace's shapes on the chains. Listings live on the chat chain (signed by the seller:
 * the transaction's signature); orders and their escrow on the currency chain, which checks the
 * listing it is asked to pay for with a Merkle proof against the chat chain's state root its
 * light client verified — a forged listing, or one changed since, does not prove.
 *
 * State keys: chat chain `ml/<listing id>`; currency chain `mo/<order id>` orders,
 * `mm/<moderator>` moderators' terms, `mr/<order id>` ratings, `ms/<seller>` creator statistics.
 */

const amount = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);
const text = (max: number) => z.string().max(max);

export const LISTING_TYPES = ['sticker_pack', 'emoji_pack', 'theme', 'file', 'image', 'membership', 'bot_access'] as const;
export type ListingType = (typeof LISTING_TYPES)[number];

/** What a seller writes (create or edit). */
export const listingFieldsSchema = z.object({
  type: z.enum(LISTING_TYPES),
  title: z.string().min(1).max(80),
  description: text(2_000),
  price: amount,
  period: z.enum(['once', 'month']),
  /** sha256 of the preview image and of the content the buyer receives. */
  preview: bytes(32),
  content: bytes(32),
  license: text(200),
  /** For a channel membership: the channel on the chat chain and the days one payment buys. */
  channel: z.object({ name: z.string().min(1).max(64), days: z.number().int().positive().max(3660) }).optional(),
  /** Moderators the seller accepts for disputes (empty: any registered moderator). */
  moderators: z.array(bytes(32)).max(8),
});
export type ListingFields = z.output<typeof listingFieldsSchema>;

/** A listing as the chat chain holds it. */
export const listingSchema = listingFieldsSchema.extend({
  id: bytes(32),
  seller: bytes(32),
  /** The seller's signed identity record: how a buyer reaches the seller's node over E2E chat. */
  record: bytes().refine((b) => b.length <= 2048, 'at most 2048 bytes'),
  created: z.number().int().positive(),
  updated: z.number().int().positive(),
  active: z.boolean(),
});
export type Listing = z.output<typeof listingSchema>;

export const ORDER_STATES = ['PAID', 'DELIVERED', 'COMPLETED', 'CANCELED', 'REFUNDED', 'DISPUTED', 'DECIDED', 'RESOLVED', 'PAYMENT_FINALIZED'] as const;
export type OrderState = (typeof ORDER_STATES)[number];

export interface Order {
  readonly id: Uint8Array;
  readonly listing: Uint8Array;
  readonly listing_type: ListingType;
  readonly title: string;
  readonly buyer: Uint8Array;
  readonly seller: Uint8Array;
  readonly moderator: Uint8Array;
  readonly amount: number;
  /** The moderator's fee as agreed at purchase (paid only if a dispute is decided). */
  readonly moderator_fee: number;
  readonly state: OrderState;
  readonly funded: { readonly height: number; readonly time: number };
  /** After this (ms, currency chain time) order_timeout settles it by the written rule. */
  readonly timeout_at: number;
  readonly delivered: { readonly time: number; readonly content: Uint8Array } | null;
  readonly dispute: { readonly by: Uint8Array; readonly claim: string; readonly time: number } | null;
  readonly decision: { readonly buyer: number; readonly seller: number; readonly time: number } | null;
  /** What each side received in the end. */
  readonly paid: { readonly buyer: number; readonly seller: number; readonly moderator: number; readonly fee: number } | null;
  readonly updated: number;
  /** The buyer's one-time rating key hash (an anonymous rating is signed by that key). */
  readonly rating_key: Uint8Array | null;
  /** A channel membership listing: what the bridge grants once the seller is paid. */
  readonly membership: { readonly name: string; readonly days: number } | null;
}

export interface ModeratorTerms {
  readonly fee_fixed: number;
  /** Basis points of the order amount. */
  readonly fee_bp: number;
  readonly description: string;
  /** Its signed identity record, so a dispute's parties can bring it into a chat with them. */
  readonly record?: Uint8Array;
}

export interface CreatorStats {
  readonly sales: number;
  readonly revenue: number;
  readonly ratings: number;
  /** Sum of the overall scores (1–5), so the mean is rating_sum / ratings. */
  readonly rating_sum: number;
}

/** A buyer's rating of an order (`mr/<order>`); `buyer` is null for an anonymous one, signed by the one-time key the buyer committed at purchase. */
export interface Rating {
  readonly order: Uint8Array;
  readonly listing: Uint8Array;
  readonly seller: Uint8Array;
  readonly buyer: Uint8Array | null;
  readonly scores: { readonly overall: number; readonly quality: number; readonly description: number; readonly delivery: number };
  readonly text: string;
  readonly time: number;
}

export const scoresSchema = z.object({
  overall: z.number().int().min(1).max(5),
  quality: z.number().int().min(1).max(5),
  description: z.number().int().min(1).max(5),
  delivery: z.number().int().min(1).max(5),
});

export const marketKeys = {
  listing: (id: Uint8Array) => `ml/${bytesToHex(id)}`,
  order: (id: Uint8Array) => `mo/${bytesToHex(id)}`,
  moderator: (key: Uint8Array) => `mm/${bytesToHex(key)}`,
  rating: (order: Uint8Array) => `mr/${bytesToHex(order)}`,
  stats: (seller: Uint8Array) => `ms/${bytesToHex(seller)}`,
};

export const listingValue = (listing: Listing): Uint8Array => encodeCbor(listing);

/** A 2-of-3 settlement: buyer, seller and moderator each sign the split. */
export const settlementStatement = defineStatement<{ chain: string; order: Uint8Array; buyer: number; seller: number }>('dchat/market/settle/v1', (f) => encodeCbor(f));
/** An anonymous rating, signed by the one-time key whose hash the buyer committed at purchase. */
export const anonymousRatingStatement = defineStatement<{ chain: string; order: Uint8Array; scores: z.output<typeof scoresSchema>; text: string }>('dchat/market/rating/v1', (f) => encodeCbor(f));
