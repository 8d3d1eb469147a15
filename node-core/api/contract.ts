/**
 * The NodeApi contract: every request the UI or an operator can make of a node, the events a node
 * pushes, and the named errors it answers with. Types only: the renderer imports this file with
 * `import type`, and both transports (HTTP/WebSocket and Electron IPC) carry exactly these shapes.
 *
 * Conventions: JSON field names are snake_case (as in the deployment guides' `chat_id`);
 * timestamps are integer milliseconds since the Unix epoch; binary values are lowercase hex.
 */

import type * as S from './schemas.ts';
import type { z } from 'zod';

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
  readonly muted: boolean;
  /** Direct chats: the other identity's key. */
  readonly peer_identity: string | null;
  /** Group chats: the group id. */
  readonly group_id: string | null;
}

export interface Contact {
  readonly identity_key: string;
  /** The local identity that knows this contact. */
  readonly local_identity: string;
  readonly username: string;
  readonly display_name: string;
  readonly peer_id: string | null;
  readonly addresses: readonly string[];
  readonly relays: ReadonlyArray<{ readonly peer_id: string; readonly addresses: readonly string[] }>;
  /** 'added' by invite, 'incoming' (they wrote first), or met in a 'group'. */
  readonly origin: 'added' | 'incoming' | 'group';
  /** True once the safety number was compared and confirmed. */
  readonly verified: boolean;
  readonly verified_at: number | null;
  readonly chat_id: string;
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
  /** SHA-256 of the signed wire envelope, once the message has one. */
  readonly envelope_hash: string | null;
  readonly attachments?: readonly AttachmentInfo[];
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
  readonly role: 'user' | 'relay';
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

/** Inputs as callers write them (before defaults apply). */
export type Input<T extends z.ZodType> = z.input<T>;

/** Every request method: its input and its result. */
export interface ApiMethods {
  'node.health': { input: Input<typeof S.empty>; output: Health };
  'node.status': { input: Input<typeof S.empty>; output: NodeStatus };
  'node.peers': { input: Input<typeof S.empty>; output: PeerList };
  'identities.list': { input: Input<typeof S.empty>; output: { identities: Identity[] } };
  'identities.get': { input: Input<typeof S.identityRef>; output: Identity };
  'identities.create': { input: Input<typeof S.createIdentity>; output: Identity };
  'identities.updateProfile': { input: Input<typeof S.updateProfile>; output: Identity };
  'identities.setDefault': { input: Input<typeof S.identityRef>; output: Identity };
  'chats.list': { input: Input<typeof S.listChats>; output: ChatPage };
  'chats.get': { input: Input<typeof S.chatRef>; output: Chat };
  'chats.create': { input: Input<typeof S.createChat>; output: Chat };
  'chats.markRead': { input: Input<typeof S.chatRef>; output: Chat };
  'messages.send': { input: Input<typeof S.sendMessage>; output: Message };
  'messages.list': { input: Input<typeof S.listMessages>; output: MessagePage };
  'messages.get': { input: Input<typeof S.messageRef>; output: Message };
  'messages.search': { input: Input<typeof S.searchMessages>; output: SearchResult };
  'messages.edit': { input: Input<typeof S.editMessage>; output: Message };
  'messages.delete': { input: Input<typeof S.messageRef>; output: Message };
  'identities.unlock': { input: Input<typeof S.unlockIdentity>; output: Identity };
  'contacts.invite': { input: Input<typeof S.inviteRequest>; output: Invite };
  'contacts.add': { input: Input<typeof S.addContact>; output: { contact: Contact; chat: Chat; chat_id: string } };
  'contacts.list': { input: Input<typeof S.empty>; output: { contacts: Contact[] } };
  'contacts.get': { input: Input<typeof S.contactRef>; output: Contact };
  'contacts.safetyNumber': { input: Input<typeof S.contactRef>; output: { safety_number: string; verified: boolean } };
  'contacts.verify': { input: Input<typeof S.verifyContact>; output: Contact };
  'groups.create': { input: Input<typeof S.createGroup>; output: GroupInfo };
  'groups.list': { input: Input<typeof S.empty>; output: { groups: GroupInfo[] } };
  'groups.get': { input: Input<typeof S.groupRef>; output: GroupInfo };
  'groups.addMembers': { input: Input<typeof S.addGroupMembers>; output: GroupInfo };
  'groups.removeMember': { input: Input<typeof S.removeGroupMember>; output: GroupInfo };
  'relay.status': { input: Input<typeof S.empty>; output: RelayFigures };
  'relay.setEnabled': { input: Input<typeof S.setRelayEnabled>; output: RelayFigures };
  'relays.list': { input: Input<typeof S.empty>; output: RelayList };
  'relays.set': { input: Input<typeof S.setRelays>; output: RelayList };
  'attachments.upload': { input: Input<typeof S.uploadAttachment>; output: AttachmentInfo };
  'attachments.get': { input: Input<typeof S.attachmentRef>; output: AttachmentInfo };
  /** The file's bytes (for IPC; over HTTP, GET /api/attachments/:id streams it). */
  'attachments.read': { input: Input<typeof S.attachmentRef>; output: { name: string; mime: string; data: Uint8Array } };
}

export interface Invite {
  /** Base64url of the signed identity record. */
  readonly invite: string;
  /** The same as a dchat:// link. */
  readonly link: string;
  readonly identity_id: string;
}

export interface RelayList {
  readonly relays: ReadonlyArray<{ readonly peer_id: string; readonly addresses: readonly string[]; readonly connected: boolean }>;
}

export type MethodName = keyof ApiMethods;
export type MethodInput<M extends MethodName> = ApiMethods[M]['input'];
export type MethodOutput<M extends MethodName> = ApiMethods[M]['output'];

/** Events a node pushes to subscribers (WebSocket /api/events, or IPC). */
export interface ApiEvents {
  'message.created': Message;
  'message.updated': Message;
  'chat.created': Chat;
  'chat.updated': Chat;
  'identity.created': Identity;
  'identity.updated': Identity;
}

export type EventName = keyof ApiEvents;

/** One event: a union discriminated by `type`, so `data` has the right type once `type` is checked. */
export type ApiEvent<E extends EventName = EventName> = { [K in E]: { readonly type: K; readonly data: ApiEvents[K] } }[E];

/** The named errors of the API; each answers with one HTTP status. */
export type ApiErrorName =
  | 'ValidationError'
  | 'BadRequestTarget'
  | 'HostNotAllowed'
  | 'OriginNotAllowed'
  | 'ClientClosedRequest'
  | 'MalformedJson'
  | 'UnsupportedMediaType'
  | 'PayloadTooLarge'
  | 'Unauthorized'
  | 'Forbidden'
  | 'NotFound'
  | 'UnknownMethod'
  | 'IdentityNotFound'
  | 'ChatNotFound'
  | 'MessageNotFound'
  | 'ContactNotFound'
  | 'GroupNotFound'
  | 'AttachmentNotFound'
  | 'NotGroupAdmin'
  | 'IdentityLocked'
  | 'NetworkDisabled'
  | 'UsernameTaken'
  | 'ChatExists'
  | 'MessageIdConflict'
  | 'NoIdentity'
  | 'WrongPassphrase'
  | 'NotAuthor'
  | 'MessageDeleted'
  | 'RateLimited'
  | 'NotReady'
  | 'StorageFull'
  | 'DatabaseDamaged'
  | 'InternalError';

/** What every error looks like on the wire, on both transports. */
export interface ApiErrorBody {
  readonly error: ApiErrorName;
  readonly message: string;
  /** For ValidationError: which input fields were wrong and why. */
  readonly issues?: ReadonlyArray<{ readonly path: string; readonly message: string }>;
}

/** The API as a caller sees it: one typed call per method, and an event subscription. */
export interface NodeApi {
  call<M extends MethodName>(method: M, input: MethodInput<M>): Promise<MethodOutput<M>>;
  /** Returns an unsubscribe function. */
  subscribe(listener: (event: ApiEvent) => void): () => void;
}

/** How a call's outcome crosses Electron IPC: errors travel as data so their names survive. */
export type IpcReply = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: ApiErrorBody };

/** What the Electron preload exposes to the page as `window.dchat`. */
export interface DchatBridge {
  call(method: string, input: unknown): Promise<IpcReply>;
  /** Node events; returns an unsubscribe function. */
  subscribe(listener: (event: ApiEvent) => void): () => void;
  /** dchat:// links the operating system handed to the app; returns an unsubscribe function. */
  onDeepLink(listener: (url: string) => void): () => void;
  /** Tells the app which chat is on screen, so it does not notify about it. */
  setFocusedChat(chatId: string | null): void;
  readonly platform: string;
}
