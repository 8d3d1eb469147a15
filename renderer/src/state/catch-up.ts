import type { Message } from '../../../node-core/api/contract.ts';
import { loadSettings, useMessaging } from './messaging.ts';
import { PAGE, useApp } from './store.ts';

const newestSeq = (items: readonly Message[] | undefined) => items?.at(-1)?.seq ?? 0;

/**
 * The event stream is back after a break (the node restarted, the network dropped). What
 * happened meanwhile (mail caught up from relays, edits, deletes, messages that expired) was
 * announced to nobody, so the view is read again rather than trusted: chats, people, the node,
 * the privacy settings, and the open conversation's newest page. Other conversations' pages
 * are dropped; they load again when opened.
 */
export async function catchUp(): Promise<void> {
  const app = useApp.getState();
  if (!app.client) return;
  const chatId = app.currentChatId;
  // What arrives by event while the page is on its way is newer than this and stays.
  const knownSeq = chatId ? newestSeq(app.messages[chatId]?.items) : 0;
  const [page] = await Promise.all([
    chatId ? app.client.call('messages.list', { chat_id: chatId, limit: PAGE }) : undefined,
    app.loadChats(),
    app.loadPeople(),
    app.loadNode(),
    loadSettings(),
  ]);
  // Another chat opened meanwhile: read again for that one.
  if (useApp.getState().currentChatId !== chatId) return catchUp();
  useApp.setState((s) => {
    if (!chatId || !page) return { messages: {} };
    const after = Math.max(knownSeq, newestSeq(page.messages));
    const later = (s.messages[chatId]?.items ?? []).filter((m) => m.seq > after);
    return { messages: { [chatId]: { items: [...page.messages, ...later], nextBefore: page.next_before, loadingOlder: false } } };
  });
  // The newest page is loaded: nothing newer to fetch after a jump back in history.
  if (chatId) useMessaging.setState((s) => ({ nextAfter: { ...s.nextAfter, [chatId]: null } }));
}
