import type { AfterCommit } from '../delivery/delivery-service.ts';
import type { ChatUpdate } from '../delivery/payloads.ts';
import type { Message } from '../domain/model.ts';
import type { Repositories } from '../store/store.ts';
import { afterAll, editMessage, eraseMessage, react, type ChangeDeps } from './message-changes.ts';
import { readPrivacy } from './privacy.ts';
import { deleteRefusal, editRefusal } from './update-rules.ts';

/** Where an update came from: the chat it was sent in and its authenticated sender. */
export interface UpdateOrigin {
  readonly chatId: string;
  readonly sender: string;
  /** Our identity in that chat. */
  readonly local: string;
  readonly receivedAt: number;
}

/**
 * Applies an update from a peer, inside the receiving transaction. Whatever the rules refuse
 * (someone else's message, too late, another chat) is dropped: the sender's node refuses the
 * same for its own user, so only a modified or malicious client sends such updates.
 */
export function applyIncomingUpdate(repos: Repositories, deps: ChangeDeps, origin: UpdateOrigin, update: ChatUpdate): AfterCommit | void {
  const { chatId, sender } = origin;
  switch (update.k) {
    case 'react':
      return react(repos, deps, { chatId, messageId: update.id, reactor: sender, emoji: update.e, at: update.at });
    case 'edit':
    case 'del':
      return applyChange(repos, deps, origin, update);
    case 'timer': {
      repos.conversations.update(chatId, { disappearing_seconds: update.s });
      const chat = repos.conversations.get(chatId)!;
      return () => deps.events.emit('chat.updated', chat);
    }
    case 'typing':
      if (!readPrivacy(repos).typing_indicators) return;
      return () => deps.events.emit('typing.changed', { chat_id: chatId, sender, typing: update.on });
  }
}

function applyChange(repos: Repositories, deps: ChangeDeps, origin: UpdateOrigin, update: Extract<ChatUpdate, { k: 'edit' | 'del' }>): AfterCommit | void {
  const message = repos.messages.get(update.id);
  const by = { chatId: origin.chatId, sender: origin.sender, at: update.at };
  if (!message) {
    // The message itself comes later (another path, or out of order): keep the change for it.
    repos.earlyUpdates.put({
      message_id: update.id,
      kind: update.k === 'edit' ? 'edit' : 'delete',
      chat_id: origin.chatId,
      sender: origin.sender,
      text: update.k === 'edit' ? update.text : null,
      at: update.at,
      received_at: origin.receivedAt,
    });
    return;
  }
  if (update.k === 'del') {
    if (message.deleted_at !== null || deleteRefusal(message, by)) return;
    return eraseMessage(repos, deps, message, update.at, origin.local);
  }
  if (editRefusal(repos, message, by)) return;
  return editMessage(repos, deps, message, update.text, update.at);
}

/** Changes that arrived before this message, now that it is stored. */
export function applyEarlyUpdates(repos: Repositories, deps: ChangeDeps, message: Message, local: string): AfterCommit | void {
  const early = repos.earlyUpdates.take(message.id);
  if (early.length === 0) return;
  const steps: Array<AfterCommit | void> = [];
  // A delete wins over an edit that came with it.
  const ordered = [...early].sort((a, b) => (a.kind === b.kind ? 0 : a.kind === 'edit' ? -1 : 1));
  for (const update of ordered) {
    const current = repos.messages.get(message.id)!;
    const by = { chatId: update.chat_id, sender: update.sender, at: update.at };
    if (update.kind === 'delete' && !deleteRefusal(current, by)) steps.push(eraseMessage(repos, deps, current, update.at, local));
    if (update.kind === 'edit' && update.text !== null && !editRefusal(repos, current, by)) steps.push(editMessage(repos, deps, current, update.text, update.at));
  }
  return afterAll(steps);
}
