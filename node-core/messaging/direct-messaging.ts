import { bytesToHex } from '@noble/hashes/utils.js';
import type { Chat, Message, MessageStatus } from '../domain/model.ts';
import { decodeIdentityRecord, RecordError } from '../wire/identity-record.ts';
import type { ContactService } from '../contacts/contact-service.ts';
import type { AfterCommit, DeliveryService, DirectContext } from '../delivery/delivery-service.ts';
import { marketRefFromWire, messageContent, type AttachmentManifest, type ChatUpdate, type DirectPayload } from '../delivery/payloads.ts';
import { chatIdWith, retiredKey } from '../contacts/contact-service.ts';
import type { EventBus } from '../events/event-bus.ts';
import type { Startable } from '../runtime/startable.ts';
import { storeIncoming, type IncomingAttachments } from './incoming.ts';
import { applyEarlyUpdates, applyIncomingUpdate } from './incoming-updates.ts';
import { type ChangeDeps, type MessageFiles } from './message-changes.ts';
import { viewMessages } from './message-view.ts';
import { readPrivacy } from './privacy.ts';
import type { OutboxRow } from '../store/repositories/outbox.ts';
import type { Repositories, Store } from '../store/store.ts';

/**
 * 1:1 chats over the network: what sending queues, what arriving payloads do to the store, and
 * the end-to-end encrypted delivery and read receipts that move a message through
 * pending → sent (a relay or the recipient's node has it) → delivered (their device stored it)
 * → read (they opened the chat). Statuses never move backwards.
 */

const RANK: Record<MessageStatus, number> = { local: 0, failed: 0, pending: 1, sent: 2, delivered: 3, read: 4 };
const RECEIPT_DELAY_MS = 25;
/** The most message ids one receipt payload may carry (payloads.ts). */
const RECEIPT_IDS = 1000;

/** Payload kinds other capabilities handle: groups' state and keys, inline keyboards. */
export type ExtraPayloadKind = 'gstate' | 'gleave' | 'skey' | 'kb' | 'cbq' | 'cba' | 'cmds';

type PayloadHandler = (repos: Repositories, payload: DirectPayload, context: DirectContext) => AfterCommit | void;

export interface DirectMessaging extends Startable {
  handle(repos: Repositories, payload: DirectPayload, context: DirectContext): AfterCommit | void;
  /** Queues a message of ours for its chat's peer (inside the send transaction). */
  queue(repos: Repositories, chat: Chat, message: Message, manifests: readonly AttachmentManifest[]): AfterCommit;
  /** Marks incoming messages read and queues the read receipt (inside the markRead transaction). */
  markRead(repos: Repositories, chat: Chat): AfterCommit;
  /** Queues a reaction, edit, delete, timer or typing change for the chat's peer. */
  queueUpdate(repos: Repositories, chat: Chat, update: ChatUpdate): AfterCommit;
  /** Other payload kinds (groups) register here. */
  onPayload(kind: ExtraPayloadKind, handler: PayloadHandler): void;
  /** Listens for acknowledged mail and sends the receipts still owed from the last run. */
  start(): void;
  /** Cancels the pending receipt flush (what is owed stays in the store for the next start). */
  stop(): void;
}

export interface DirectMessagingInit {
  readonly store: Store;
  readonly events: EventBus;
  readonly delivery: DeliveryService;
  readonly contacts: ContactService;
  readonly attachments: IncomingAttachments & MessageFiles;
  /** Whether a peer is connected now: typing is only sent then. */
  readonly isConnected: (peerId: string) => boolean;
  readonly now?: () => number;
}

export function createDirectMessaging(init: DirectMessagingInit): DirectMessaging {
  return new DirectMessagingComponent(init);
}

const upgrade = (repos: Repositories, message: Message, status: MessageStatus): Message | undefined => {
  if (RANK[status] <= RANK[message.status]) return undefined;
  repos.messages.setStatus(message.seq, status);
  return { ...message, status };
};

/** Queues receipts of one kind for `ids`, split into payloads of at most RECEIPT_IDS each. */
function queueReceipts(repos: Repositories, delivery: DeliveryService, pair: { local: string; remote: string }, t: 'delivered' | 'read', ids: readonly string[], at: number): void {
  for (let i = 0; i < ids.length; i += RECEIPT_IDS) {
    delivery.queueDirect(repos, { ...pair, payload: { k: 'rcpt', t, ids: ids.slice(i, i + RECEIPT_IDS) } }, at);
  }
}

class DirectMessagingComponent implements DirectMessaging {
  private readonly now: () => number;
  private readonly extra = new Map<string, PayloadHandler>();
  private receiptTimer: NodeJS.Timeout | undefined;
  private stopListening: (() => void) | undefined;

  private readonly init: DirectMessagingInit;

  constructor(init: DirectMessagingInit) {
    this.init = init;
    this.now = init.now ?? Date.now;
  }

  start(): void {
    if (this.stopListening) return;
    this.stopListening = this.init.delivery.onDelivered((rows) => this.markSent(rows));
    // Receipts owed when the node last stopped go out now.
    this.scheduleReceipts();
  }

  stop(): void {
    this.stopListening?.();
    this.stopListening = undefined;
    clearTimeout(this.receiptTimer);
    this.receiptTimer = undefined;
  }

  handle(repos: Repositories, payload: DirectPayload, context: DirectContext): AfterCommit | void {
    switch (payload.k) {
      case 'msg':
        return this.handleMessage(repos, payload, context);
      case 'rcpt':
        return this.handleReceipt(repos, payload, context);
      case 'react':
      case 'edit':
      case 'del':
      case 'timer':
      case 'typing':
        return this.handleUpdate(repos, payload, context);
      default:
        return this.extra.get(payload.k)?.(repos, payload, context);
    }
  }

  queue(repos: Repositories, chat: Chat, message: Message, manifests: readonly AttachmentManifest[]): AfterCommit {
    const { delivery } = this.init;
    delivery.queueDirect(
      repos,
      {
        local: chat.identity_id,
        remote: chat.peer_identity!,
        messageId: message.id,
        payload: { k: 'msg', ...messageContent(message, chat, manifests) },
        expiresAt: message.expires_at,
      },
      this.now(),
    );
    return () => delivery.kick();
  }

  queueUpdate(repos: Repositories, chat: Chat, update: ChatUpdate): AfterCommit {
    const { delivery } = this.init;
    if (update.k === 'typing') {
      // Each envelope takes a ratchet step: typing that could only be dropped is not even sealed.
      const peer = this.init.contacts.route(repos, chat.identity_id, chat.peer_identity!)?.peerId;
      if (!peer || !this.init.isConnected(peer)) return () => undefined;
    }
    delivery.queueDirect(repos, { local: chat.identity_id, remote: chat.peer_identity!, payload: update, ephemeral: update.k === 'typing' }, this.now());
    return () => {
      delivery.kick();
      // Copies of a message deleted for everyone that still wait at the recipient's relays go too.
      if (update.k === 'del') delivery.retract(update.id);
    };
  }

  markRead(repos: Repositories, chat: Chat): AfterCommit {
    if (chat.kind !== 'direct' || !chat.peer_identity) return () => undefined;
    const ids: string[] = [];
    let before: number | undefined;
    // Walk back through the chat's newest messages until one is already read.
    outer: for (;;) {
      const page = repos.messages.pageBefore(chat.chat_id, 200, before);
      if (page.length === 0) break;
      for (const message of [...page].reverse()) {
        if (message.sender === chat.identity_id) continue;
        if (message.status === 'read') break outer;
        repos.messages.setStatus(message.seq, 'read');
        ids.push(message.id);
      }
      before = page[0]!.seq;
    }
    // With read receipts off, nothing tells the peer (and theirs are not shown either).
    if (readPrivacy(repos).read_receipts) queueReceipts(repos, this.init.delivery, { local: chat.identity_id, remote: chat.peer_identity }, 'read', ids, this.now());
    return () => {
      if (ids.length > 0) this.init.delivery.kick();
    };
  }

  onPayload(kind: ExtraPayloadKind, handler: PayloadHandler): void {
    this.extra.set(kind, handler);
  }

  // Delivery receipts for a burst of messages go out as one payload. What is owed is written in
  // the transaction that stored the message, so a restart in between loses nothing.
  private readonly scheduleReceipts = (): void => {
    this.receiptTimer ??= setTimeout(() => this.flushReceipts(), RECEIPT_DELAY_MS);
  };

  private flushReceipts(): void {
    this.receiptTimer = undefined;
    const { store, delivery } = this.init;
    void store
      .write((repos) => {
        for (const [pair, ids] of repos.outbox.takeOwedReceipts()) {
          const [local, remote] = pair.split(':') as [string, string];
          queueReceipts(repos, delivery, { local, remote }, 'delivered', ids, this.now());
        }
      })
      .then(() => delivery.kick())
      .catch(() => undefined);
  }

  /** A message is sent once no copy of it waits in the outbox any more. */
  private markSent(rows: OutboxRow[]): void {
    const messageIds = [...new Set(rows.map((r) => r.message_id).filter((id): id is string => id !== null))];
    if (messageIds.length === 0) return;
    void this.init.store
      .write((repos) => {
        const updated: Message[] = [];
        for (const id of messageIds) {
          const message = repos.messages.get(id);
          if (!message || repos.outbox.pendingForMessage(id) > 0) continue;
          const next = upgrade(repos, message, 'sent');
          if (next) updated.push(next);
        }
        return viewMessages(repos, this.init.attachments, updated);
      })
      .then((updated) => updated.forEach((m) => this.init.events.emit('message.updated', m)))
      .catch(() => undefined);
  }

  private handleMessage(repos: Repositories, payload: Extract<DirectPayload, { k: 'msg' }>, context: DirectContext): AfterCommit | void {
    const { local, remote } = context;
    if (retiredKey(repos, local, remote)) return;
    if (payload.rec) this.learnSender(repos, payload.rec, context);
    const { chat, created } = this.init.contacts.ensureDirectChat(repos, local, remote, context.now);
    repos.outbox.oweReceipt(local, remote, payload.id);
    if (repos.messages.get(payload.id)) return this.scheduleReceipts;
    const { message, startDownloads } = storeIncoming(repos, this.init.attachments, {
      id: payload.id,
      chatId: chat.chat_id,
      sender: remote,
      text: payload.text,
      sentAt: payload.at,
      at: context.now,
      manifests: payload.att,
      replyTo: payload.re,
      expireSeconds: payload.exp,
      market: payload.mkt ? marketRefFromWire(payload.mkt) : undefined,
    });
    const early = applyEarlyUpdates(repos, this.changes, message, local);
    const chatNow = repos.conversations.get(chat.chat_id)!;
    return () => {
      if (created) this.init.events.emit('chat.created', chatNow);
      this.init.events.emit('message.created', message);
      this.scheduleReceipts();
      startDownloads?.();
      early?.();
    };
  }

  private get changes(): ChangeDeps {
    return { events: this.init.events, files: this.init.attachments };
  }

  /** Reactions, edits, deletes, timer and typing changes: only in a chat we already have with the sender. */
  private handleUpdate(repos: Repositories, update: ChatUpdate, context: DirectContext): AfterCommit | void {
    if (retiredKey(repos, context.local, context.remote)) return;
    const chatId = chatIdWith(repos, context.local, context.remote);
    if (!repos.conversations.exists(chatId)) return;
    return applyIncomingUpdate(repos, this.changes, { chatId, sender: context.remote, local: context.local, receivedAt: context.now }, update);
  }

  /** A first message carries the sender's record, so we can answer; a bad one is ignored. */
  private learnSender(repos: Repositories, recordBytes: Uint8Array, context: DirectContext): void {
    try {
      const record = decodeIdentityRecord(recordBytes);
      if (bytesToHex(record.identity_key) === context.remote) this.init.contacts.upsertFromRecord(repos, context.local, record, 'incoming', context.now);
    } catch (err) {
      if (!(err instanceof RecordError)) throw err;
    }
  }

  private handleReceipt(repos: Repositories, payload: Extract<DirectPayload, { k: 'rcpt' }>, context: DirectContext): AfterCommit | void {
    if (payload.t === 'read' && !readPrivacy(repos).read_receipts) return;
    const updated: Message[] = [];
    for (const id of payload.ids) {
      const message = repos.messages.get(id);
      // Only the peer the message went to can acknowledge it.
      if (!message || message.sender !== context.local) continue;
      const chat = repos.conversations.get(message.chat_id);
      if (chat?.peer_identity !== context.remote && chat?.kind !== 'group') continue;
      const next = upgrade(repos, message, payload.t);
      if (next) updated.push(next);
    }
    const shown = viewMessages(repos, this.init.attachments, updated);
    return () => shown.forEach((m) => this.init.events.emit('message.updated', m));
  }
}
