import i18next from 'i18next';
import { create } from 'zustand';
import type { ApiEvent, Chat, Message, MessageQuote, MethodInput, PrivacySettings } from '../../../node-core/api/contract.ts';
import { describeError } from '../components/errors.ts';
import { useApp } from './store.ts';

/**
 * The messaging slice: what the conversation's message actions need besides the app store's
 * chats and messages — the reply being written and the message being edited, who is typing,
 * the privacy settings, the message to bring into view after a jump, and this slice's dialogs.
 * It writes messages and chats through the app store (one source of truth for both).
 */

export type MessagingDialogName = 'react' | 'delete' | 'history' | 'info' | 'disappearing' | 'newChat' | 'archived' | 'chatSearch';

export interface MessagingState {
  /** Per chat: the message the composer answers. */
  replyTo: Readonly<Record<string, Message | undefined>>;
  /** The message being edited inline. */
  editing: string | null;
  /** Per chat, per sender: until when they count as typing (epoch ms). */
  typing: Readonly<Record<string, Readonly<Record<string, number>>>>;
  settings: PrivacySettings | null;
  /** The message a jump brought into view (focused and outlined once). */
  target: { readonly chatId: string; readonly id: string; readonly seq: number } | null;
  /** Per chat, after a jump into older history: the cursor for newer messages (null once at the newest). */
  nextAfter: Readonly<Record<string, number | null>>;
  dialog: { readonly name: MessagingDialogName; readonly messageId?: string; readonly chatId?: string } | null;
}

/** How long a typing indicator lasts without a refresh (the sender refreshes about every 3 s). */
export const TYPING_SHOWN_MS = 5000;

export const useMessaging = create<MessagingState>()(() => ({
  replyTo: {},
  editing: null,
  typing: {},
  settings: null,
  target: null,
  nextAfter: {},
  dialog: null,
}));

const set = useMessaging.setState;
const client = () => {
  const c = useApp.getState().client;
  if (!c) throw new Error('not connected to a node');
  return c;
};
const t = (key: string, options: Record<string, unknown> = {}) => i18next.t(key, options);
const announce = (text: string) => useApp.getState().announce(text);

export const openMessagingDialog = (name: MessagingDialogName, subject: { messageId?: string; chatId?: string } = {}) => set({ dialog: { name, ...subject } });
export const closeMessagingDialog = () => set({ dialog: null });
export const setReplyTo = (chatId: string, message: Message | undefined) => set((s) => ({ replyTo: { ...s.replyTo, [chatId]: message } }));
export const setEditing = (id: string | null) => set({ editing: id });

/** Runs an action; a failure goes to the error banner and the live region. */
async function attempt<T>(action: () => Promise<T>): Promise<T | undefined> {
  try {
    return await action();
  } catch (err) {
    const text = describeError(err, i18next.t);
    useApp.getState().setError(text);
    announce(text);
    return undefined;
  }
}

const takeMessage = (message: Message | undefined) => {
  if (message) useApp.getState().applyEvent({ type: 'message.updated', data: message });
  return message;
};

export const findMessage = (chatId: string, id: string): Message | undefined => useApp.getState().messages[chatId]?.items.find((m) => m.id === id);

export async function react(id: string, emoji: string): Promise<void> {
  if (takeMessage(await attempt(() => client().call('messages.react', { id, emoji })))) announce(t('messaging:announce.reacted', { emoji }));
}
export async function unreact(id: string): Promise<void> {
  if (takeMessage(await attempt(() => client().call('messages.unreact', { id })))) announce(t('messaging:announce.unreacted'));
}
export async function editMessage(id: string, text: string): Promise<boolean> {
  const done = takeMessage(await attempt(() => client().call('messages.edit', { id, text })));
  if (done) {
    refreshQuotes(done.chat_id, id, done);
    announce(t('messaging:announce.edited'));
  }
  return done !== undefined;
}
export async function deleteMessage(message: Message, scope: 'everyone' | 'me'): Promise<void> {
  const done = await attempt(() => client().call('messages.delete', { id: message.id, for: scope }));
  if (!done) return;
  if (scope === 'me') removeMessage(message.chat_id, message.id);
  else takeMessage(done);
  refreshQuotes(message.chat_id, message.id, scope === 'me' ? null : done);
  announce(t(scope === 'me' ? 'messaging:announce.deletedForMe' : 'messaging:announce.deletedForEveryone'));
}

export async function sendMessage(input: MethodInput<'messages.send'>): Promise<Message> {
  const message = await client().call('messages.send', input);
  takeMessage(message);
  return message;
}

/** Changes a chat's settings (timer, mute, archive, pin, draft); answers the chat as it is now. */
export async function updateChat(change: MethodInput<'chats.update'>, announcement?: string): Promise<Chat | undefined> {
  const chat = await attempt(() => client().call('chats.update', change));
  if (chat) {
    useApp.getState().upsertChat(chat);
    if (announcement) announce(announcement);
  }
  return chat;
}

export function removeMessage(chatId: string, id: string): void {
  useApp.setState((s) => {
    const current = s.messages[chatId];
    if (!current?.items.some((m) => m.id === id)) return {};
    return { messages: { ...s.messages, [chatId]: { ...current, items: current.items.filter((m) => m.id !== id) } } };
  });
}

/**
 * Brings a message into view: opens its chat, and when the message is not among those loaded
 * (an old reply's original, a search result), loads the page around it instead.
 */
export async function jumpTo(chatId: string, id: string): Promise<boolean> {
  const app = useApp.getState();
  if (app.currentChatId !== chatId || app.view !== 'chats') await app.openChat(chatId);
  let message = findMessage(chatId, id);
  if (!message) {
    const page = await attempt(() => client().call('messages.list', { chat_id: chatId, around: id, limit: 50 }));
    message = page?.messages.find((m) => m.id === id);
    if (!page || !message) {
      announce(t('messaging:quote.notFound'));
      return false;
    }
    useApp.setState((s) => ({ messages: { ...s.messages, [chatId]: { items: page.messages, nextBefore: page.next_before, loadingOlder: false } } }));
    set((s) => ({ nextAfter: { ...s.nextAfter, [chatId]: page.next_after } }));
  }
  set({ target: { chatId, id, seq: message.seq } });
  return true;
}

const loadingNewer = new Set<string>();
/** After a jump back in history: the next newer page, until the newest is loaded again. */
export async function loadNewer(chatId: string): Promise<void> {
  const after = useMessaging.getState().nextAfter[chatId];
  if (after === null || after === undefined || loadingNewer.has(chatId)) return;
  loadingNewer.add(chatId);
  try {
    const page = await client().call('messages.list', { chat_id: chatId, after, limit: 200 });
    useApp.setState((s) => {
      const current = s.messages[chatId];
      if (!current) return {};
      const known = new Set(current.items.map((m) => m.id));
      return { messages: { ...s.messages, [chatId]: { ...current, items: [...current.items, ...page.messages.filter((m) => !known.has(m.id))] } } };
    });
    set((s) => ({ nextAfter: { ...s.nextAfter, [chatId]: page.next_after } }));
  } finally {
    loadingNewer.delete(chatId);
  }
}

export async function loadSettings(): Promise<void> {
  const settings = await attempt(() => client().call('settings.get', {}));
  if (settings) set({ settings });
}
/** Shows the change at once; puts the setting back if the node refuses it. */
export async function updateSettings(change: MethodInput<'settings.update'>): Promise<void> {
  const before = useMessaging.getState().settings;
  if (before) set({ settings: { ...before, ...change } });
  const settings = await attempt(() => client().call('settings.update', change));
  set({ settings: settings ?? before });
  if (settings) announce(t('messaging:announce.settingsSaved'));
}

/** Replies on screen quote a message as it is now: edited, deleted, or gone. */
function refreshQuotes(chatId: string, id: string, quoted: Message | null): void {
  const quote: MessageQuote = quoted
    ? { id, found: true, sender: quoted.sender, text: quoted.deleted_at === null ? quoted.text : '', deleted: quoted.deleted_at !== null, attachments: quoted.attachments?.length ?? 0 }
    : { id, found: false };
  useApp.setState((s) => {
    const current = s.messages[chatId];
    if (!current?.items.some((m) => m.quote?.id === id)) return {};
    return { messages: { ...s.messages, [chatId]: { ...current, items: current.items.map((m) => (m.quote?.id === id ? { ...m, quote } : m)) } } };
  });
}

/** The events this slice follows (the app store takes the rest). */
export function applyMessagingEvent(event: ApiEvent): void {
  switch (event.type) {
    case 'message.updated':
      refreshQuotes(event.data.chat_id, event.data.id, event.data);
      break;
    case 'message.removed':
      removeMessage(event.data.chat_id, event.data.id);
      refreshQuotes(event.data.chat_id, event.data.id, null);
      break;
    case 'typing.changed': {
      const { chat_id, sender, typing } = event.data;
      set((s) => {
        const inChat = { ...s.typing[chat_id] };
        if (typing) inChat[sender] = Date.now() + TYPING_SHOWN_MS;
        else delete inChat[sender];
        return { typing: { ...s.typing, [chat_id]: inChat } };
      });
      break;
    }
    case 'message.created': {
      // A message from someone ends their typing.
      const { chat_id, sender } = event.data;
      if (useMessaging.getState().typing[chat_id]?.[sender]) applyMessagingEvent({ type: 'typing.changed', data: { chat_id, sender, typing: false } });
      break;
    }
    case 'settings.updated':
      set({ settings: event.data });
      break;
  }
}

/** Mod+Shift+F: search the open chat. */
export function searchInChatShortcut(): void {
  const chatId = useApp.getState().currentChatId;
  if (chatId && useApp.getState().view === 'chats') openMessagingDialog('chatSearch', { chatId });
}

/** Alt+R: answer the message that has focus, else the newest message from someone else. */
export function replyShortcut(): void {
  const app = useApp.getState();
  const chatId = app.currentChatId;
  if (!chatId || app.view !== 'chats') return;
  const focused = document.activeElement?.closest<HTMLElement>('[data-message-id]')?.dataset.messageId;
  const items = app.messages[chatId]?.items ?? [];
  const message = focused ? findMessage(chatId, focused) : items.findLast((m) => m.deleted_at === null && !app.identities.some((i) => i.id === m.sender));
  if (!message || message.deleted_at !== null) return;
  setReplyTo(chatId, message);
  // Shows the conversation where the single-pane layout shows the list.
  void app.openChat(chatId);
  setTimeout(() => document.getElementById('composer-input')?.focus(), 0);
}
