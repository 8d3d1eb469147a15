import { z } from 'zod';
import {
  type CreateBotInput,
  AVATAR_MAX_BYTES,
  DISAPPEARING_MAX_SECONDS,
  DISAPPEARING_MIN_SECONDS,
  EMOJI_MAX_LENGTH,
  MESSAGE_TEXT_MAX,
  type DeleteMessageInput,
  type ReactInput,
  type TypingInput,
  type UpdateChatInput,
  type CreateChatInput, type CreateIdentityInput, type EditMessageInput, type ListChatsInput, type ListMessagesInput, type SearchMessagesInput, type SendMessageInput, type UpdateProfileInput } from '../domain/inputs.ts';
import { relayAddressProblem } from '../util/relay-address.ts';
import { isOneEmoji } from '../util/unicode.ts';

/**
 * Input schemas of every NodeApi method. Both transports parse with these before anything else
 * runs; read methods ignore unknown fields (query strings carry extras), write methods reject them
 * (a misspelt field in a write is a bug the caller wants to hear about).
 */

/** Integers arrive as numbers over IPC and JSON, and as digit strings in query strings. */
const intParam = (min: number, max: number) =>
  z.preprocess(
    (v) => (typeof v === 'string' && /^-?\d{1,16}$/.test(v) ? Number(v) : v),
    z.number().int().min(min).max(max),
  );

const hexKey = z
  .string()
  .regex(/^[0-9a-fA-F]{64}$/, 'expected a 64-character hex public key')
  .transform((s) => s.toLowerCase());


/** A relay's multiaddr: TCP or WebSocket, ending in a valid /p2p/<peer id>. */
export const relayAddress = z
  .string()
  .min(1)
  .max(512)
  .superRefine((value, ctx) => {
    const problem = relayAddressProblem(value);
    if (problem) ctx.addIssue({ code: 'custom', message: `${problem}: ${value.slice(0, 80)}` });
  });

export const username = z
  .string()
  .regex(/^[a-z0-9_]{3,32}$/, 'expected 3 to 32 lowercase letters, digits or underscores');

const displayName = z.string().trim().min(1).max(64);
const bio = z.string().max(280);
/** Checked for size and image type by the identity service. */
const avatar = z
  .string()
  .max(Math.ceil((AVATAR_MAX_BYTES * 4) / 3) + 64)
  .regex(/^data:image\/(png|jpeg|webp|gif);base64,[A-Za-z0-9+/]+=*$/, 'expected a data:image/(png|jpeg|webp|gif);base64 URL')
  .nullable();
const passphrase = z.string().min(8, 'a passphrase needs at least 8 characters').max(1024);

export const chatId = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'expected 1 to 64 letters, digits, ".", "_" or "-", starting with a letter or digit');

const messageId = z
  .string()
  .regex(/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/, 'expected a UUID')
  .transform((s) => s.toLowerCase());

const messageText = z
  .string()
  .max(MESSAGE_TEXT_MAX)
  .refine((s) => s.trim().length > 0, 'a message needs some text')
  // eslint-disable-next-line no-control-regex -- the point is to refuse control characters
  .refine((s) => !/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(s), 'control characters are not allowed in text');

const seqCursor = intParam(0, Number.MAX_SAFE_INTEGER);

export const empty = z.object({});

/**
 * A run-time accessibility check that failed in the UI (the shortcut registry's conflict check):
 * counted in accessibility_validation_failures_total. Bounded, so a client cannot inflate it.
 */
export const accessibilityFailures = z.strictObject({
  check: z.enum(['shortcut_conflict']),
  failures: z.number().int().min(1).max(100),
});

export const identityRef = z.object({ id: hexKey });

export const createIdentity = z.strictObject({
  username,
  display_name: displayName.optional(),
  bio: bio.default(''),
  avatar: avatar.default(null),
  /** Without one, the secret key is sealed under the node secret in the data directory. */
  passphrase: passphrase.optional(),
  make_default: z.boolean().default(false),
}) satisfies z.ZodType<CreateIdentityInput, unknown>;

export const updateProfile = z.strictObject({
  id: hexKey,
  display_name: displayName.optional(),
  bio: bio.optional(),
  avatar: avatar.optional(),
  passphrase: z.string().max(1024).optional(),
}) satisfies z.ZodType<UpdateProfileInput, unknown>;

/** Booleans arrive as JSON booleans, or as "true"/"false" in query strings. */
const boolParam = z.preprocess((v) => (v === 'true' ? true : v === 'false' ? false : v), z.boolean());

export const listChats = z.object({
  limit: intParam(1, 1000).default(100),
  cursor: z.string().max(200).optional(),
  archived: boolParam.optional(),
}) satisfies z.ZodType<ListChatsInput, unknown>;

export const chatRef = z.object({ chat_id: chatId });

export const createChat = z.strictObject({
  /** A readable handle such as `test`; generated when omitted. */
  chat_id: chatId.optional(),
  kind: z.enum(['self', 'channel']).default('channel'),
  title: z.string().trim().min(1).max(100).optional(),
  /** Which local identity speaks in the chat; the default identity when omitted. */
  identity_id: hexKey.optional(),
}) satisfies z.ZodType<CreateChatInput, unknown>;

export const sendMessage = z
  .strictObject({
    chat_id: chatId,
    /** May be empty when the message carries attachments. */
    text: z.string().max(MESSAGE_TEXT_MAX).default(''),
    /** Ids of uploaded attachments (POST /api/attachments) to send with the message. */
    attachments: z.array(messageId).max(16).default([]),
    /** A client-chosen id makes retries safe: sending the same id twice stores one message. */
    id: messageId.optional(),
    /** The message this one answers. */
    reply_to: messageId.optional(),
    /** Shares a marketplace listing in the chat (the recipient can buy it from there). */
    market: z
      .strictObject({ kind: z.literal('listing'), listing_id: z.string().regex(/^[0-9a-f]{64}$/, 'expected a listing id: 64 lowercase hex digits') })
      .transform((m) => ({ ...m, order_id: null }))
      .optional(),
  })
  .refine((v) => v.text.trim().length > 0 || v.attachments.length > 0 || v.market !== undefined, { message: 'a message needs some text, an attachment or a shared listing', path: ['text'] })
  // eslint-disable-next-line no-control-regex -- the point is to refuse control characters
  .refine((v) => !/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(v.text), { message: 'control characters are not allowed in text', path: ['text'] }) satisfies z.ZodType<SendMessageInput, unknown>;

export const listMessages = z
  .object({
    chat_id: chatId,
    limit: intParam(1, 500).default(50),
    before: seqCursor.optional(),
    after: seqCursor.optional(),
    around: messageId.optional(),
  })
  .refine((v) => [v.before, v.after, v.around].filter((c) => c !== undefined).length <= 1, {
    message: 'give either before or after (or around), not several',
    path: ['after'],
  }) satisfies z.ZodType<ListMessagesInput, unknown>;

export const messageRef = z.object({ id: messageId });

export const searchMessages = z.object({
  q: z.string().trim().min(1).max(256),
  /** Match the last word as a prefix (search as you type); whole words otherwise. */
  prefix: boolParam.default(false),
  chat_id: chatId.optional(),
  limit: intParam(1, 100).default(20),
  before: seqCursor.optional(),
}) satisfies z.ZodType<SearchMessagesInput, unknown>;

export const editMessage = z.strictObject({ id: messageId, text: messageText }) satisfies z.ZodType<EditMessageInput, unknown>;

export const deleteMessage = z.object({ id: messageId, for: z.enum(['everyone', 'me']).default('everyone') }) satisfies z.ZodType<DeleteMessageInput, unknown>;

/** One emoji (util/unicode.ts says what counts). */
const emoji = z.string().refine((s) => isOneEmoji(s, EMOJI_MAX_LENGTH), 'expected one emoji');

export const react = z.strictObject({ id: messageId, emoji }) satisfies z.ZodType<ReactInput, unknown>;

/** A press of a button of a message (a bot's inline keyboard): the button's callback data, 1 to 64 bytes. */
export const pressButton = z.strictObject({
  id: messageId,
  data: z.string().min(1).refine((d) => new TextEncoder().encode(d).length <= 64, 'expected the callback data of one of the message\'s buttons (at most 64 bytes)'),
});

export const disappearingSeconds = z
  .number()
  .int()
  .refine((s) => s === 0 || (s >= DISAPPEARING_MIN_SECONDS && s <= DISAPPEARING_MAX_SECONDS), `expected 0 (off) or ${DISAPPEARING_MIN_SECONDS} to ${DISAPPEARING_MAX_SECONDS} seconds`);

export const updateChat = z
  .strictObject({
    chat_id: chatId,
    disappearing_seconds: disappearingSeconds.optional(),
    muted_until: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER).nullable().optional(),
    archived: z.boolean().optional(),
    pinned: z.boolean().optional(),
    draft: z.string().max(MESSAGE_TEXT_MAX).optional(),
  })
  .refine((v) => Object.keys(v).length > 1, { message: 'nothing to change: give at least one of disappearing_seconds, muted_until, archived, pinned, draft', path: ['chat_id'] }) satisfies z.ZodType<
  UpdateChatInput,
  unknown
>;

export const setTyping = z.strictObject({ chat_id: chatId, typing: z.boolean() }) satisfies z.ZodType<TypingInput, unknown>;

export const updateSettings = z
  .strictObject({ read_receipts: z.boolean().optional(), typing_indicators: z.boolean().optional() })
  .refine((v) => Object.keys(v).length > 0, { message: 'nothing to change: give read_receipts or typing_indicators', path: [] });

export const unlockIdentity = z.strictObject({ id: hexKey, passphrase: z.string().min(1).max(1024) });

export const inviteRequest = z.object({ identity_id: hexKey.optional() });

export const addContact = z.strictObject({
  /** The invite string, or a dchat://invite/ link. */
  invite: z.string().min(16).max(8192),
  identity_id: hexKey.optional(),
});

export const contactRef = z.object({ identity_key: hexKey, identity_id: hexKey.optional() });

export const verifyContact = z.strictObject({ identity_key: hexKey, verified: z.boolean().default(true), identity_id: hexKey.optional() });

const groupId = z.string().regex(/^[0-9a-f]{32}$/, 'expected a 32-character hex group id');

export const createGroup = z.strictObject({
  title: z.string().trim().min(1).max(100),
  /** Identity keys of contacts to add. */
  members: z.array(hexKey).min(1).max(255),
  identity_id: hexKey.optional(),
});

export const groupRef = z.object({ group_id: groupId });
export const addGroupMembers = z.strictObject({ group_id: groupId, members: z.array(hexKey).min(1).max(255) });
export const removeGroupMember = z.object({ group_id: groupId, identity_key: hexKey });
export const renameGroup = z.strictObject({ group_id: groupId, title: z.string().trim().min(1).max(100) });

export const setRelayEnabled = z.strictObject({ enabled: z.boolean() });
export const setRelays = z.strictObject({
  /** Multiaddrs of the relays to use, each ending in /p2p/<peer id>; empty for none. */
  relays: z.array(relayAddress).max(8),
});

export const attachmentRef = z.object({ id: messageId });
export const uploadAttachment = z.strictObject({
  name: z.string().min(1).max(255),
  type: z.string().min(3).max(127).default('application/octet-stream'),
  /** The bytes, or base64 of them (for JSON transports). */
  data: z.union([
    z.custom<Uint8Array>((v) => v instanceof Uint8Array, 'expected bytes'),
    z
      .string()
      .regex(/^[A-Za-z0-9+/]*={0,2}$/, 'expected base64')
      .transform((s) => new Uint8Array(Buffer.from(s, 'base64'))),
  ]),
});

/**
 * Bot usernames as Telegram's: 5 to 32 letters, digits or underscores, ending in "bot" in any
 * case. The bot's network identity uses the lowercase form (identity records carry lowercase
 * names), so "TestBot" and "testbot" are one name.
 */
export const botUsername = z
  .string()
  .regex(/^[A-Za-z0-9_]{5,32}$/, 'expected 5 to 32 letters, digits or underscores')
  .refine((name) => name.toLowerCase().endsWith('bot'), 'a bot\'s username must end in "bot"');

export const createBot = z.strictObject({ username: botUsername, name: displayName }) satisfies z.ZodType<CreateBotInput, unknown>;

/** A bot's id as a path parameter (a string there) or a number. */
export const botRef = z.object({ id: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER) });

// Ledgers: chains, wallet, directory.
const chainKind = z.enum(['chat', 'currency']);
const coins = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);
const usernameOnChain = z.string().regex(/^[a-z][a-z0-9_]{2,31}$/, 'expected 3–32 lowercase letters, digits or _, starting with a letter');
/** Wait for the block that makes it final (default), or answer as soon as the node accepted it. */
const waitFinal = z.boolean().default(true);
export const chainBlockRef = z.object({ chain: chainKind, height: z.coerce.number().int().positive() });
export const walletRef = z.object({ identity_id: hexKey.optional() });
export const walletHistory = z.object({ identity_id: hexKey.optional(), limit: z.coerce.number().int().positive().max(500).default(50) });
export const walletTransfer = z.strictObject({ identity_id: hexKey.optional(), to: hexKey, amount: coins, fee: z.number().int().nonnegative().optional(), memo: z.string().max(140).optional(), wait: waitFinal });
export const walletStake = z.strictObject({ identity_id: hexKey.optional(), amount: coins, fee: z.number().int().nonnegative().optional(), wait: waitFinal });
export const walletFaucet = z.strictObject({ identity_id: hexKey.optional(), wait: waitFinal });
export const directoryRef = z.object({ username: usernameOnChain });
/** This node announced as a relay in the chat chain's registry, signed by a local identity. */
export const announceRelay = z.strictObject({ identity_id: hexKey.optional(), wait: waitFinal });
export const registerUsername = z.strictObject({ id: hexKey, username: usernameOnChain, wait: waitFinal });
export const addContactByUsername = z.strictObject({ username: usernameOnChain, identity_id: hexKey.optional() });
/** Moves the identity's chat-chain username to another identity of this node (`to`, unlocked): the old key signs, the new one consents. */
export const rotateIdentity = z.strictObject({ id: hexKey, to: hexKey, wait: waitFinal });
/** Safety-number changes: of one chat, or of every chat of this node. */
export const keyChangesRef = z.object({ chat_id: z.string().min(1).max(128).optional() });
/** Funds moved to the other chain over the bridge (to this identity there unless `to` names another account). */
export const bridgeTransfer = z.strictObject({ identity_id: hexKey.optional(), to_chain: chainKind, to: hexKey.optional(), amount: coins, wait: waitFinal });
/** This identity's bridge operations (as sender or recipient), or every packet this node has seen (`all`). */
export const bridgePackets = z.object({ identity_id: hexKey.optional(), all: z.union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')]).optional(), limit: z.coerce.number().int().positive().max(1000).default(100) });
/** A relay's stake on the currency chain (the bridge reports it to the chat chain's relay registry). */
export const relayStake = z.strictObject({ identity_id: hexKey.optional(), amount: coins, wait: waitFinal });
// The marketplace.
const hash32Hex = z.string().regex(/^[0-9a-f]{64}$/, 'expected 32 bytes as 64 lowercase hex digits');
const listingFieldsInput = {
  type: z.enum(['sticker_pack', 'emoji_pack', 'theme', 'file', 'image', 'membership', 'bot_access']),
  title: z.string().trim().min(1).max(80),
  description: z.string().max(2_000).default(''),
  price: coins,
  period: z.enum(['once', 'month']).default('once'),
  preview: hash32Hex,
  content: hash32Hex,
  license: z.string().max(200).default(''),
  channel: z.strictObject({ name: usernameOnChain, days: z.number().int().positive().max(3660) }).optional(),
  moderators: z.array(hexKey).max(8).default([]),
};
/**
 * A new listing. With `content_attachment` (an upload, POST /api/attachments) this node keeps the
 * file and delivers it to each buyer over the E2E chat; `content` and `preview` are then its hashes
 * (a sticker pack's preview: its first sticker). Without it, `content` and `preview` are required
 * and delivering is the seller's business.
 */
export const createListing = z
  .strictObject({
    identity_id: hexKey.optional(),
    ...listingFieldsInput,
    content: hash32Hex.optional(),
    preview: hash32Hex.optional(),
    content_attachment: messageId.optional(),
    wait: waitFinal,
  })
  .refine((v) => v.content_attachment !== undefined || (v.content !== undefined && v.preview !== undefined), {
    message: 'give content_attachment (a file this node delivers) or both content and preview hashes',
    path: ['content'],
  });
/** A sticker of a pack this identity bought, sent in a chat as an image. */
export const sendSticker = z.strictObject({ identity_id: hexKey.optional(), chat_id: chatId, order_id: hash32Hex, index: z.number().int().nonnegative().max(1_000) });
export const purchasesQuery = z.object({ identity_id: hexKey.optional() });
export const updateListing = z.strictObject({ id: hash32Hex, identity_id: hexKey.optional(), ...listingFieldsInput, wait: waitFinal });
export const listingRef = z.object({ id: hash32Hex });
export const closeListing = z.strictObject({ id: hash32Hex, identity_id: hexKey.optional(), wait: waitFinal });
export const listingQuery = z.object({
  type: listingFieldsInput.type.optional(),
  seller: hexKey.optional(),
  q: z.string().max(200).optional(),
  max_price: z.coerce.number().int().nonnegative().optional(),
  min_rating: z.coerce.number().min(0).max(5).optional(),
  limit: z.coerce.number().int().positive().max(1_000).default(100),
});
export const buyListing = z.strictObject({ listing_id: hash32Hex, moderator: hexKey, identity_id: hexKey.optional(), wait: waitFinal });
export const ordersQuery = z.object({ identity_id: hexKey.optional(), role: z.enum(['buyer', 'seller', 'moderator']).optional(), limit: z.coerce.number().int().positive().max(1_000).default(100) });
export const orderRef = z.object({ id: hash32Hex, identity_id: hexKey.optional() });
export const orderAction = z.strictObject({
  id: hash32Hex,
  action: z.enum(['deliver', 'confirm', 'cancel', 'dispute', 'decide', 'accept', 'timeout']),
  identity_id: hexKey.optional(),
  /** dispute: the claim; decide: the buyer's and seller's shares (they add up to the amount less the moderator's fee). */
  claim: z.string().min(1).max(2_000).optional(),
  buyer: z.number().int().nonnegative().optional(),
  seller: z.number().int().nonnegative().optional(),
  wait: waitFinal,
});
const score = z.number().int().min(1).max(5);
export const rateOrder = z.strictObject({
  id: hash32Hex,
  identity_id: hexKey.optional(),
  scores: z.strictObject({ overall: score, quality: score, description: score, delivery: score }),
  text: z.string().max(1_000).default(''),
  /** Signed by the order's one-time rating key, from that key's own account: provably the buyer's, naming nobody. */
  anonymous: z.boolean().default(false),
  wait: waitFinal,
});
export const becomeModerator = z.strictObject({ identity_id: hexKey.optional(), fee_fixed: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER), fee_bp: z.number().int().min(0).max(5_000), description: z.string().max(500).default(''), wait: waitFinal });
export const creatorRef = z.object({ key: hexKey });
export const ratingsQuery = z.object({ seller: hexKey.optional(), listing: hash32Hex.optional(), limit: z.coerce.number().int().positive().max(1_000).default(100) });

/** A transaction signed elsewhere (an external wallet, a bench), as hex of its CBOR bytes. */
export const submitTransaction = z.strictObject({ chain: chainKind, tx: z.string().regex(/^(?:[0-9a-f]{2}){1,65536}$/, 'expected the signed transaction as lowercase hex'), wait: z.boolean().default(false) });
