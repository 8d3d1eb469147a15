import type { Message } from '../domain/model.ts';
import type { AfterCommit } from '../delivery/delivery-service.ts';
import type { AttachmentManifest } from '../delivery/payloads.ts';
import type { Repositories } from '../store/store.ts';

/** What storing an incoming message needs of the attachment service. */
export interface IncomingAttachments {
  /** Records attachments of an incoming message (inside the transaction) and returns what to start after commit. */
  register(repos: Repositories, messageId: string, sender: string, manifests: readonly AttachmentManifest[], now: number): AfterCommit;
  /** The messages with their attachments' details added. */
  withAttachments(repos: Repositories, messages: readonly Message[]): Message[];
}

/**
 * Stores a message that arrived from the network, inside the receiving transaction: the row,
 * the chat's activity and unread count, and its attachments. Returns the message as listeners
 * should see it (with its files, "downloading" until they are here) and the downloads to start
 * after commit. The caller has checked that the id is new.
 */
export function storeIncoming(
  repos: Repositories,
  attachments: IncomingAttachments,
  input: { id: string; chatId: string; sender: string; text: string; sentAt: number; at: number; manifests: readonly AttachmentManifest[] | undefined },
): { message: Message; startDownloads: AfterCommit | undefined } {
  const seq = repos.messages.insert({ id: input.id, chat_id: input.chatId, sender: input.sender, text: input.text, sent_at: input.sentAt, received_at: input.at, status: 'delivered', envelope_hash: null });
  repos.conversations.recordMessage(input.chatId, seq, input.at, 1);
  const startDownloads = input.manifests?.length ? attachments.register(repos, input.id, input.sender, input.manifests, input.at) : undefined;
  const stored = repos.messages.getBySeq(seq)!;
  return { message: startDownloads ? attachments.withAttachments(repos, [stored])[0]! : stored, startDownloads };
}
