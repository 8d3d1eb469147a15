import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ApiEvent, Message } from '../../api/contract.ts';
import type { ApiError } from '../../api/errors.ts';
import { verifyProfile } from '../../identity/profile-signature.ts';
import { hexToBytes } from '../../crypto/hex.ts';
import { rejectsWith, routerHarness } from '../helpers/router.ts';

describe('router validation', () => {
  it('names unknown methods', async () => {
    const h = routerHarness();
    await rejectsWith(h.router.dispatch('messages.explode', {}), 'UnknownMethod', /messages\.explode/);
    await rejectsWith(h.router.dispatch('__proto__', {}), 'UnknownMethod');
    await rejectsWith(h.router.dispatch('constructor', {}), 'UnknownMethod');
  });

  it('reports every wrong field with its path', async () => {
    const h = routerHarness();
    const err = await rejectsWith(h.router.dispatch('messages.send', { chat_id: 5, text: 7 }), 'ValidationError');
    await rejectsWith(h.router.dispatch('messages.send', { chat_id: 'x', text: '  ' }), 'ValidationError', /some text, an attachment or a shared listing/);
    assert.deepEqual(err.issues?.map((i) => i.path).sort(), ['chat_id', 'text']);
    await rejectsWith(h.router.dispatch('messages.send', 'not an object'), 'ValidationError');
    await rejectsWith(h.router.dispatch('messages.send', [1, 2]), 'ValidationError');
    await rejectsWith(h.router.dispatch('messages.send', { chat_id: 'x', text: 'hi', colour: 'red' }), 'ValidationError', /colour/);
    await rejectsWith(h.router.dispatch('messages.send', { chat_id: '../etc', text: 'hi' }), 'ValidationError', /chat_id/);
    await rejectsWith(h.router.dispatch('messages.send', { chat_id: 'x', text: 'a\u0000b' }), 'ValidationError', /control characters/);
    await rejectsWith(h.router.dispatch('messages.send', { chat_id: 'x', text: 'x'.repeat(65537) }), 'ValidationError', /text/);
    await rejectsWith(h.router.dispatch('messages.list', { chat_id: 'x', limit: '0' }), 'ValidationError', /limit/);
    await rejectsWith(h.router.dispatch('messages.list', { chat_id: 'x', limit: 'ten' }), 'ValidationError', /limit/);
    await rejectsWith(h.router.dispatch('messages.list', { chat_id: 'x', before: 5, after: 2 }), 'ValidationError', /either before or after/);
    await rejectsWith(h.router.dispatch('identities.create', { username: 'No Caps' }), 'ValidationError', /username/);
    await rejectsWith(h.router.dispatch('identities.create', { username: 'bob', passphrase: 'short' }), 'ValidationError', /8 characters/);
    await rejectsWith(h.router.dispatch('identities.create', { username: 'bob', avatar: 'http://evil/x.png' }), 'ValidationError', /avatar/);
    await rejectsWith(h.router.dispatch('messages.get', { id: 'not-a-uuid' }), 'ValidationError', /UUID/);
  });

  it('accepts query-string integers', async () => {
    const h = routerHarness();
    await h.call('identities.create', { username: 'alice' });
    await h.call('chats.create', { chat_id: 'test' });
    const page = await h.router.dispatch('messages.list', { chat_id: 'test', limit: '10', before: '100' });
    assert.deepEqual((page as { messages: unknown[] }).messages, []);
  });
});

describe('identities', () => {
  it('creates a signed profile and makes the first identity the default', async () => {
    const h = routerHarness();
    const alice = await h.call('identities.create', { username: 'alice', display_name: 'Alice', bio: 'hello' });
    assert.equal(alice.is_default, true);
    assert.equal(alice.key_protection, 'node-secret');
    assert.equal(alice.id.length, 64);
    const stored = h.store.repos.profiles.get(alice.id)!;
    assert.ok(verifyProfile(stored), 'the stored profile verifies under the identity key');
    const bob = await h.call('identities.create', { username: 'bob' });
    assert.equal(bob.is_default, false);
    assert.equal(bob.profile.display_name, 'bob');
    assert.deepEqual((await h.call('identities.list', {})).identities.map((i) => i.username), ['alice', 'bob']);
    await h.call('identities.setDefault', { id: bob.id });
    assert.equal((await h.call('identities.get', { id: alice.id })).is_default, false);
    assert.equal((await h.call('identities.get', { id: bob.id })).is_default, true);
  });

  it('refuses a taken username, even when two requests race for it', async () => {
    const h = routerHarness();
    const results = await Promise.allSettled([
      h.call('identities.create', { username: 'carol' }),
      h.call('identities.create', { username: 'carol' }),
    ]);
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
    const failed = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    assert.equal((failed.reason as ApiError).name, 'UsernameTaken');
  });

  it('seals a passphrase-protected key and needs the passphrase to re-sign the profile', async () => {
    const h = routerHarness();
    const dave = await h.call('identities.create', { username: 'dave', passphrase: 'correct horse battery' });
    assert.equal(dave.key_protection, 'passphrase');
    const record = h.store.repos.identities.get(dave.id)!;
    assert.ok(record.kdf_params?.includes('scrypt'));
    await rejectsWith(h.call('identities.updateProfile', { id: dave.id, bio: 'new' }), 'WrongPassphrase', /passphrase/);
    await rejectsWith(h.call('identities.updateProfile', { id: dave.id, bio: 'new', passphrase: 'wrong horse battery' }), 'WrongPassphrase');
    const updated = await h.call('identities.updateProfile', { id: dave.id, bio: 'new', passphrase: 'correct horse battery' });
    assert.equal(updated.profile.bio, 'new');
    assert.equal(updated.profile.version, 2);
    assert.ok(verifyProfile({ ...h.store.repos.profiles.get(dave.id)! }));
    assert.ok(verifyProfile({ ...updated.profile, avatar: null, avatar_type: null, signature: hexToBytes(updated.profile.signature) }));
  });

  it('answers IdentityNotFound for an unknown id', async () => {
    const h = routerHarness();
    await rejectsWith(h.call('identities.get', { id: 'ab'.repeat(32) }), 'IdentityNotFound');
  });
});

describe('chats and messages', () => {
  async function withChat() {
    let clock = 1_000_000;
    const h = routerHarness({ now: () => ++clock });
    const me = await h.call('identities.create', { username: 'alice' });
    await h.call('chats.create', { chat_id: 'test' });
    return { h, me };
  }

  it('needs an identity before a chat', async () => {
    const h = routerHarness();
    await rejectsWith(h.call('chats.create', { chat_id: 'test' }), 'NoIdentity', /POST \/api\/identities/);
  });

  it('creates chats with readable or generated ids and refuses duplicates', async () => {
    const { h, me } = await withChat();
    await rejectsWith(h.call('chats.create', { chat_id: 'test' }), 'ChatExists');
    const generated = await h.call('chats.create', { kind: 'self' });
    assert.match(generated.chat_id, /^c-[0-9a-f]{16}$/);
    assert.equal(generated.kind, 'self');
    assert.equal(generated.identity_id, me.id);
    await rejectsWith(h.call('chats.create', { chat_id: 'other', identity_id: 'cd'.repeat(32) }), 'IdentityNotFound');
    await rejectsWith(h.call('chats.get', { chat_id: 'nope' }), 'ChatNotFound');
  });

  it('sends, pages both ways with exact cursors, and lists chats by activity', async () => {
    const { h, me } = await withChat();
    await h.call('chats.create', { chat_id: 'quiet' });
    const sent: Message[] = [];
    for (let i = 0; i < 7; i++) sent.push(await h.call('messages.send', { chat_id: 'test', text: `message ${i}` }));
    assert.equal(sent[0]!.sender, me.id);
    assert.equal(sent[0]!.status, 'local');
    assert.ok(sent.every((m, i) => i === 0 || m.seq > sent[i - 1]!.seq), 'seq increases');

    const newest = await h.call('messages.list', { chat_id: 'test', limit: 3 });
    assert.deepEqual(newest.messages.map((m) => m.text), ['message 4', 'message 5', 'message 6']);
    assert.equal(newest.next_after, null);
    const older = await h.call('messages.list', { chat_id: 'test', limit: 3, before: newest.next_before! });
    assert.deepEqual(older.messages.map((m) => m.text), ['message 1', 'message 2', 'message 3']);
    const oldest = await h.call('messages.list', { chat_id: 'test', limit: 3, before: older.next_before! });
    assert.deepEqual(oldest.messages.map((m) => m.text), ['message 0']);
    assert.equal(oldest.next_before, null);
    const forward = await h.call('messages.list', { chat_id: 'test', limit: 4, after: oldest.next_after! });
    assert.deepEqual(forward.messages.map((m) => m.text), ['message 1', 'message 2', 'message 3', 'message 4']);
    const empty = await h.call('messages.list', { chat_id: 'quiet' });
    assert.deepEqual(empty, { messages: [], next_before: null, next_after: null });
    await rejectsWith(h.call('messages.list', { chat_id: 'ghost' }), 'ChatNotFound');

    const chats = await h.call('chats.list', { limit: 1 });
    assert.deepEqual(chats.chats.map((c) => c.chat_id), ['test'], 'the chat with the latest message comes first');
    const rest = await h.call('chats.list', { limit: 1, cursor: chats.next_cursor! });
    assert.deepEqual(rest.chats.map((c) => c.chat_id), ['quiet']);
    assert.equal(rest.next_cursor, null);
    await rejectsWith(h.call('chats.list', { cursor: 'garbage' }), 'ValidationError', /cursor/);
  });

  it('makes retries with a client id idempotent', async () => {
    const { h } = await withChat();
    const id = crypto.randomUUID();
    const first = await h.call('messages.send', { chat_id: 'test', text: 'once', id });
    const again = await h.call('messages.send', { chat_id: 'test', text: 'once', id: id.toUpperCase() });
    assert.equal(again.seq, first.seq);
    assert.equal((await h.call('messages.list', { chat_id: 'test' })).messages.length, 1);
    await rejectsWith(h.call('messages.send', { chat_id: 'test', text: 'different', id }), 'MessageIdConflict');
  });

  it('searches with FTS: words, prefixes, per chat, newest first, safe against FTS syntax', async () => {
    const { h } = await withChat();
    await h.call('chats.create', { chat_id: 'other' });
    await h.call('messages.send', { chat_id: 'test', text: 'Deploy the relay tonight' });
    await h.call('messages.send', { chat_id: 'other', text: 'relay is down' });
    await h.call('messages.send', { chat_id: 'test', text: 'Café crème for the relay team' });
    const all = await h.call('messages.search', { q: 'relay' });
    assert.deepEqual(all.results.map((r) => r.message.text), ['Café crème for the relay team', 'relay is down', 'Deploy the relay tonight']);
    const hit = all.results[0]!;
    assert.deepEqual(hit.highlights.map(([s, e]) => hit.snippet.slice(s, e)), ['relay']);
    assert.equal((await h.call('messages.search', { q: 'relay', chat_id: 'other' })).results.length, 1);
    assert.equal((await h.call('messages.search', { q: 'cafe' })).results.length, 1, 'diacritics fold');
    assert.equal((await h.call('messages.search', { q: 'dep' })).results.length, 0, 'whole words by default');
    assert.equal((await h.call('messages.search', { q: 'dep', prefix: true })).results.length, 1, 'with prefix, the last word matches as a prefix');
    assert.equal((await h.call('messages.search', { q: 'the dep', prefix: true })).results.length, 1);
    assert.equal((await h.router.dispatch('messages.search', { q: 'dep', prefix: 'true' }) as { results: unknown[] }).results.length, 1, 'query-string booleans');
    assert.equal((await h.call('messages.search', { q: 'relay tonight' })).results.length, 1, 'all words must match');
    assert.equal((await h.call('messages.search', { q: '"relay" OR NEAR(*' })).results.length, 0, 'FTS operators are plain words');
    await rejectsWith(h.call('messages.search', { q: '***' }), 'ValidationError', /no words/);
    const paged = await h.call('messages.search', { q: 'relay', limit: 2 });
    assert.equal(paged.results.length, 2);
    const next = await h.call('messages.search', { q: 'relay', limit: 2, before: paged.next_before! });
    assert.deepEqual(next.results.map((r) => r.message.text), ['Deploy the relay tonight']);
  });

  it('edits keep a revision; deletes clear the text and its index entry', async () => {
    const { h } = await withChat();
    const m = await h.call('messages.send', { chat_id: 'test', text: 'typo here' });
    const edited = await h.call('messages.edit', { id: m.id, text: 'fixed here' });
    assert.equal(edited.text, 'fixed here');
    assert.ok(edited.edited_at !== null);
    assert.equal(h.store.db.prepare('SELECT text FROM message_revisions').pluck().get(), 'typo here');
    assert.equal((await h.call('messages.search', { q: 'typo' })).results.length, 0);
    const deleted = await h.call('messages.delete', { id: m.id });
    assert.equal(deleted.text, '');
    assert.ok(deleted.deleted_at !== null);
    assert.equal((await h.call('messages.search', { q: 'fixed' })).results.length, 0);
    assert.equal(h.store.db.prepare('SELECT count(*) FROM message_revisions').pluck().get(), 0, 'old texts go with the message');
    assert.equal((await h.call('messages.delete', { id: m.id })).deleted_at, deleted.deleted_at, 'deleting twice is harmless');
    await rejectsWith(h.call('messages.edit', { id: m.id, text: 'again' }), 'MessageDeleted');
    await rejectsWith(h.call('messages.edit', { id: crypto.randomUUID(), text: 'x' }), 'MessageNotFound');
  });

  it('refuses to change messages this node did not write', async () => {
    const { h } = await withChat();
    const stranger = 'ef'.repeat(32);
    const id = crypto.randomUUID();
    h.store.transaction((repos) =>
      repos.messages.insert({ id, chat_id: 'test', sender: stranger, text: 'theirs', sent_at: 1, received_at: 1, status: 'delivered', envelope_hash: null }),
    );
    await rejectsWith(h.call('messages.edit', { id, text: 'mine now' }), 'NotAuthor');
    await rejectsWith(h.call('messages.delete', { id }), 'NotAuthor');
  });

  it('emits events after the write is committed', async () => {
    const { h } = await withChat();
    const seen: ApiEvent[] = [];
    h.events.subscribe((event) => {
      if (event.type === 'message.created') {
        const row = h.store.repos.messages.get((event.data as Message).id);
        assert.ok(row, 'the message is readable when its event fires');
      }
      seen.push(event);
    });
    const m = await h.call('messages.send', { chat_id: 'test', text: 'hi' });
    await h.call('messages.edit', { id: m.id, text: 'hi!' });
    await h.call('chats.markRead', { chat_id: 'test' });
    assert.deepEqual(seen.map((e) => e.type), ['message.created', 'message.updated', 'chat.updated']);
  });
});
