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

export type {
  MessageStatus,
  ChatKind,
  KeyProtection,
  Profile,
  Identity,
  Chat,
  Contact,
  GroupInfo,
  AttachmentInfo,
  Message,
  MessagePage,
  SearchHit,
  SearchResult,
  ChatPage,
  Health,
  StoreFigures,
  NodeStatus,
  PeerInfo,
  RelayFigures,
  RelayRef,
  PeerList,
  Reaction,
  MessageQuote,
  MessageRevision,
  LastMessage,
  PrivacySettings,
  TypingState,
  Bot,
  BotCredentials,
  KeyChange,
  RotatedUsername,
} from '../domain/model.ts';
import type { BlockView, BridgeHealth, BridgePacketView, ChainsInfo, CreatorStatsView, ListingView, ModeratorView, OrderInChat, PurchaseView, RatingView, DirectoryAnswer, RelayRegistry, SubmittedTransaction, Wallet, WalletHistoryEntry } from '../domain/chain-model.ts';
export { MUTED_FOREVER } from '../domain/model.ts';
import type {
  Identity,
  Chat,
  Contact,
  GroupInfo,
  AttachmentInfo,
  Message,
  MessagePage,
  MessageRevision,
  SearchResult,
  ChatPage,
  Health,
  NodeStatus,
  RelayFigures,
  PeerList,
  PrivacySettings,
  Bot,
  BotCredentials,
  KeyChange,
  RotatedUsername,
} from '../domain/model.ts';

/** Inputs as callers write them (before defaults apply). */
export type Input<T extends z.ZodType> = z.input<T>;

/** Every request method: its input and its result. */
export interface ApiMethods {
  'node.health': { input: Input<typeof S.empty>; output: Health };
  'node.status': { input: Input<typeof S.empty>; output: NodeStatus };
  'node.peers': { input: Input<typeof S.empty>; output: PeerList };
  /** The UI reports failed accessibility checks (shortcut conflicts) for the node's metrics. */
  'node.reportAccessibility': { input: Input<typeof S.accessibilityFailures>; output: { recorded: number } };
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
  /** `for: 'everyone'` (default; your own, within 24 h) or `'me'` (gone from this node only). */
  'messages.delete': { input: Input<typeof S.deleteMessage>; output: Message };
  'messages.react': { input: Input<typeof S.react>; output: Message };
  'messages.unreact': { input: Input<typeof S.messageRef>; output: Message };
  /** Presses a button of a bot's message; the answer comes as a `button.answered` event. */
  'messages.pressButton': { input: Input<typeof S.pressButton>; output: { query_id: string } };
  'messages.history': { input: Input<typeof S.messageRef>; output: { message: Message; revisions: MessageRevision[] } };
  'chats.update': { input: Input<typeof S.updateChat>; output: Chat };
  /** Tells the other side(s) you are typing (nothing when typing indicators are off). */
  'chats.typing': { input: Input<typeof S.setTyping>; output: { sent: boolean } };
  'settings.get': { input: Input<typeof S.empty>; output: PrivacySettings };
  'settings.update': { input: Input<typeof S.updateSettings>; output: PrivacySettings };
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
  /** The admin renames the group for everyone. */
  'groups.rename': { input: Input<typeof S.renameGroup>; output: GroupInfo };
  /** Leave a group (not its admin): nothing more is read or sent, and the admin takes you off the list. */
  'groups.leave': { input: Input<typeof S.groupRef>; output: GroupInfo };
  'relay.status': { input: Input<typeof S.empty>; output: RelayFigures };
  'relay.setEnabled': { input: Input<typeof S.setRelayEnabled>; output: RelayFigures };
  'relays.list': { input: Input<typeof S.empty>; output: RelayList };
  'relays.set': { input: Input<typeof S.setRelays>; output: RelayList };
  'attachments.upload': { input: Input<typeof S.uploadAttachment>; output: AttachmentInfo };
  'attachments.get': { input: Input<typeof S.attachmentRef>; output: AttachmentInfo };
  /** The file's bytes (for IPC; over HTTP, GET /api/attachments/:id streams it). */
  'attachments.read': { input: Input<typeof S.attachmentRef>; output: { name: string; mime: string; data: Uint8Array } };
  /** A bot hosted here: a new local identity and its token (shown only in this answer). */
  'bots.create': { input: Input<typeof S.createBot>; output: BotCredentials };
  'bots.list': { input: Input<typeof S.empty>; output: { bots: Bot[] } };
  /** Both ledgers as this node holds them. */
  'chains.info': { input: Input<typeof S.empty>; output: ChainsInfo };
  'chains.block': { input: Input<typeof S.chainBlockRef>; output: BlockView };
  /** Submits a transaction signed elsewhere; it is checked (signature, nonce, fee, size) like any. */
  'chains.submit': { input: Input<typeof S.submitTransaction>; output: SubmittedTransaction };
  'wallet.get': { input: Input<typeof S.walletRef>; output: Wallet };
  'wallet.history': { input: Input<typeof S.walletHistory>; output: { entries: WalletHistoryEntry[] } };
  'wallet.transfer': { input: Input<typeof S.walletTransfer>; output: SubmittedTransaction };
  'wallet.stake': { input: Input<typeof S.walletStake>; output: SubmittedTransaction };
  'wallet.unstake': { input: Input<typeof S.walletStake>; output: SubmittedTransaction };
  /** Devnets only: a gift of faucet_amount to an account holding less. */
  'wallet.faucet': { input: Input<typeof S.walletFaucet>; output: SubmittedTransaction };
  /** A username's record in the chat chain's directory, with its proof against a final state root. */
  /** Adds the identity a username names in the chat chain's directory (proof checked), as an invite would. */
  'contacts.addByUsername': { input: Input<typeof S.addContactByUsername>; output: { contact: Contact; chat: Chat; chat_id: string } };
  'directory.lookup': { input: Input<typeof S.directoryRef>; output: DirectoryAnswer };
  'relays.registry': { input: Input<typeof S.empty>; output: RelayRegistry };
  'relays.announce': { input: Input<typeof S.announceRelay>; output: SubmittedTransaction };
  /** Stakes as a relay on the currency chain; the bridge carries the stake to the chat chain's registry. */
  'relays.stake': { input: Input<typeof S.relayStake>; output: SubmittedTransaction };
  'relays.unstake': { input: Input<typeof S.relayStake>; output: SubmittedTransaction };
  /** Moves funds to the other chain: a bridge packet, Initiated → FinalityProved → Executed (or RolledBack at its timeout). */
  'bridge.transfer': { input: Input<typeof S.bridgeTransfer>; output: SubmittedTransaction };
  'bridge.packets': { input: Input<typeof S.bridgePackets>; output: { packets: BridgePacketView[] } };
  /** Light clients of both chains, backlog, oldest pending, the relayer (also GET /health/bridge on the probe port). */
  'bridge.health': { input: Input<typeof S.empty>; output: BridgeHealth };
  /** Active listings from the chat chain (the latest marketplace.cache_size), newest first, filtered. */
  'market.listings': { input: Input<typeof S.listingQuery>; output: { listings: ListingView[] } };
  'market.listing': { input: Input<typeof S.listingRef>; output: ListingView };
  /** Publishes a listing on the chat chain, signed by the seller (the identity). */
  'market.sell': { input: Input<typeof S.createListing>; output: SubmittedTransaction & { listing_id: string } };
  /** Edits a listing; only its seller can. */
  'market.update': { input: Input<typeof S.updateListing>; output: SubmittedTransaction };
  'market.close': { input: Input<typeof S.closeListing>; output: SubmittedTransaction };
  /** Funds an order in escrow on the currency chain (the listing proved against the chat chain), naming a moderator. */
  'market.buy': { input: Input<typeof S.buyListing>; output: SubmittedTransaction & { order_id: string; chat_id: string | null } };
  /** This identity's orders as buyer, seller or moderator, with the actions open to it. */
  'market.orders': { input: Input<typeof S.ordersQuery>; output: { orders: OrderInChat[] } };
  'market.order': { input: Input<typeof S.orderRef>; output: OrderInChat };
  /** deliver, confirm, cancel, dispute, decide, accept or timeout: a currency-chain transaction the order's state must allow. A dispute also opens a group chat of buyer, seller and moderator (`chat_id`). */
  'market.act': { input: Input<typeof S.orderAction>; output: SubmittedTransaction & { chat_id?: string | null } };
  /** The buyer rates a purchase the seller was paid for, once. */
  'market.rate': { input: Input<typeof S.rateOrder>; output: SubmittedTransaction };
  'market.moderators': { input: Input<typeof S.empty>; output: { moderators: ModeratorView[] } };
  /** Registers (or changes) this identity's terms as a moderator: a fixed fee, a percentage or both. */
  'market.moderate': { input: Input<typeof S.becomeModerator>; output: SubmittedTransaction };
  /** A seller's statistics: sales, revenue, ratings. */
  'market.creator': { input: Input<typeof S.creatorRef>; output: CreatorStatsView & { key: string } };
  /** Ratings with their texts, newest first, of a seller or a listing. */
  'market.ratings': { input: Input<typeof S.ratingsQuery>; output: { ratings: RatingView[] } };
  /** What this identity bought and received over the chat (checked against the listing's content hash), sticker packs with their stickers. */
  'market.purchases': { input: Input<typeof S.purchasesQuery>; output: { purchases: PurchaseView[] } };
  /** Sends a sticker of a bought pack in a chat (as an image). */
  'market.sendSticker': { input: Input<typeof S.sendSticker>; output: Message };
  /** Registers the username for this identity on the chat chain (fee: username_fee + min_fee). */
  'identities.register': { input: Input<typeof S.registerUsername>; output: SubmittedTransaction & { username: string } };
  /** Moves the username to another local identity (rotate, then the new key's record as an update); contacts see a safety-number change. */
  'identities.rotate': { input: Input<typeof S.rotateIdentity>; output: RotatedUsername };
  /** Safety-number changes seen in the chat chain's directory for contacts, oldest first. */
  'contacts.keyChanges': { input: Input<typeof S.keyChangesRef>; output: { key_changes: KeyChange[] } };
  /** The bot stops (its token, its updates); its identity and chats stay on the node. */
  'bots.delete': { input: Input<typeof S.botRef>; output: { deleted: true } };
  /** A new token; the old one stops at once. */
  'bots.rotateToken': { input: Input<typeof S.botRef>; output: BotCredentials };
  /** A new Standard Webhooks signing secret for the bot's webhook deliveries (shown only in this answer); the old one stops at once. */
  'bots.rotateWebhookSecret': { input: Input<typeof S.botRef>; output: { signing_secret: string } };
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

import type { DomainErrorName } from '../domain/errors.ts';
import type { NodeEvent, NodeEventName, NodeEvents } from '../domain/events.ts';

/** Events a node pushes to subscribers (WebSocket /api/events, or IPC): the domain's events as they are. */
export type ApiEvents = NodeEvents;
export type EventName = NodeEventName;
export type ApiEvent<E extends EventName = EventName> = NodeEvent<E>;

/** The named errors of the API; each answers with one HTTP status. */
export type ApiErrorName =
  | DomainErrorName
  | 'BadRequestTarget'
  | 'HostNotAllowed'
  | 'OriginNotAllowed'
  | 'ClientClosedRequest'
  | 'MalformedJson'
  | 'UnsupportedMediaType'
  | 'Unauthorized'
  | 'Forbidden'
  | 'NotFound'
  | 'UnknownMethod'
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
