/**
 * What components are asked to do, once the API has checked and normalised the request: the
 * API's schemas (api/schemas.ts) produce exactly these shapes, and say so with `satisfies`.
 */

import type { MarketRef } from './model.ts';

export const MESSAGE_TEXT_MAX = 65536;
export const AVATAR_MAX_BYTES = 256 * 1024;

export interface CreateIdentityInput {
  readonly username: string;
  readonly display_name?: string | undefined;
  readonly bio: string;
  /** A data:image/... URL, or null. */
  readonly avatar: string | null;
  /** Without one, the secret key is sealed under the node secret in the data directory. */
  readonly passphrase?: string | undefined;
  readonly make_default: boolean;
  /** A bot's identity (bots/): never made the node's default, even when it is the first. */
  readonly bot?: boolean | undefined;
}

export interface UpdateProfileInput {
  readonly id: string;
  readonly display_name?: string | undefined;
  readonly bio?: string | undefined;
  readonly avatar?: string | null | undefined;
  readonly passphrase?: string | undefined;
}

export interface ListChatsInput {
  readonly limit: number;
  readonly cursor?: string | undefined;
  /** The archived chats instead of the others. */
  readonly archived?: boolean | undefined;
}

export interface UpdateChatInput {
  readonly chat_id: string;
  /** 0 (off) or DISAPPEARING_MIN_SECONDS … DISAPPEARING_MAX_SECONDS; networked chats tell the other side. */
  readonly disappearing_seconds?: number | undefined;
  /** Epoch ms, MUTED_FOREVER, or null to unmute. */
  readonly muted_until?: number | null | undefined;
  readonly archived?: boolean | undefined;
  readonly pinned?: boolean | undefined;
  readonly draft?: string | undefined;
}

export interface TypingInput {
  readonly chat_id: string;
  readonly typing: boolean;
}

export interface CreateChatInput {
  readonly chat_id?: string | undefined;
  readonly kind: 'self' | 'channel';
  readonly title?: string | undefined;
  readonly identity_id?: string | undefined;
}

export interface SendMessageInput {
  readonly chat_id: string;
  readonly text: string;
  /** Ids of uploaded attachments to send with the message. */
  readonly attachments: readonly string[];
  /** A client-chosen id makes retries safe. */
  readonly id?: string | undefined;
  /** The id of the message this one answers (in the same chat). */
  readonly reply_to?: string | undefined;
  /** A listing shared in the chat (clients); orders and deliveries are sent by the node's marketplace. */
  readonly market?: MarketRef | undefined;
}

export interface ListMessagesInput {
  readonly chat_id: string;
  readonly limit: number;
  readonly before?: number | undefined;
  readonly after?: number | undefined;
  /** A page with this message in its middle (jump to a reply's original or a search result). */
  readonly around?: string | undefined;
}

export interface SearchMessagesInput {
  readonly q: string;
  /** Match the last word as a prefix (search as you type). */
  readonly prefix: boolean;
  readonly chat_id?: string | undefined;
  readonly limit: number;
  readonly before?: number | undefined;
}

export interface EditMessageInput {
  readonly id: string;
  readonly text: string;
}

export interface DeleteMessageInput {
  readonly id: string;
  /** 'everyone' (your own messages, within DELETE_WINDOW_MS) or 'me' (this node only). */
  readonly for: 'everyone' | 'me';
}

export interface ReactInput {
  readonly id: string;
  /** One emoji; replaces this identity's earlier reaction to the message. */
  readonly emoji: string;
}

/** Limits as in Signal: edits and deletes for everyone within 24 hours, at most 10 edits. */
export const EDIT_WINDOW_MS = 24 * 3600_000;
export const MAX_EDITS = 10;
export const DELETE_WINDOW_MS = 24 * 3600_000;
/** How far a peer's clock may be ahead when its edit or delete is checked against the windows. */
export const CLOCK_SKEW_MS = 5 * 60_000;
export const DISAPPEARING_MIN_SECONDS = 30;
export const DISAPPEARING_MAX_SECONDS = 28 * 24 * 3600;
/** At most this many chats are pinned (Signal pins four). */
export const MAX_PINNED_CHATS = 4;
export const EMOJI_MAX_LENGTH = 32;

/** A bot hosted by this node: a local identity whose username ends in "bot". */
export interface CreateBotInput {
  readonly username: string;
  readonly name: string;
}
