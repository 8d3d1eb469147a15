import { NetworkDisabledError, PinLimitReachedError } from '../domain/errors.ts';
import { MAX_PINNED_CHATS, type UpdateChatInput } from '../domain/inputs.ts';
import type { Chat } from '../domain/model.ts';
import type { Repositories } from '../store/store.ts';
import { requireChat, type MessagingContext, type MessagingService } from './messaging-context.ts';
import { readPrivacy, writePrivacy } from './privacy.ts';

type ChatSettingMethods = Pick<MessagingService, 'updateChat' | 'setTyping' | 'privacy' | 'updatePrivacy'>;

const isNetworked = (chat: Chat) => chat.kind === 'direct' || chat.kind === 'group';

function applySettings(context: MessagingContext, repos: Repositories, input: UpdateChatInput): { chat: Chat; after: (() => void) | undefined } {
  const chat = requireChat(repos, input.chat_id);
  const pinned = input.pinned === undefined ? undefined : input.pinned && input.archived !== true;
  if (pinned && !chat.pinned && repos.conversations.pinned(false).length + repos.conversations.pinned(true).length >= MAX_PINNED_CHATS) {
    throw new PinLimitReachedError(`at most ${MAX_PINNED_CHATS} chats can be pinned; unpin one first`);
  }
  repos.conversations.update(chat.chat_id, {
    muted_until: input.muted_until,
    // Archiving unpins, as in Signal.
    archived: input.archived,
    pinned_at: pinned === undefined ? (input.archived ? null : undefined) : pinned ? context.now() : null,
    draft: input.draft,
  });
  let after: (() => void) | undefined;
  if (input.disappearing_seconds !== undefined && input.disappearing_seconds !== chat.disappearing_seconds) {
    repos.conversations.update(chat.chat_id, { disappearing_seconds: input.disappearing_seconds });
    // Both sides keep the same timer: a change here is sent to the other side(s).
    if (isNetworked(chat)) {
      const outbound = context.outbound(chat);
      if (!outbound) throw new NetworkDisabledError('this node has peer-to-peer networking switched off (server.p2p_enabled)');
      after = outbound.queueUpdate(repos, chat, { k: 'timer', s: input.disappearing_seconds, at: context.now() });
    }
  }
  return { chat: requireChat(repos, chat.chat_id), after };
}

/** Per-chat choices (timer, mute, archive, pin, draft), typing, and the node's privacy settings. */
export function chatSettingMethods(context: MessagingContext): ChatSettingMethods {
  const { store, events } = context;
  return {
    async updateChat(input) {
      const { chat, after } = await store.write((repos) => applySettings(context, repos, input));
      after?.();
      events.emit('chat.updated', chat);
      return chat;
    },

    async setTyping(input) {
      const repos = store.repos;
      const chat = requireChat(repos, input.chat_id);
      // Off means neither sent nor shown; local chats have nobody to tell.
      if (!isNetworked(chat) || !readPrivacy(repos).typing_indicators) return { sent: false };
      const outbound = context.outbound(chat);
      if (!outbound) return { sent: false };
      const after = await store.write((w) => outbound.queueUpdate(w, chat, { k: 'typing', on: input.typing }));
      after();
      return { sent: true };
    },

    privacy: () => readPrivacy(store.repos),

    async updatePrivacy(change) {
      const next = await store.write((repos) => writePrivacy(repos, change));
      events.emit('settings.updated', next);
      return next;
    },
  };
}
