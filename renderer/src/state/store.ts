import i18next from 'i18next';
import { create } from 'zustand';
import type {
  ApiEvent,
  Chat,
  Contact,
  GroupInfo,
  Identity,
  Message,
  NodeStatus,
  PeerInfo,
  RelayFigures,
  RelayList,
} from '../../../node-core/api/contract.ts';
import type { ApiClient } from '../api/client.ts';
import { LANGUAGES } from '../i18n/index.ts';
import { mentionsUser } from '../mentions.ts';

/**
 * The UI's state, in slices: session (the client and who we are), chats, messages per chat,
 * people (contacts and groups), node (status, peers, relay), preferences (kept in this browser)
 * and ui (current view, open dialog, announcements for screen readers). Components read it
 * through selectors so each re-renders only for what it shows.
 */

export type View = 'chats' | 'contacts' | 'relay' | 'status' | 'settings' | 'bots' | 'wallet' | 'market';
export type Theme = 'light' | 'dark' | 'high-contrast';
export type DialogName = 'addContact' | 'safetyNumber' | 'newGroup' | 'groupMembers' | 'shortcuts';
/** Which of the chats view's two panes shows in the single-pane (narrow or zoomed) layout. */
export type ChatPane = 'list' | 'conversation';

export interface Preferences {
  readonly language: string;
  readonly theme: Theme;
  readonly reducedMotion: boolean;
  /** Percent of the default text size, 100 to 200. */
  readonly textSize: number;
}

interface MessagesOfChat {
  readonly items: readonly Message[];
  readonly nextBefore: number | null;
  readonly loadingOlder: boolean;
}

export interface AppState {
  // session
  client: ApiClient | null;
  connected: boolean;
  identities: readonly Identity[];
  identitiesLoaded: boolean;
  /** True from a first run without identities until onboarding finishes. */
  onboarding: boolean;
  // chats
  chats: readonly Chat[];
  currentChatId: string | null;
  chatFilter: string;
  /** In the single-pane layout: the chat list, or the open conversation (both show side by side when there is room). */
  chatPane: ChatPane;
  // messages
  messages: Readonly<Record<string, MessagesOfChat>>;
  // people
  contacts: readonly Contact[];
  groups: readonly GroupInfo[];
  // node
  status: NodeStatus | null;
  peers: readonly PeerInfo[];
  relay: RelayFigures | null;
  relays: RelayList['relays'];
  // preferences
  preferences: Preferences;
  // ui
  view: View;
  dialog: { name: DialogName; subject?: string } | null;
  /** The latest text for screen readers; seq tells two equal texts apart. */
  announcement: { readonly text: string; readonly seq: number } | null;
  error: string | null;

  setClient(client: ApiClient | null): void;
  /** Fetches the identities, or takes a list just fetched by someone else. */
  loadIdentities(known?: readonly Identity[]): Promise<void>;
  loadChats(): Promise<void>;
  openChat(chatId: string | null): Promise<void>;
  loadOlder(chatId: string): Promise<void>;
  send(chatId: string, text: string, attachmentIds?: string[]): Promise<void>;
  loadPeople(): Promise<void>;
  /** Takes what an action answered with, instead of reloading whole lists. */
  upsertChat(chat: Chat): void;
  upsertContact(contact: Contact): void;
  upsertGroup(group: GroupInfo): void;
  setRelayFigures(relay: RelayFigures): void;
  setRelays(relays: RelayList['relays']): void;
  loadNode(): Promise<void>;
  applyEvent(event: ApiEvent): void;
  setPreferences(change: Partial<Preferences>): void;
  setView(view: View): void;
  openDialog(name: DialogName, subject?: string): void;
  closeDialog(): void;
  announce(text: string): void;
  setError(message: string | null): void;
  setFilter(filter: string): void;
  setChatPane(pane: ChatPane): void;
  finishOnboarding(): void;
}

const PREFERENCES_KEY = 'dchat.preferences';

export const defaultPreferences = (): Preferences => {
  const language = typeof navigator !== 'undefined' ? (navigator.language ?? 'en').slice(0, 2) : 'en';
  return {
    language: LANGUAGES.some((l) => l.code === language) ? language : 'en',
    theme: typeof matchMedia !== 'undefined' && matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light',
    reducedMotion: typeof matchMedia !== 'undefined' && matchMedia('(prefers-reduced-motion: reduce)').matches,
    textSize: 100,
  };
};

function loadPreferences(): Preferences {
  try {
    const stored = JSON.parse(localStorage.getItem(PREFERENCES_KEY) ?? 'null') as Partial<Preferences> | null;
    return { ...defaultPreferences(), ...(stored ?? {}) };
  } catch {
    return defaultPreferences();
  }
}

export const PAGE = 50;
/** Older messages come in larger pages: scrolling back through a long chat needs fewer round trips. */
const OLDER_PAGE = 500;
/** Pinned chats first (as chats.list gives them), then by activity. */
const byActivity = (a: Chat, b: Chat) => Number(b.pinned) - Number(a.pinned) || (b.last_message_at ?? b.created_at) - (a.last_message_at ?? a.created_at);

export const useApp = create<AppState>()((set, get) => {
  const client = () => {
    const c = get().client;
    if (!c) throw new Error('not connected to a node');
    return c;
  };
  const upsertChat = (chat: Chat) =>
    set((s) => ({ chats: [chat, ...s.chats.filter((c) => c.chat_id !== chat.chat_id)].sort(byActivity) }));
  // New messages come last and updates are about recent ones: look from the end, not through 100,000.
  const upsertMessage = (message: Message) =>
    set((s) => {
      const current = s.messages[message.chat_id];
      if (!current) return {};
      const last = current.items[current.items.length - 1];
      const at = last && message.seq > last.seq ? -1 : current.items.findLastIndex((m) => m.id === message.id);
      // A message's marketplace reference never changes, but some updates (an attachment's download finishing) come without it: keep it.
      const before = at >= 0 ? current.items[at] : undefined;
      const next = before?.market && !message.market ? { ...message, market: before.market } : message;
      const items = at >= 0 ? current.items.with(at, next) : [...current.items, next];
      return { messages: { ...s.messages, [message.chat_id]: { ...current, items } } };
    });
  const upsertBy = <T>(list: readonly T[], item: T, same: (a: T, b: T) => boolean): T[] => {
    const at = list.findIndex((x) => same(x, item));
    return at >= 0 ? list.with(at, item) : [...list, item];
  };
  // A message from a chat we do not have yet (a new contact or group): fetch that chat, once.
  const fetchingChats = new Set<string>();
  const fetchChat = (chatId: string) => {
    if (fetchingChats.has(chatId)) return;
    fetchingChats.add(chatId);
    void client()
      .call('chats.get', { chat_id: chatId })
      .then(upsertChat, () => undefined)
      .finally(() => fetchingChats.delete(chatId));
  };

  return {
    client: null,
    connected: false,
    identities: [],
    identitiesLoaded: false,
    onboarding: false,
    chats: [],
    currentChatId: null,
    chatFilter: '',
    chatPane: 'list',
    messages: {},
    contacts: [],
    groups: [],
    status: null,
    peers: [],
    relay: null,
    relays: [],
    preferences: loadPreferences(),
    view: 'chats',
    dialog: null,
    announcement: null,
    error: null,

    setClient: (c) => set({ client: c, connected: c !== null }),

    async loadIdentities(known) {
      const identities = known ?? (await client().call('identities.list', {})).identities;
      set((s) => ({ identities, identitiesLoaded: true, onboarding: s.onboarding || (!s.identitiesLoaded && identities.length === 0) }));
    },

    async loadChats() {
      const chats: Chat[] = [];
      let cursor: string | undefined;
      do {
        const page = await client().call('chats.list', { limit: 1000, ...(cursor ? { cursor } : {}) });
        chats.push(...page.chats);
        cursor = page.next_cursor ?? undefined;
      } while (cursor);
      set({ chats });
    },

    async openChat(chatId) {
      set({ currentChatId: chatId, view: 'chats', chatPane: chatId ? 'conversation' : 'list' });
      if (!chatId) return;
      if (!get().messages[chatId]) {
        const page = await client().call('messages.list', { chat_id: chatId, limit: PAGE });
        set((s) => ({ messages: { ...s.messages, [chatId]: { items: page.messages, nextBefore: page.next_before, loadingOlder: false } } }));
      }
      const chat = get().chats.find((c) => c.chat_id === chatId);
      if (chat && chat.unread_count > 0) upsertChat(await client().call('chats.markRead', { chat_id: chatId }));
    },

    async loadOlder(chatId) {
      const current = get().messages[chatId];
      if (!current || current.loadingOlder || current.nextBefore === null) return;
      set((s) => ({ messages: { ...s.messages, [chatId]: { ...current, loadingOlder: true } } }));
      const page = await client().call('messages.list', { chat_id: chatId, limit: OLDER_PAGE, before: current.nextBefore });
      set((s) => {
        const now = s.messages[chatId]!;
        return { messages: { ...s.messages, [chatId]: { ...now, items: [...page.messages, ...now.items], nextBefore: page.next_before, loadingOlder: false } } };
      });
    },

    async send(chatId, text, attachmentIds = []) {
      const message = await client().call('messages.send', { chat_id: chatId, text, attachments: attachmentIds });
      upsertMessage(message);
    },

    async loadPeople() {
      const [contacts, groups] = await Promise.all([
        client().call('contacts.list', {}).catch(() => ({ contacts: [] })),
        client().call('groups.list', {}).catch(() => ({ groups: [] })),
      ]);
      set({ contacts: contacts.contacts, groups: groups.groups });
    },

    upsertChat: (chat) => upsertChat(chat),
    upsertContact: (contact) => set((s) => ({ contacts: upsertBy(s.contacts, contact, (a, b) => a.identity_key === b.identity_key && a.local_identity === b.local_identity) })),
    upsertGroup: (group) => set((s) => ({ groups: upsertBy(s.groups, group, (a, b) => a.group_id === b.group_id) })),
    setRelayFigures: (relay) => set({ relay }),
    setRelays: (relays) => set({ relays }),

    async loadNode() {
      const [status, peers, relay, relays] = await Promise.all([
        client().call('node.status', {}),
        client().call('node.peers', {}),
        client().call('relay.status', {}).catch(() => null),
        client().call('relays.list', {}).catch(() => ({ relays: [] })),
      ]);
      set({ status, peers: peers.peers, relay, relays: relays.relays });
    },

    applyEvent(event) {
      switch (event.type) {
        case 'message.created': {
          const message = event.data;
          upsertMessage(message);
          const state = get();
          const chat = state.chats.find((c) => c.chat_id === message.chat_id);
          const mine = state.identities.some((i) => i.id === message.sender);
          if (chat) {
            const viewing = state.currentChatId === message.chat_id && state.view === 'chats';
            const last_message = { id: message.id, sender: message.sender, text: message.text.slice(0, 200), at: message.sent_at, deleted: false };
            upsertChat({ ...chat, last_message, last_message_at: message.sent_at, unread_count: mine || viewing ? chat.unread_count : chat.unread_count + 1 });
            if (viewing && !mine) void state.client?.call('chats.markRead', { chat_id: chat.chat_id }).catch(() => undefined);
          } else fetchChat(message.chat_id);
          // A muted chat stays quiet, unless the message mentions one of our usernames.
          const mentioned = state.identities.some((i) => mentionsUser(message.text, i.username));
          if (!mine && (!chat?.muted || mentioned)) {
            const title = chat?.title ?? '';
            const file = message.attachments?.[0]?.name;
            get().announce(message.text || !file ? i18next.t('chat:announce.message', { chat: title, text: message.text }) : i18next.t('chat:announce.attachment', { chat: title, name: file }));
          }
          break;
        }
        case 'message.updated':
          upsertMessage(event.data);
          break;
        case 'chat.created': {
          const chat = event.data;
          upsertChat(chat);
          // A direct chat the node opened by itself (a marketplace order with a new seller) comes with a contact we do not list yet: read the people again, for its name.
          if (chat.peer_identity && !get().contacts.some((c) => c.identity_key === chat.peer_identity)) void get().loadPeople().catch(() => undefined);
          break;
        }
        case 'chat.updated':
          upsertChat(event.data);
          break;
        case 'identity.created':
        case 'identity.updated': {
          const identity = event.data;
          set((s) => ({ identities: upsertBy(s.identities, identity, (a, b) => a.id === b.id) }));
          break;
        }
      }
    },

    setPreferences(change) {
      const preferences = { ...get().preferences, ...change };
      try {
        localStorage.setItem(PREFERENCES_KEY, JSON.stringify(preferences));
      } catch {
        // private mode: preferences last for this session only
      }
      set({ preferences });
    },

    setView: (view) => set({ view }),
    openDialog: (name, subject) => set({ dialog: subject === undefined ? { name } : { name, subject } }),
    closeDialog: () => set({ dialog: null }),
    announce: (text) => set((s) => ({ announcement: { text, seq: (s.announcement?.seq ?? 0) + 1 } })),
    setError: (error) => set({ error }),
    setFilter: (chatFilter) => set({ chatFilter }),
    setChatPane: (chatPane) => set({ chatPane }),
    finishOnboarding: () => set({ onboarding: false }),
  };
});

/** The chats shown in the list: not archived (those have their own list), filtered by title. */
export const selectVisibleChats = (s: AppState): readonly Chat[] => {
  const filter = s.chatFilter.trim().toLowerCase();
  return s.chats.filter((c) => !c.archived && (!filter || c.title.toLowerCase().includes(filter)));
};
