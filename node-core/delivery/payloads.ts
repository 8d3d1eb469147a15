import { z } from 'zod';
import { DISAPPEARING_MAX_SECONDS, EMOJI_MAX_LENGTH } from '../domain/inputs.ts';
import type { Chat, MarketRef, Message } from '../domain/model.ts';
import { bytesToHex, hexToBytes } from '../crypto/hex.ts';
import { encodeCbor } from '../p2p/codec.ts';
import { isOneEmoji } from '../util/unicode.ts';
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

const at = z.number().int().nonnegative();

/** A marketplace reference (domain/model.ts MarketRef): a listing shared, an order placed, its delivery. */
export const marketRef = z
  .object({ t: z.enum(['listing', 'order', 'delivery', 'dispute']), l: bytes(32), o: bytes(32).optional() })
  .refine((m) => (m.t === 'listing') === (m.o === undefined), 'an order, a delivery or a dispute names its order; a shared listing does not');
export type MarketRefPayload = z.output<typeof marketRef>;
/** A disappearing message's timer in seconds (the chat's, when it was sent). */
const expiry = z.number().int().positive().max(DISAPPEARING_MAX_SECONDS);

/**
 * Changes to a chat's messages and settings, the same in 1:1 chats and groups. Who may make each
 * is checked on arrival against the authenticated sender (messaging/chat-updates.ts).
 */
const chatUpdates = [
  /** A reaction to a message; '' takes the sender's reaction back. */
  z.object({ k: z.literal('react'), id: uuid, e: z.string().refine((e) => e === '' || isOneEmoji(e, EMOJI_MAX_LENGTH)), at }),
  /** The sender's new text for a message of theirs. */
  z.object({ k: z.literal('edit'), id: uuid, text: z.string().min(1).max(65536), at }),
  /** The sender deletes a message of theirs for everyone. */
  z.object({ k: z.literal('del'), id: uuid, at }),
  /** The chat's disappearing-messages timer, in seconds (0 = off). */
  z.object({ k: z.literal('timer'), s: z.number().int().nonnegative().max(DISAPPEARING_MAX_SECONDS), at }),
  /** Typing started or stopped (never stored, never relayed). */
  z.object({ k: z.literal('typing'), on: z.boolean() }),
] as const;
export const chatUpdate = z.discriminatedUnion('k', [...chatUpdates]);
export type ChatUpdate = z.output<typeof chatUpdate>;

/** Telegram's callback_data: 1 to 64 bytes. */
const callbackData = z.string().min(1).refine((d) => new TextEncoder().encode(d).length <= 64, 'callback data is over 64 bytes');
/** One inline button: text, and either the data a press sends back or an https link. */
const inlineButton = z
  .object({ t: z.string().min(1).max(64), d: callbackData.optional(), u: z.string().max(512).regex(/^https:\/\/[^\s]+$/).optional() })
  .refine((b) => (b.d === undefined) !== (b.u === undefined), 'a button has callback data or a link, not both');
export const inlineKeyboard = z
  .array(z.array(inlineButton).min(1).max(8))
  .max(12)
  .refine((rows) => rows.flat().length <= 100, 'at most 100 buttons');
export type InlineKeyboardRows = z.output<typeof inlineKeyboard>;

/** Inline keyboards and their presses, 1:1 only (bots): kept apart from messages so either may arrive first. */
const keyboardPayloads = [
  /** The sender's keyboard for a message of theirs; no rows takes it away. */
  z.object({ k: z.literal('kb'), id: uuid, rows: inlineKeyboard, at }),
  /** A press of a button with data, under a query id the answer names. */
  z.object({ k: z.literal('cbq'), id: uuid, q: uuid, d: callbackData }),
  /** The answer to a press: a notice to show, as a toast or (alert) a dialog. */
  z.object({ k: z.literal('cba'), q: uuid, text: z.string().max(200).optional(), alert: z.boolean().optional() }),
  /** A bot's command list (setMyCommands) for its chat's "/" menu; sending it at all says "I am a bot". */
  z.object({ k: z.literal('cmds'), list: z.array(z.object({ c: z.string().regex(/^[a-z0-9_]{1,32}$/), d: z.string().min(1).max(256) })).max(100) }),
] as const;

export const directPayload = z.discriminatedUnion('k', [
  z.object({
    k: z.literal('msg'),
    id: uuid,
    text: z.string().max(65536),
    at,
    /** The message this one answers. */
    re: uuid.optional(),
    exp: expiry.optional(),
    /** For group chats delivered pairwise (never used for 1:1): which group. */
    g: z.string().regex(/^[0-9a-f]{32}$/).optional(),
    att: z.array(attachmentManifest).max(16).optional(),
    mkt: marketRef.optional(),
    /** The sender's signed identity record, so a first message can be answered. */
    rec: bytes().optional(),
  }),
  z.object({ k: z.literal('rcpt'), t: z.enum(['delivered', 'read']), ids: z.array(uuid).min(1).max(1000) }),
  z.object({ k: z.literal('gstate'), state: bytes() }),
  /** A member tells the group's admin that they left. */
  z.object({ k: z.literal('gleave'), g: z.string().regex(/^[0-9a-f]{32}$/) }),
  z.object({
    k: z.literal('skey'),
    g: z.string().regex(/^[0-9a-f]{32}$/),
    key: z.tuple([z.number().int().nonnegative(), z.number().int().nonnegative(), bytes(32), bytes(32)]),
  }),
  ...chatUpdates,
  ...keyboardPayloads,
]);
export type DirectPayload = z.output<typeof directPayload>;

export const encodePayload = (payload: DirectPayload): Uint8Array => encodeCbor(payload);

export const decodePayload = (bytesIn: Uint8Array): DirectPayload | null => parseRequest(bytesIn, directPayload);

/** Group messages: encrypted with the sender's sender key; this is their plaintext. */
export const groupPayload = z.object({
  id: uuid,
  text: z.string().max(65536),
  at,
  att: z.array(attachmentManifest).max(16).optional(),
  re: uuid.optional(),
  exp: expiry.optional(),
  mkt: marketRef.optional(),
});
export type GroupPayload = z.output<typeof groupPayload>;

/**
 * A message as both 1:1 and group payloads carry it: text, time, files, the message it answers
 * and, in a chat with a timer, that timer.
 */
export function messageContent(message: Message, chat: Chat, manifests: readonly AttachmentManifest[]): GroupPayload {
  return {
    id: message.id,
    text: message.text,
    at: message.sent_at,
    ...(manifests.length ? { att: [...manifests] } : {}),
    ...(message.reply_to ? { re: message.reply_to } : {}),
    ...(message.expires_at !== null ? { exp: chat.disappearing_seconds } : {}),
    ...(message.market ? { mkt: marketRefToWire(message.market) } : {}),
  };
}

export const marketRefToWire = (ref: MarketRef): MarketRefPayload => ({
  t: ref.kind,
  l: hexToBytes(ref.listing_id),
  ...(ref.order_id ? { o: hexToBytes(ref.order_id) } : {}),
});

export const marketRefFromWire = (ref: MarketRefPayload): MarketRef => ({ kind: ref.t, listing_id: bytesToHex(ref.l), order_id: ref.o ? bytesToHex(ref.o) : null });

/** What a group envelope carries: a message (no `k`, as before updates existed) or an update. */
export type GroupContent = { readonly kind: 'message'; readonly message: GroupPayload } | { readonly kind: 'update'; readonly update: ChatUpdate };

export function parseGroupContent(value: unknown): GroupContent | null {
  if (typeof value === 'object' && value !== null && 'k' in value) {
    const update = chatUpdate.safeParse(value);
    return update.success ? { kind: 'update', update: update.data } : null;
  }
  const message = groupPayload.safeParse(value);
  return message.success ? { kind: 'message', message: message.data } : null;
}
