import { CLOCK_SKEW_MS, DELETE_WINDOW_MS, EDIT_WINDOW_MS, MAX_EDITS } from '../domain/inputs.ts';
import type { Message } from '../domain/model.ts';
import type { Repositories } from '../store/store.ts';

/**
 * Who may change a message, and until when — the same rules for our own actions (which fail
 * with a named error) and for updates from peers (which are dropped). Times are the author's
 * claims, checked against the message's own sent time with some clock skew allowed, as Signal
 * does: an edit or delete for everyone within 24 hours of sending, at most 10 edits.
 */
export type UpdateRefusal = 'other-chat' | 'not-author' | 'deleted' | 'window' | 'too-many' | 'stale';

const outside = (message: Message, at: number, window: number): boolean => at - message.sent_at > window + CLOCK_SKEW_MS || at + CLOCK_SKEW_MS < message.sent_at;

export function editRefusal(repos: Repositories, message: Message, by: { chatId: string; sender: string; at: number }): UpdateRefusal | undefined {
  if (message.chat_id !== by.chatId) return 'other-chat';
  if (message.sender !== by.sender) return 'not-author';
  if (message.deleted_at !== null) return 'deleted';
  if (outside(message, by.at, EDIT_WINDOW_MS)) return 'window';
  if (repos.messages.editCount(message.seq) >= MAX_EDITS) return 'too-many';
  // An edit older than the text we show (they arrived out of order) changes nothing.
  if (message.edited_at !== null && by.at <= message.edited_at) return 'stale';
  return undefined;
}

export function deleteRefusal(message: Message, by: { chatId: string; sender: string; at: number }): UpdateRefusal | undefined {
  if (message.chat_id !== by.chatId) return 'other-chat';
  if (message.sender !== by.sender) return 'not-author';
  if (outside(message, by.at, DELETE_WINDOW_MS)) return 'window';
  return undefined;
}

export const REFUSALS: Record<UpdateRefusal, string> = {
  'other-chat': 'that message is in another chat',
  'not-author': 'only the author of a message can change it for everyone',
  deleted: 'a deleted message cannot be edited',
  window: 'messages can be edited or deleted for everyone only within 24 hours of sending',
  'too-many': 'a message can be edited at most 10 times',
  stale: 'a newer edit is already shown',
};
