import type { LastMessage, Message } from '../../../node-core/api/contract.ts';
import type { AppState } from './store.ts';

/** What the sweep needs of the app's store (useApp): the loaded messages and the chat list. */
export interface ExpiryStore {
  getState(): Pick<AppState, 'messages' | 'chats' | 'upsertChat'>;
  subscribe(listener: (state: Pick<AppState, 'messages'>, before: Pick<AppState, 'messages'>) => void): () => void;
}

/** setTimeout's longest delay (about 24.8 days; a 4-week timer is longer). */
const MAX_DELAY_MS = 2 ** 31 - 1;

/** The soonest expiry among a chat's loaded messages, remembered per list (lists are replaced, never changed in place). */
const soonestOf = new WeakMap<readonly Message[], number>();
function soonest(items: readonly Message[]): number {
  let at = soonestOf.get(items);
  if (at === undefined) {
    at = Number.POSITIVE_INFINITY;
    for (const m of items) if (m.expires_at !== null && m.expires_at < at) at = m.expires_at;
    soonestOf.set(items, at);
  }
  return at;
}

const preview = (m: Message | undefined): LastMessage | null =>
  m ? { id: m.id, sender: m.sender, text: m.deleted_at === null ? m.text.slice(0, 200) : '', at: m.sent_at, deleted: m.deleted_at !== null } : null;

/**
 * Disappearing messages leave the screen at their time even while the node cannot say so (its
 * event stream is down: the node restarting, the network gone), as Signal's timers run in the
 * app. The node removes them from its store at that time too, and when connected announces it
 * itself; removing a message twice is harmless. A chat whose last message went shows the newest
 * one still loaded until the node's own list is read again (see catch-up.ts).
 */
export function startLocalExpiry(store: ExpiryStore, remove: (chatId: string, id: string) => void, now: () => number = Date.now): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let wakeAt = Number.POSITIVE_INFINITY;

  // After a sweep, something still due was not removable: look again in a second, not in a busy loop.
  const schedule = (minDelay = 0) => {
    const next = Math.min(...Object.values(store.getState().messages).map((chat) => soonest(chat.items)));
    if (next === wakeAt) return;
    clearTimeout(timer);
    wakeAt = next;
    if (next === Number.POSITIVE_INFINITY) return;
    const delay = next - now();
    timer = setTimeout(sweep, delay > 0 ? Math.min(MAX_DELAY_MS, delay) : minDelay);
  };

  function sweep() {
    wakeAt = Number.POSITIVE_INFINITY;
    const t = now();
    for (const [chatId, chat] of Object.entries(store.getState().messages)) {
      if (soonest(chat.items) > t) continue;
      const gone = chat.items.filter((m) => m.expires_at !== null && m.expires_at <= t);
      for (const m of gone) remove(chatId, m.id);
      const row = store.getState().chats.find((c) => c.chat_id === chatId);
      if (row?.last_message && gone.some((m) => m.id === row.last_message!.id)) {
        store.getState().upsertChat({ ...row, last_message: preview(store.getState().messages[chatId]?.items.at(-1)) });
      }
    }
    schedule(1000);
  }

  const unsubscribe = store.subscribe((state, before) => {
    if (state.messages !== before.messages) schedule();
  });
  schedule();
  return () => {
    unsubscribe();
    clearTimeout(timer);
  };
}
