import type { ChainsInfo } from './chain-model.ts';
import type { BotCommand, InlineButton } from './bot-model.ts';

/**
 * The domain model: what a node knows about identities, chats, messages, contacts, groups,
 * attachments, relays and itself. Plain types with no driver behind them; every layer above
 * (store, components, the API and the UI) speaks in these.
 *
 * Conventions: field names are snake_case (as in the deployment guides' `chat_id`); timestamps
 * are integer milliseconds since the Unix epoch; binary values are lowercase hex.
 */

export type MessageStatus = 'local' | 'pending' | 'sent' | 'delivered' | 'read' | 'failed';
export type ChatKind = 'self' | 'channel' | 'direct' | 'group';
export type KeyProtection = 'passphrase' | 'node-secret';

export interface Profile {
  readonly identity_key: string;
  readonly username: string;
  readonly display_name: string;
  readonly bio: string;
  /** A `data:` URL, or null. */
  readonly avatar: string | null;
  readonly version: number;
  readonly updated_at: number;
  readonly signature: string;
}

export interface Identity {
  /** The hex Ed25519 public key; also the identity's id. */
  readonly id: string;
  readonly username: string;
  readonly is_default: boolean;
  readonly key_protection: KeyProtection;
  readonly created_at: number;
  readonly profile: Profile;
}

export interface Chat {
  readonly chat_id: string;
  readonly kind: ChatKind;
  readonly title: string;
  /** The local identity that speaks in this chat. */
  readonly identity_id: string;
  readonly created_at: number;
  readonly last_message_at: number | null;
  readonly unread_count: number;
  /** Muted now (muted_until is in the future). */
  readonly muted: boolean;
  /** Until when notifications stay quiet (epoch ms; MUTED_FOREVER for always), or null. */
  readonly muted_until: number | null;
  readonly archived: boolean;
  readonly pinned: boolean;
  /** The disappearing-messages timer both sides use, in seconds (0 = off). */
  readonly disappearing_seconds: number;
  /** Text typed but not sent, kept across switching chats and restarts. */
  readonly draft: string;
  /** The newest message, for the chat list's preview, or null in an empty chat. */
  readonly last_message: LastMessage | null;
  /** Direct chats: the other identity's key. */
  readonly peer_identity: string | null;
  /** Group chats: the group id. */
  readonly group_id: string | null;
  /** Only in a chat with a bot: the commands it lists for the composer's "/" menu (its 'cmds'). */
  readonly bot_commands?: readonly BotCommand[];
}

/** `muted_until` for "always". */
export const MUTED_FOREVER = Number.MAX_SAFE_INTEGER;

export interface LastMessage {
  readonly id: string;
  readonly sender: string;
  /** The start of its text ('' once deleted). */
  readonly text: string;
  readonly at: number;
  readonly deleted: boolean;
}

/** A relay someone chose to hold their mail: its peer id and where to dial it. */
export interface RelayRef {
  readonly peer_id: string;
  readonly addresses: readonly string[];
}

export interface Contact {
  readonly identity_key: string;
  /** The local identity that knows this contact. */
  readonly local_identity: string;
  readonly username: string;
  readonly display_name: string;
  readonly peer_id: string | null;
  readonly addresses: readonly string[];
  readonly relays: readonly RelayRef[];
  /** 'added' by invite, 'incoming' (they wrote first), or met in a 'group'. */
  readonly origin: 'added' | 'incoming' | 'group';
  /** True once the safety number was compared and confirmed. */
  readonly verified: boolean;
  readonly verified_at: number | null;
  readonly chat_id: string;
}

/**
 * A safety-number change, as Signal shows one in the conversation: the chat-chain username of a
 * contact moved from the key we knew to another. The chat goes on with the new key (new sessions),
 * unverified until the new safety number is compared.
 */
export interface KeyChange {
  readonly id: number;
  readonly chat_id: string;
  readonly local_identity: string;
  /** The username in the chat chain's directory. */
  readonly username: string;
  readonly display_name: string;
  readonly old_key: string;
  readonly new_key: string;
  /** 'rotated': the key we knew signed the move (the new key consenting); 'reset': it did not. */
  readonly kind: 'rotated' | 'reset';
  /** The final block of the chat chain that showed the change. */
  readonly height: number;
  readonly at: number;
}

/** A username moved to another local identity by one rotation (which carries the new key's record). */
export interface RotatedUsername {
  readonly username: string;
  readonly identity_id: string;
  readonly previous_identity_id: string;
  readonly rotate: { readonly tx_id: string; readonly status: 'pending' | 'final'; readonly height: number | null };
}

export interface GroupInfo {
  readonly group_id: string;
  readonly chat_id: string;
  readonly title: string;
  /** Identity key of the admin, who alone changes the members. */
  readonly admin: string;
  readonly version: number;
  /** True when this node's identity was removed from the group. */
  readonly removed: boolean;
  readonly members: ReadonlyArray<{ readonly identity_key: string; readonly username: string; readonly display_name: string }>;
}

export interface AttachmentInfo {
  readonly id: string;
  readonly name: string;
  readonly mime: string;
  readonly size: number;
  readonly sha256: string;
  /** 'local': uploaded here, not sent yet; 'ready': sent; 'downloading'; 'complete'; 'failed'. */
  readonly state: 'local' | 'ready' | 'downloading' | 'complete' | 'failed';
  readonly chunks_done: number;
  readonly chunks_total: number;
}

export interface Message {
  readonly id: string;
  /** Local ordering field and pagination cursor: strictly increasing in arrival order. */
  readonly seq: number;
  readonly chat_id: string;
  /** Identity key (hex) of the author. */
  readonly sender: string;
  /** Empty once deleted. */
  readonly text: string;
  readonly sent_at: number;
  readonly received_at: number;
  readonly status: MessageStatus;
  readonly edited_at: number | null;
  readonly deleted_at: number | null;
  /** The id of the message this one answers, or null. */
  readonly reply_to: string | null;
  /** When this disappearing message is removed (epoch ms), or null. */
  readonly expires_at: number | null;
  /** SHA-256 of the signed wire envelope, once the message has one. */
  readonly envelope_hash: string | null;
  readonly attachments?: readonly AttachmentInfo[];
  /** Reactions by emoji, with who reacted (identity keys). */
  readonly reactions?: readonly Reaction[];
  /** The answered message as the reply shows it; `found: false` when it is not here (yet). */
  readonly quote?: MessageQuote | null;
  /** Buttons under the message (a bot's inline keyboard), in rows. */
  readonly keyboard?: readonly (readonly InlineButton[])[];
  /** A marketplace listing shared in the chat, an order placed or its delivery (the chain says what is true of it). */
  readonly market?: MarketRef;
}

/**
 * What a message says about the marketplace: `listing` shares a listing (anyone may send one),
 * `order` is the buyer's notice of a funded order to its seller, `delivery` the seller's answer
 * carrying the purchased content as the message's attachment (its key inside the E2E message),
 * `dispute` opens the group chat of a disputed order's buyer, seller and moderator.
 */
export interface MarketRef {
  readonly kind: 'listing' | 'order' | 'delivery' | 'dispute';
  readonly listing_id: string;
  readonly order_id: string | null;
}

export interface Reaction {
  readonly emoji: string;
  readonly count: number;
  readonly reactors: readonly string[];
}

export type MessageQuote =
  | { readonly id: string; readonly found: true; readonly sender: string; readonly text: string; readonly deleted: boolean; readonly attachments: number }
  | { readonly id: string; readonly found: false };

/** An earlier text of an edited message. */
export interface MessageRevision {
  readonly text: string;
  /** When it was replaced by the next one. */
  readonly replaced_at: number;
}

/** Choices about what this node tells others and shows of them (as in Signal, both ways). */
export interface PrivacySettings {
  /** Send read receipts and show others'. */
  readonly read_receipts: boolean;
  /** Send typing indicators and show others'. */
  readonly typing_indicators: boolean;
}

/** Someone typing in a chat (never stored). */
export interface TypingState {
  readonly chat_id: string;
  readonly sender: string;
  readonly typing: boolean;
}

export interface MessagePage {
  readonly messages: readonly Message[];
  /** Pass as `before` to get the next older page; null when there is none. */
  readonly next_before: number | null;
  /** Pass as `after` to get newer messages; null when this page reached the newest. */
  readonly next_after: number | null;
}

export interface SearchHit {
  readonly message: Message;
  /** An excerpt of the text around the matches. */
  readonly snippet: string;
  /** [start, end) UTF-16 offsets of the matched words in `snippet`. */
  readonly highlights: ReadonlyArray<readonly [number, number]>;
}

export interface SearchResult {
  readonly results: readonly SearchHit[];
  readonly next_before: number | null;
}

export interface ChatPage {
  readonly chats: readonly Chat[];
  readonly next_cursor: string | null;
}

export interface Health {
  readonly status: 'healthy';
  readonly version: string;
}

export interface StoreFigures {
  readonly backend: 'sqlite';
  readonly path: string;
  readonly schema_version: number;
  readonly size_bytes: number;
  readonly wal_bytes: number;
  readonly identities: number;
  readonly conversations: number;
  readonly messages: number;
}

export interface NodeStatus {
  readonly status: 'ready' | 'starting' | 'stopping';
  readonly version: string;
  readonly role: 'user' | 'relay' | 'validator';
  readonly network: string;
  readonly chain_id: string;
  readonly started_at: number;
  readonly uptime_seconds: number;
  readonly data_dir: string;
  readonly store: StoreFigures;
  readonly peers: { readonly connected: number; readonly max: number };
  /** Null when peer-to-peer networking is switched off. */
  readonly p2p: {
    readonly peer_id: string;
    readonly addresses: readonly string[];
    readonly outbox: number;
    readonly relays_chosen: number;
    readonly relays_connected: number;
  } | null;
  readonly relay: RelayFigures | null;
  /** The ledgers this node keeps; null until they run. */
  readonly chains: ChainsInfo | null;
  /** 0–1: how far this node's chains have caught up with the heights its peers show (1 = synced). */
  readonly sync_progress: number;
  /** What the UI should honour ([accessibility] in the config). */
  readonly accessibility: { readonly wcag_strict_mode: boolean; readonly keyboard_shortcut_conflict_check: boolean };
}

export interface PeerInfo {
  readonly peer_id: string;
  readonly addresses: readonly string[];
  readonly direction: 'inbound' | 'outbound';
  readonly latency_ms: number | null;
  readonly role: string | null;
}

export interface RelayFigures {
  readonly enabled: boolean;
  /** True when the config (role = "relay") makes this node relay, so it cannot opt out at run time. */
  readonly forced_by_config: boolean;
  readonly recipients: number;
  readonly messages_held: number;
  readonly bytes_held: number;
  readonly stored_total: number;
  readonly delivered_total: number;
  readonly expired_total: number;
  readonly refused_total: number;
  readonly subscribers: number;
  /** Time up since this node first relayed, over time elapsed since then. */
  readonly uptime_ratio: number;
  readonly uptime_target: number;
  readonly ttl_hours: number;
}

export interface PeerList {
  readonly peers: readonly PeerInfo[];
  readonly count: number;
}

// Bots and their keyboards live in bot-model.ts; re-exported so one import serves the contract.
export type * from './bot-model.ts';
