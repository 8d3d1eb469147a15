import { bytesToHex } from '@noble/hashes/utils.js';
import type { Chat, Message, MessageStatus } from '../domain/model.ts';
import { decodeIdentityRecord, RecordError } from '../wire/identity-record.ts';
import type { ContactService } from '../contacts/contact-service.ts';
import type { AfterCommit, DeliveryService, DirectContext } from '../delivery/delivery-service.ts';
import type { AttachmentManifest, DirectPayload } from '../delivery/payloads.ts';
import type { EventBus } from '../events/event-bus.ts';
import { storeIncoming, type IncomingAttachments } from './incoming.ts';
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

export interface DirectMessaging {
  handle(repos: Repositories, payload: DirectPayload, context: DirectContext): AfterCommit | void;
  /** Queues a message of ours for its chat's peer (inside the send transaction). */
  queue(repos: Repositories, chat: Chat, message: Message, manifests: readonly AttachmentManifest[]): AfterCommit;
  /** Marks incoming messages read and queues the read receipt (inside the markRead transaction). */
  markRead(repos: Repositories, chat: Chat): AfterCommit;
  /** Other payload kinds (groups) register here. */
  onPayload(kind: 'gstate' | 'skey', handler: (repos: Repositories, payload: DirectPayload, context: DirectContext) => AfterCommit | void): void;
  /** Cancels the pending receipt flush (what is owed stays in the store for the next start). */
  stop(): void;
}

export function createDirectMessaging(init: {
  readonly store: Store;
  readonly events: EventBus;
  readonly delivery: DeliveryService;
  readonly contacts: ContactService;
  readonly attachments: IncomingAttachments;
  readonly now?: () => number;
}): DirectMessaging {
  const { store, events, delivery, contacts } = init;
  const now = init.now ?? Date.now;
  const extra = new Map<string, (repos: Repositories, payload: DirectPayload, context: DirectContext) => AfterCommit | void>();

  // Delivery receipts for a burst of messages go out as one payload. What is owed is written in
  // the transaction that stored the message, so a restart in between loses nothing.
  let receiptTimer: NodeJS.Timeout | undefined;
  const flushReceipts = () => {
    receiptTimer = undefined;
    void store
      .write((repos) => {
        for (const [pair, ids] of repos.outbox.takeOwedReceipts()) {
          const [local, remote] = pair.split(':') as [string, string];
          for (let i = 0; i < ids.length; i += 1000) {
            delivery.queueDirect(repos, { local, remote, payload: { k: 'rcpt', t: 'delivered', ids: ids.slice(i, i + 1000) } }, now());
          }
        }
      })
      .then(() => delivery.kick())
      .catch(() => undefined);
  };
  const scheduleReceipts = () => {
    receiptTimer ??= setTimeout(flushReceipts, RECEIPT_DELAY_MS);
  };
  // Receipts owed when the node last stopped go out now.
  scheduleReceipts();

  const upgrade = (repos: Repositories, message: Message, status: MessageStatus): Message | undefined => {
    if (RANK[status] <= RANK[message.status]) return undefined;
    repos.messages.setStatus(message.seq, status);
    return { ...message, status };
  };

  delivery.onDelivered((rows: OutboxRow[]) => {
    const messageIds = [...new Set(rows.map((r) => r.message_id).filter((id): id is string => id !== null))];
    if (messageIds.length === 0) return;
    void store
      .write((repos) => {
        const updated: Message[] = [];
        for (const id of messageIds) {
          const message = repos.messages.get(id);
          if (!message || repos.outbox.pendingForMessage(id) > 0) continue;
          const next = upgrade(repos, message, 'sent');
          if (next) updated.push(next);
        }
        return updated;
      })
      .then((updated) => updated.forEach((m) => events.emit('message.updated', m)))
      .catch(() => undefined);
  });

  function handleMessage(repos: Repositories, payload: Extract<DirectPayload, { k: 'msg' }>, context: DirectContext): AfterCommit | void {
    const { local, remote } = context;
    if (payload.rec) {
      try {
        const record = decodeIdentityRecord(payload.rec);
        if (bytesToHex(record.identity_key) === remote) contacts.upsertFromRecord(repos, local, record, 'incoming', context.now);
      } catch (err) {
        if (!(err instanceof RecordError)) throw err;
      }
    }
    const { chat, created } = contacts.ensureDirectChat(repos, local, remote, context.now);
    repos.outbox.oweReceipt(local, remote, payload.id);
    if (repos.messages.get(payload.id)) return scheduleReceipts;
    const { message, startDownloads } = storeIncoming(repos, init.attachments, {
      id: payload.id,
      chatId: chat.chat_id,
      sender: remote,
      text: payload.text,
      sentAt: payload.at,
      at: context.now,
      manifests: payload.att,
    });
    const chatNow = repos.conversations.get(chat.chat_id)!;
    return () => {
      if (created) events.emit('chat.created', chatNow);
      events.emit('message.created', message);
      scheduleReceipts();
      startDownloads?.();
    };
  }

  function handleReceipt(repos: Repositories, payload: Extract<DirectPayload, { k: 'rcpt' }>, context: DirectContext): AfterCommit | void {
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
    return () => updated.forEach((m) => events.emit('message.updated', m));
  }

  return {
    stop() {
      clearTimeout(receiptTimer);
      receiptTimer = undefined;
    },
    handle(repos, payload, context) {
      switch (payload.k) {
        case 'msg':
          return handleMessage(repos, payload, context);
        case 'rcpt':
          return handleReceipt(repos, payload, context);
        default:
          return extra.get(payload.k)?.(repos, payload, context);
      }
    },

    queue(repos, chat, message, manifests) {
      const remote = chat.peer_identity!;
      delivery.queueDirect(
        repos,
        {
          local: chat.identity_id,
          remote,
          messageId: message.id,
          payload: { k: 'msg', id: message.id, text: message.text, at: message.sent_at, ...(manifests.length ? { att: [...manifests] } : {}) },
        },
        now(),
      );
      return () => delivery.kick();
    },

    markRead(repos, chat) {
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
      for (let i = 0; i < ids.length; i += 1000) {
        delivery.queueDirect(repos, { local: chat.identity_id, remote: chat.peer_identity, payload: { k: 'rcpt', t: 'read', ids: ids.slice(i, i + 1000) } }, now());
      }
      return () => {
        if (ids.length > 0) delivery.kick();
      };
    },

    onPayload(kind, handler) {
      extra.set(kind, handler);
    },
  };
}
