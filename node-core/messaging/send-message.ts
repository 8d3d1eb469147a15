import { MessageDeletedError, MessageIdConflictError, NetworkDisabledError, ValidationError } from '../domain/errors.ts';
import type { SendMessageInput } from '../domain/inputs.ts';
import type { Chat, Message } from '../domain/model.ts';
import type { AttachmentManifest } from '../delivery/payloads.ts';
import type { Repositories } from '../store/store.ts';
import { requireChat, viewOne, type MessagingContext, type Outbound } from './messaging-context.ts';
import { viewMessage } from './message-view.ts';

/**
 * A resent message (same id) is answered with what was stored the first time, so a client may
 * retry a send it saw no answer to; the same id for different content is a conflict.
 */
function alreadySent(repos: Repositories, input: SendMessageInput): Message | undefined {
  if (!input.id) return undefined;
  const existing = repos.messages.get(input.id);
  if (!existing) return undefined;
  if (existing.chat_id === input.chat_id && existing.text === input.text) return existing;
  throw new MessageIdConflictError(`message id ${input.id} is already used by a different message`);
}

interface Stored {
  readonly message: Message;
  /** False when the message was there already (a resend). */
  readonly created: boolean;
  /** What the outbound queue does once the transaction committed. */
  readonly after: (() => void) | undefined;
}

/** A reply answers a message of the same chat that is still there. */
function checkReplyTarget(repos: Repositories, chat: Chat, replyTo: string | undefined): void {
  if (!replyTo) return;
  const original = repos.messages.get(replyTo);
  if (!original || original.chat_id !== chat.chat_id) throw new ValidationError(`reply_to: no message ${replyTo} in this chat`, [{ path: 'reply_to', message: 'no such message in this chat' }]);
  if (original.deleted_at !== null) throw new MessageDeletedError('a deleted message cannot be replied to');
}

function storeMessage(context: MessagingContext, repos: Repositories, input: SendMessageInput, outbound: Outbound | undefined, manifests: readonly AttachmentManifest[]): Stored {
  const chat: Chat = requireChat(repos, input.chat_id);
  const existing = alreadySent(repos, input);
  if (existing) return { message: existing, created: false, after: undefined };
  checkReplyTarget(repos, chat, input.reply_to);
  const at = context.now();
  const row = {
    id: input.id ?? context.newMessageId(),
    chat_id: chat.chat_id,
    sender: chat.identity_id,
    text: input.text,
    sent_at: at,
    received_at: at,
    // Self and channel chats have no remote members: the message is complete once stored.
    status: outbound ? ('pending' as const) : ('local' as const),
    envelope_hash: null,
    reply_to: input.reply_to ?? null,
    // The chat's timer when it was sent; the other side counts the same seconds.
    expires_at: chat.disappearing_seconds > 0 ? at + chat.disappearing_seconds * 1000 : null,
  };
  const seq = repos.messages.insert(row);
  repos.conversations.recordMessage(chat.chat_id, seq, at, 0);
  if (input.market) repos.marketRefs.set(row.id, chat.chat_id, input.market);
  // Sending in a chat is done with its draft.
  if (chat.draft !== '') repos.conversations.update(chat.chat_id, { draft: '' });
  context.attachments?.bind(repos, manifests, row.id, !outbound);
  const message: Message = viewMessage(repos, context.attachments, { ...row, seq, edited_at: null, deleted_at: null });
  return { message, created: true, after: outbound?.queue(repos, chat, message, manifests) };
}

export function sendMessage(context: MessagingContext): (input: SendMessageInput) => Promise<Message> {
  const { store, events } = context;
  return async (input) => {
    const chatBefore = requireChat(store.repos, input.chat_id);
    const networked = chatBefore.kind === 'direct' || chatBefore.kind === 'group';
    const outbound = networked ? context.outbound(chatBefore) : undefined;
    if (networked && !outbound) throw new NetworkDisabledError('this node has peer-to-peer networking switched off (server.p2p_enabled)');
    const existing = alreadySent(store.repos, input);
    if (existing) return viewOne(context, existing);
    if (input.attachments.length > 0 && !context.attachments) throw new ValidationError('attachments: this node cannot store attachments');
    // Encrypting attachments takes time: done before the transaction, which stays short.
    const manifests = input.attachments.length > 0 ? await context.attachments!.seal(input.attachments) : [];
    const stored = await store.write((repos) => storeMessage(context, repos, input, outbound, manifests));
    const full = viewOne(context, stored.message);
    if (stored.created) {
      events.emit('message.created', full);
      stored.after?.();
    }
    return full;
  };
}
