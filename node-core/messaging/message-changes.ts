import type { AfterCommit } from '../delivery/delivery-service.ts';
import type { Message } from '../domain/model.ts';
import type { EventBus } from '../events/event-bus.ts';
import type { Repositories } from '../store/store.ts';
import { viewMessage, type AttachmentsView } from './message-view.ts';

/** What removing a message's content needs of the attachment service. */
export interface MessageFiles extends AttachmentsView {
  /** Forgets a message's attachments (inside the transaction); files and transfers go after commit. */
  purge(repos: Repositories, messageId: string, local: string): AfterCommit;
}

/** What changing stored messages needs: where to announce, and the attachments. */
export interface ChangeDeps {
  readonly events: EventBus;
  readonly files: MessageFiles | undefined;
}

/** Announces a message as it is now, after commit. */
export function announce(repos: Repositories, deps: ChangeDeps, seq: number): AfterCommit {
  const message = viewMessage(repos, deps.files, repos.messages.getBySeq(seq)!);
  return () => deps.events.emit('message.updated', message);
}

export function editMessage(repos: Repositories, deps: ChangeDeps, message: Message, text: string, at: number): AfterCommit {
  repos.messages.editText(message.seq, text, at);
  return announce(repos, deps, message.seq);
}

/** Deleted for everyone: the text, its history and index entry, reactions and files are gone; the row says it was there. */
export function eraseMessage(repos: Repositories, deps: ChangeDeps, message: Message, at: number, local: string): AfterCommit {
  repos.messages.markDeleted(message.seq, at);
  repos.reactions.removeAll(message.id);
  const purge = deps.files?.purge(repos, message.id, local);
  const shown = announce(repos, deps, message.seq);
  return () => {
    purge?.();
    shown();
  };
}

/** Gone for good (it disappeared): the row too, and the chat's preview and unread count follow. */
export function removeMessage(repos: Repositories, deps: ChangeDeps, message: Message, local: string): AfterCommit {
  repos.reactions.removeAll(message.id);
  const purge = deps.files?.purge(repos, message.id, local);
  repos.messages.remove(message.seq);
  const unread = message.sender !== local && message.status !== 'read' ? 1 : 0;
  const newest = repos.messages.newest(message.chat_id);
  repos.conversations.setLastMessage(message.chat_id, newest?.seq ?? null, newest?.received_at ?? null, unread);
  const chat = repos.conversations.get(message.chat_id);
  return () => {
    purge?.();
    deps.events.emit('message.removed', { id: message.id, chat_id: message.chat_id });
    if (chat) deps.events.emit('chat.updated', chat);
  };
}

/** Sets or takes back one person's reaction; announces the message when it is here. */
export function react(repos: Repositories, deps: ChangeDeps, change: { chatId: string; messageId: string; reactor: string; emoji: string; at: number }): AfterCommit | void {
  const changed =
    change.emoji === ''
      ? repos.reactions.remove(change.messageId, change.reactor, change.at)
      : repos.reactions.set(change.chatId, change.messageId, change.reactor, change.emoji, change.at);
  const message = repos.messages.get(change.messageId);
  if (!changed || !message || message.chat_id !== change.chatId) return;
  return announce(repos, deps, message.seq);
}

export const afterAll =
  (steps: ReadonlyArray<AfterCommit | void | undefined>): AfterCommit =>
  () => {
    for (const step of steps) step?.();
  };
