import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createEventBus } from '../../events/event-bus.ts';
import { applyEarlyUpdates, applyIncomingUpdate } from '../../messaging/incoming-updates.ts';
import type { ChangeDeps } from '../../messaging/message-changes.ts';
import { storeIncoming } from '../../messaging/incoming.ts';
import type { Store } from '../../store/store.ts';
import { openTempStore } from '../helpers/store.ts';
import type { NodeEvent } from '../../domain/events.ts';

const ALICE = 'aa'.repeat(32);
const BOB = 'bb'.repeat(32);
const MALLORY = 'cc'.repeat(32);
const HOUR = 3600_000;
const T0 = 1_900_000_000_000;

/** A store with one local identity (Bob), a chat with Alice and one message of hers. */
function setUp(): { store: Store; deps: ChangeDeps; seen: NodeEvent[]; chatId: string; messageId: string } {
  const store = openTempStore();
  const seen: NodeEvent[] = [];
  const events = createEventBus((err) => {
    throw err;
  });
  events.subscribe((e) => seen.push(e));
  const deps: ChangeDeps = { events, files: undefined };
  const chatId = 'd-chat';
  const messageId = '00000000-0000-4000-8000-000000000001';
  store.transaction((repos) => {
    repos.identities.insert({ id: BOB, username: 'bob', public_key: new Uint8Array(32), sealed_secret_key: new Uint8Array(48), key_protection: 'node-secret', kdf_params: null, is_default: true, created_at: T0 });
    repos.conversations.insert({ id: chatId, kind: 'direct', title: 'Alice', identity_id: BOB, created_at: T0, peer_identity: ALICE });
    storeIncoming(repos, { register: () => () => undefined, withAttachments: (_r, m) => [...m] }, { id: messageId, chatId, sender: ALICE, text: 'original', sentAt: T0, at: T0, manifests: undefined });
  });
  return { store, deps, seen, chatId, messageId };
}

describe('updates from peers', () => {
  it("refuses a forged edit or delete of someone else's message, one from another chat, and one after the 24-hour window", () => {
    const { store, deps, chatId, messageId } = setUp();
    try {
      const apply = (sender: string, update: Parameters<typeof applyIncomingUpdate>[3], chat = chatId) =>
        store.transaction((repos) => applyIncomingUpdate(repos, deps, { chatId: chat, sender, local: BOB, receivedAt: T0 + HOUR }, update))?.();
      apply(MALLORY, { k: 'edit', id: messageId, text: 'forged', at: T0 + 1000 });
      apply(MALLORY, { k: 'del', id: messageId, at: T0 + 1000 });
      apply(ALICE, { k: 'edit', id: messageId, text: 'wrong chat', at: T0 + 1000 }, 'g-other');
      apply(ALICE, { k: 'edit', id: messageId, text: 'too late', at: T0 + 25 * HOUR });
      apply(ALICE, { k: 'del', id: messageId, at: T0 + 25 * HOUR });
      let message = store.repos.messages.get(messageId)!;
      assert.equal(message.text, 'original');
      assert.equal(message.deleted_at, null);

      apply(ALICE, { k: 'edit', id: messageId, text: 'second', at: T0 + 2000 });
      apply(ALICE, { k: 'edit', id: messageId, text: 'older than the second', at: T0 + 1500 });
      message = store.repos.messages.get(messageId)!;
      assert.equal(message.text, 'second', 'an edit that arrives late does not undo a newer one');
      assert.deepEqual(store.repos.messages.revisions(message.seq).map((r) => r.text), ['original']);
      for (let i = 0; i < 12; i++) apply(ALICE, { k: 'edit', id: messageId, text: `edit ${i}`, at: T0 + 3000 + i });
      assert.equal(store.repos.messages.get(messageId)!.text, 'edit 8', 'at most 10 edits');

      apply(ALICE, { k: 'del', id: messageId, at: T0 + 5000 });
      message = store.repos.messages.get(messageId)!;
      assert.equal(message.text, '');
      assert.ok(message.deleted_at !== null);
      assert.deepEqual(store.repos.messages.revisions(message.seq), [], 'the history goes with it');
    } finally {
      store.stop();
    }
  });

  it('keeps one reaction per person, the newest; a removal takes it back', () => {
    const { store, deps, chatId, messageId } = setUp();
    try {
      const react = (sender: string, e: string, at: number) =>
        store.transaction((repos) => applyIncomingUpdate(repos, deps, { chatId, sender, local: BOB, receivedAt: at }, { k: 'react', id: messageId, e, at }))?.();
      react(ALICE, '👍', T0 + 1);
      react(ALICE, '❤️', T0 + 2);
      react(ALICE, '😂', T0 + 1);
      react(MALLORY, '👍', T0 + 3);
      assert.deepEqual([...store.repos.reactions.forMessages(chatId, [messageId]).get(messageId)!], [
        { emoji: '❤️', count: 1, reactors: [ALICE] },
        { emoji: '👍', count: 1, reactors: [MALLORY] },
      ]);
      react(ALICE, '', T0 + 4);
      assert.deepEqual(store.repos.reactions.forMessages(chatId, [messageId]).get(messageId), [{ emoji: '👍', count: 1, reactors: [MALLORY] }]);
      assert.equal(store.repos.reactions.forMessages('another-chat', [messageId]).size, 0, 'reactions belong to their chat');
    } finally {
      store.stop();
    }
  });

  it('holds an edit and a delete that arrive before their message, and applies them when it comes (only the author’s)', () => {
    const { store, deps, chatId } = setUp();
    try {
      const early = '00000000-0000-4000-8000-000000000002';
      store.transaction((repos) => {
        applyIncomingUpdate(repos, deps, { chatId, sender: MALLORY, local: BOB, receivedAt: T0 }, { k: 'del', id: early, at: T0 + 10 });
        applyIncomingUpdate(repos, deps, { chatId, sender: ALICE, local: BOB, receivedAt: T0 }, { k: 'edit', id: early, text: 'edited before it came', at: T0 + 10 });
      });
      const after = store.transaction((repos) => {
        const { message } = storeIncoming(repos, { register: () => () => undefined, withAttachments: (_r, m) => [...m] }, { id: early, chatId, sender: ALICE, text: 'late', sentAt: T0, at: T0 + 20, manifests: undefined });
        return applyEarlyUpdates(repos, deps, message, BOB);
      });
      after?.();
      const message = store.repos.messages.get(early)!;
      assert.equal(message.text, 'edited before it came');
      assert.equal(message.deleted_at, null, "Mallory's early delete of Alice's message was not applied");
    } finally {
      store.stop();
    }
  });

  it('a timer change sets the chat’s timer; typing is announced, never stored', () => {
    const { store, deps, seen, chatId } = setUp();
    try {
      store.transaction((repos) => applyIncomingUpdate(repos, deps, { chatId, sender: ALICE, local: BOB, receivedAt: T0 }, { k: 'timer', s: 3600, at: T0 }))?.();
      assert.equal(store.repos.conversations.get(chatId)!.disappearing_seconds, 3600);
      store.transaction((repos) => applyIncomingUpdate(repos, deps, { chatId, sender: ALICE, local: BOB, receivedAt: T0 }, { k: 'typing', on: true }))?.();
      assert.deepEqual(seen.filter((e) => e.type === 'typing.changed').map((e) => e.data), [{ chat_id: chatId, sender: ALICE, typing: true }]);
    } finally {
      store.stop();
    }
  });
});
