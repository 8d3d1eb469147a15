import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createStore } from 'zustand/vanilla';
import type { Chat, Message } from '../../node-core/api/contract.ts';
import { startLocalExpiry } from '../../renderer/src/state/local-expiry.ts';
import type { AppState } from '../../renderer/src/state/store.ts';

/** The slice of the app's store the sweep uses (the app's own store loads its translations as JSON modules, which plain Node does not import). */
type Slice = Pick<AppState, 'messages' | 'chats' | 'upsertChat'>;
const useApp = createStore<Slice>()((set) => ({
  messages: {},
  chats: [],
  upsertChat: (chat) => set((s) => ({ chats: [chat, ...s.chats.filter((c) => c.chat_id !== chat.chat_id)] })),
}));
/** As the app removes a message the node says is gone (messaging.ts, removeMessage). */
const remove = (chatId: string, id: string) =>
  useApp.setState((s) => ({ messages: { ...s.messages, [chatId]: { ...s.messages[chatId]!, items: s.messages[chatId]!.items.filter((m) => m.id !== id) } } }));

const CHAT = 'chat-1';
const message = (seq: number, text: string, expires_at: number | null): Message =>
  ({ seq, id: `m${seq}`, chat_id: CHAT, sender: 'someone', text, sent_at: seq, received_at: seq, status: 'delivered', edited_at: null, deleted_at: null, reply_to: null, expires_at, reactions: [] }) as unknown as Message;
const chat = (last: Message): Chat =>
  ({ chat_id: CHAT, title: 'Bob', kind: 'direct', pinned: false, archived: false, muted: false, unread_count: 0, created_at: 0, last_message_at: last.sent_at, last_message: { id: last.id, sender: last.sender, text: last.text, at: last.sent_at, deleted: false } }) as unknown as Chat;
const shown = () => useApp.getState().messages[CHAT]!.items.map((m) => m.text);
const until = async (what: string, check: () => boolean) => {
  for (let i = 0; i < 400 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(check(), what);
};

describe('disappearing messages leave the screen at their time, with or without the node', () => {
  it('removes each loaded message at its expiry, and a chat whose last message went previews the newest one left', async () => {
    const t = Date.now();
    const kept = message(1, 'kept', null);
    const soon = message(2, 'soon gone', t + 50);
    // Far enough behind the others that a busy CI machine cannot run past it before the check
    // that it is still there (150 ms failed one CI run).
    const later = message(3, 'gone later', t + 1500);
    useApp.setState({ messages: { [CHAT]: { items: [kept, soon, later], nextBefore: null, loadingOlder: false } }, chats: [chat(later)] });
    const stop = startLocalExpiry(useApp, remove);
    try {
      assert.deepEqual(shown(), ['kept', 'soon gone', 'gone later'], 'nothing goes before its time');
      await until('the first to go at its time', () => shown().length === 2);
      assert.deepEqual(shown(), ['kept', 'gone later']);
      assert.equal(useApp.getState().chats[0]!.last_message?.id, later.id, 'the preview stays while its message does');
      // A message that arrives later with a sooner expiry is scheduled too.
      const sooner = message(4, 'soonest', Date.now() + 20);
      useApp.setState((s) => ({ messages: { [CHAT]: { ...s.messages[CHAT]!, items: [...s.messages[CHAT]!.items, sooner] } } }));
      await until('the newcomer to go', () => !shown().includes('soonest'));
      assert.ok(shown().includes('gone later'), 'the later one is still there');
      await until('the last to go', () => shown().length === 1);
      assert.deepEqual(shown(), ['kept']);
      assert.equal(useApp.getState().chats[0]!.last_message?.text, 'kept', 'the preview is the newest message left');
    } finally {
      stop();
    }
  });

  it('stops: nothing is removed after', async () => {
    const gone = message(1, 'would go', Date.now() + 30);
    useApp.setState({ messages: { [CHAT]: { items: [gone], nextBefore: null, loadingOlder: false } }, chats: [] });
    startLocalExpiry(useApp, remove)();
    await new Promise((r) => setTimeout(r, 80));
    assert.deepEqual(shown(), ['would go']);
  });
});
