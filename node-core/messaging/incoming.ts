import type { MarketRef, Message } from '../domain/model.ts';
import type { AfterCommit } from '../delivery/delivery-service.ts';
import type { AttachmentManifest } from '../delivery/payloads.ts';
import type { Repositories } from '../store/store.ts';
import { viewMessage } from './message-view.ts';

/** What storing an incoming message needs of the attachment service. */
export interface IncomingAttachments {
  /** Records attachments of an incoming message (inside the transaction) and returns what to start after commit. */
  register(repos: Repositories, messageId: string, sender: string, manifests: readonly AttachmentManifest[], now: number): AfterCommit;
  /** The messages with their attachments' details added. */
  withAttachments(repos: Repositories, messages: readonly Message[]): Message[];
}

export interface IncomingMessage {
  readonly id: string;
  readonly chatId: string;
  readonly sender: string;
  readonly text: string;
  readonly sentAt: number;
  readonly at: number;
  readonly manifests: readonly AttachmentManifest[] | undefined;
  readonly replyTo?: string | undefined;
  /** Its disappearing timer in seconds, if it has one. */
  readonly expireSeconds?: number | undefined;
  readonly market?: MarketRef | undefined;
}

/**
 * When an incoming disappearing message goes: its timer counted from when it was sent, but never
 * from a sent time later than its arrival (a sender's clock cannot make it stay longer).
 */
export const incomingExpiry = (sentAt: number, at: number, seconds: number | undefined): number | null =>
  seconds ? Math.min(sentAt, at) + seconds * 1000 : null;

/**
 * Stores a message that arrived from the network, inside the receiving transaction: the row,
 * the chat's activity and unread count, and its attachments. Returns the message as listeners
 * should see it (with its files, "downloading" until they are here) and the downloads to start
 * after commit. The caller has checked that the id is new.
 */
export function storeIncoming(repos: Repositories, attachments: IncomingAttachments, input: IncomingMessage): { message: Message; startDownloads: AfterCommit | undefined } {
  const seq = repos.messages.insert({
    id: input.id,
    chat_id: input.chatId,
    sender: input.sender,
    text: input.text,
    sent_at: input.sentAt,
    received_at: input.at,
    status: 'delivered',
    envelope_hash: null,
    reply_to: input.replyTo ?? null,
    expires_at: incomingExpiry(input.sentAt, input.at, input.expireSeconds),
  });
  repos.conversations.recordMessage(input.chatId, seq, input.at, 1);
  if (input.market) repos.marketRefs.set(input.id, input.chatId, input.market);
  // New mail brings an archived chat back to the list, unless it is muted (as in Signal).
  const chat = repos.conversations.get(input.chatId);
  if (chat?.archived && !chat.muted) repos.conversations.update(input.chatId, { archived: false });
  const startDownloads = input.manifests?.length ? attachments.register(repos, input.id, input.sender, input.manifests, input.at) : undefined;
  // Without files there are none to list: only the reactions (some may have come first) and the quote.
  return { message: viewMessage(repos, startDownloads ? attachments : undefined, repos.messages.getBySeq(seq)!), startDownloads };
}
