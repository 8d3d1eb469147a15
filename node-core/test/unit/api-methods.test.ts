/**
 * Every method and event of the NodeApi contract, each with its own test, over real nodes in this
 * process (the real composition root, a real SQLite store, libp2p on loopback). The tables below
 * are typed against the contract, and the first test compares them with the contract's source
 * and with the real router: a method or event without a test here fails the suite.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import type { ApiEvent, EventName, MethodInput, MethodName, MethodOutput } from '../../api/contract.ts';
import { loadConfig } from '../../config/load.ts';
import { signTx } from '../../chain/transactions.ts';
import { generateSigningKeyPair } from '../../crypto/signing.ts';
import { createNode, type DchatNode } from '../../node.ts';
import { directoryClient, recordOf, remoteKey } from '../helpers/directory-keys.ts';
import { waitFor } from '../helpers/p2p-net.ts';
import { rejectsWith, routerHarness } from '../helpers/router.ts';
import { tempDir } from '../helpers/spawn-node.ts';

const HERE = path.dirname(fileURLToPath(import.meta.url));
/** Where the contract declares its methods, and where the events it streams are declared. */
const DECLARED_IN: Record<string, { file: string; name: string }> = {
  ApiMethods: { file: path.join(HERE, '../../api/contract.ts'), name: 'ApiMethods' },
  ApiEvents: { file: path.join(HERE, '../../domain/events.ts'), name: 'NodeEvents' },
};

/** The member names of one interface of the contract: what the contract says exists. */
function contractMembers(interfaceName: string): string[] {
  const declared = DECLARED_IN[interfaceName]!;
  const source = fs.readFileSync(declared.file, 'utf8');
  const start = source.indexOf(`export interface ${declared.name} {`);
  assert.ok(start >= 0, `${path.basename(declared.file)} declares ${declared.name}`);
  const body = source.slice(start, source.indexOf('\n}', start));
  return [...body.matchAll(/^ {2}'([a-zA-Z.]+)':/gm)].map((m) => m[1]!);
}

interface Env {
  /** A user node with networking on. */
  readonly a: TestNode;
  /** A second node (a relay by config), for invites, contacts and relays. */
  readonly b: TestNode;
}

interface TestNode {
  readonly node: DchatNode;
  readonly dataDir: string;
  call<M extends MethodName>(method: M, input: MethodInput<M>): Promise<MethodOutput<M>>;
  /** Events seen since `mark` was taken. */
  eventsSince(mark: number): ApiEvent[];
  mark(): number;
}

let counter = 0;
/** A username no other test uses. */
const unique = (base: string) => `${base}${++counter}${Math.floor(Math.random() * 1e6)}`;

async function startTestNode(env: Record<string, string> = {}, dataDir = tempDir()): Promise<TestNode> {
  const loaded = loadConfig({ env: { DCHAT_DATA_DIR: dataDir, DCHAT_P2P_HOST: '127.0.0.1', DCHAT_P2P_PORT: '0', DCHAT_P2P_WS_PORT: '0', ...env } });
  const node = createNode({ loaded, logger: pino({ level: 'silent' }), version: 'test', http: false });
  await node.start();
  const seen: ApiEvent[] = [];
  node.api.subscribe((e) => seen.push(e));
  return {
    node,
    dataDir,
    call: (method, input) => node.api.call(method, input),
    mark: () => seen.length,
    eventsSince: (mark) => seen.slice(mark),
  };
}

/** An identity on `n` and a self chat of its own. */
async function identityWithChat(n: TestNode, name = unique('user')) {
  const identity = await n.call('identities.create', { username: name });
  const chat = await n.call('chats.create', { chat_id: unique('chat-'), identity_id: identity.id });
  return { identity, chat };
}

/** Alice on A adds Bob on B by invite. */
async function contactPair(env: Env) {
  const alice = await env.a.call('identities.create', { username: unique('alice') });
  const bob = await env.b.call('identities.create', { username: unique('bob') });
  const { invite } = await env.b.call('contacts.invite', { identity_id: bob.id });
  const added = await env.a.call('contacts.add', { invite, identity_id: alice.id });
  return { alice, bob, added };
}

/** Alice on A and Bob on B, each with the other as a contact, and a message from Alice that Bob has. */
async function talkingPair(env: Env) {
  const pair = await contactPair(env);
  await env.b.call('contacts.add', { invite: (await env.a.call('contacts.invite', { identity_id: pair.alice.id })).invite, identity_id: pair.bob.id });
  const sent = await env.a.call('messages.send', { chat_id: pair.added.chat_id, text: 'react to me' });
  await waitFor('the message at B', async () => (env.b.node.store.repos.messages.get(sent.id) ? true : undefined));
  return { ...pair, chatId: pair.added.chat_id, sent };
}

/** Alice's message in a chat with Bob carries buttons (as a bot's would), and Bob's node has them. */
async function buttonsAtB(env: Env) {
  const pair = await talkingPair(env);
  const rows = [[{ text: 'Yes', data: 'vote:yes' }, { text: 'No', data: 'vote:no' }], [{ text: 'Docs', url: 'https://example.org/docs' }]];
  await env.a.node.network!.keyboards.set(pair.sent.id, rows);
  const atB = await waitFor('the buttons at B', async () => (await env.b.call('messages.list', { chat_id: pair.chatId, limit: 5 })).messages.find((m) => m.id === pair.sent.id && m.keyboard));
  assert.deepEqual(atB.keyboard, rows);
  return { ...pair, rows };
}

/** One marketplace sale on node `n`, made once per node: listed, bought with a moderator, delivered and confirmed. */
const flows = new Map<TestNode, Promise<{ seller: string; buyer: string; moderator: string; listingId: string; orderId: string }>>();
function marketFlow(n: TestNode) {
  let flow = flows.get(n);
  if (!flow) {
    flow = (async () => {
      const [seller, buyer, moderator] = [(await funded(n)).id, (await funded(n)).id, (await funded(n)).id];
      await n.call('market.moderate', { identity_id: moderator, fee_fixed: 0, fee_bp: 300 });
      const sold = await n.call('market.sell', { identity_id: seller, type: 'sticker_pack', title: 'Cats, vol. 1', description: 'twelve cats', price: 2_000_000, preview: 'ab'.repeat(32), content: 'cd'.repeat(32) });
      assert.equal(sold.status, 'final');
      const bought = await n.call('market.buy', { listing_id: sold.listing_id, moderator, identity_id: buyer });
      assert.equal(bought.status, 'final');
      assert.deepEqual((await n.call('market.order', { id: bought.order_id, identity_id: seller })).actions, ['deliver', 'cancel', 'dispute']);
      await n.call('market.act', { id: bought.order_id, action: 'deliver', identity_id: seller });
      await n.call('market.act', { id: bought.order_id, action: 'confirm', identity_id: buyer });
      return { seller, buyer, moderator, listingId: sold.listing_id, orderId: bought.order_id };
    })();
    flows.set(n, flow);
  }
  return flow;
}

/** Waits until `id` has `count` bridge packets from `chainId` and the newest is settled (Executed or RolledBack); returns it. */
async function settled(n: TestNode, id: string, chainId: string, count = 1) {
  return waitFor(`bridge packet from ${chainId} settled`, async () => {
    const mine = (await n.call('bridge.packets', { identity_id: id, limit: 100 })).packets.filter((p) => p.from_chain === chainId);
    return mine.length >= count && (mine[0]!.state === 'Executed' || mine[0]!.state === 'RolledBack') ? mine[0] : undefined;
  }, 20_000);
}
const executed = async (n: TestNode, id: string, chainId: string) => {
  const packet = await settled(n, id, chainId);
  assert.equal(packet.state, 'Executed', packet.error ?? '');
  return packet;
};

type Test = (env: Env) => Promise<void>;

const methodTests: { readonly [M in MethodName]: Test } = {
  'node.health': async ({ a }) => {
    assert.deepEqual(await a.call('node.health', {}), { status: 'healthy', version: 'test' });
  },
  'node.status': async ({ a }) => {
    const status = await a.call('node.status', {});
    assert.equal(status.status, 'ready');
    assert.equal(status.store.backend, 'sqlite');
    assert.equal(status.store.path, path.join(a.dataDir, 'dchat.db'));
    assert.equal(status.p2p?.peer_id, a.node.p2p?.peerId);
    assert.equal(status.role, 'user');
  },
  'node.peers': async ({ a, b }) => {
    await a.node.network!.network.connect(b.node.p2p!.addresses[0]!);
    const peers = await waitFor('B among A\'s peers', async () => {
      const list = await a.call('node.peers', {});
      return list.peers.some((p) => p.peer_id === b.node.p2p!.peerId) ? list : undefined;
    });
    assert.equal(peers.count, peers.peers.length);
  },
  'node.reportAccessibility': async ({ a }) => {
    const count = async () => Number((await a.node.metrics.render()).match(/^accessibility_validation_failures_total\{check="shortcut_conflict"\} (\d+)$/m)?.[1] ?? 0);
    const before = await count();
    assert.deepEqual(await a.call('node.reportAccessibility', { check: 'shortcut_conflict', failures: 2 }), { recorded: 2 });
    assert.equal(await count(), before + 2);
    await assert.rejects(a.call('node.reportAccessibility', { check: 'shortcut_conflict', failures: 1000 }), /failures/);
  },
  'identities.list': async ({ a }) => {
    const one = await a.call('identities.create', { username: unique('listed') });
    const { identities } = await a.call('identities.list', {});
    assert.deepEqual(identities.filter((i) => i.id === one.id).map((i) => i.username), [one.username]);
  },
  'identities.get': async ({ a }) => {
    const one = await a.call('identities.create', { username: unique('got'), display_name: 'Got Me' });
    const got = await a.call('identities.get', { id: one.id });
    assert.equal(got.profile.display_name, 'Got Me');
    await rejectsWith(a.call('identities.get', { id: 'ab'.repeat(32) }), 'IdentityNotFound');
  },
  'identities.create': async ({ a }) => {
    const name = unique('made');
    const made = await a.call('identities.create', { username: name, bio: 'hello' });
    assert.equal(made.username, name);
    assert.equal(made.key_protection, 'node-secret');
    assert.equal(a.node.store.repos.profiles.get(made.id)?.bio, 'hello', 'stored in SQLite');
    await rejectsWith(a.call('identities.create', { username: name }), 'UsernameTaken');
  },
  'identities.updateProfile': async ({ a }) => {
    const one = await a.call('identities.create', { username: unique('edited') });
    const updated = await a.call('identities.updateProfile', { id: one.id, display_name: 'New Name' });
    assert.equal(updated.profile.display_name, 'New Name');
    assert.equal(updated.profile.version, one.profile.version + 1);
    assert.equal(a.node.store.repos.profiles.get(one.id)?.display_name, 'New Name');
  },
  'identities.setDefault': async ({ a }) => {
    const one = await a.call('identities.create', { username: unique('default') });
    assert.equal((await a.call('identities.setDefault', { id: one.id })).is_default, true);
    const { identities } = await a.call('identities.list', {});
    assert.deepEqual(identities.filter((i) => i.is_default).map((i) => i.id), [one.id], 'exactly one default');
  },
  'identities.unlock': async () => {
    // A passphrase-protected identity is locked after a restart until it is unlocked.
    const dataDir = tempDir();
    let n = await startTestNode({}, dataDir);
    const passphrase = 'correct horse battery staple';
    const locked = await n.call('identities.create', { username: 'locked', passphrase });
    await n.node.stop();
    n = await startTestNode({}, dataDir);
    try {
      await rejectsWith(n.call('contacts.invite', { identity_id: locked.id }), 'ValidationError', /not unlocked/);
      await rejectsWith(n.call('identities.unlock', { id: locked.id, passphrase: 'wrong horse battery staple' }), 'WrongPassphrase');
      await rejectsWith(n.call('identities.unlock', { id: 'cd'.repeat(32), passphrase }), 'IdentityNotFound');
      const unlocked = await n.call('identities.unlock', { id: locked.id, passphrase });
      assert.equal(unlocked.id, locked.id);
      assert.equal(unlocked.key_protection, 'passphrase');
      const invite = await n.call('contacts.invite', { identity_id: locked.id });
      assert.equal(invite.identity_id, locked.id, 'the unlocked key signs again');
    } finally {
      await n.node.stop();
    }
  },
  'chats.list': async ({ a }) => {
    const { chat, identity } = await identityWithChat(a);
    const other = await a.call('chats.create', { chat_id: unique('second-'), identity_id: identity.id });
    const { chats } = await a.call('chats.list', { limit: 500 });
    assert.ok(chats.some((c) => c.chat_id === chat.chat_id) && chats.some((c) => c.chat_id === other.chat_id));
    const first = await a.call('chats.list', { limit: 1 });
    assert.equal(first.chats.length, 1);
    assert.ok(first.next_cursor !== null, 'more than one chat: a cursor to the next page');
  },
  'chats.get': async ({ a }) => {
    const { chat, identity } = await identityWithChat(a);
    const got = await a.call('chats.get', { chat_id: chat.chat_id });
    assert.equal(got.identity_id, identity.id);
    await rejectsWith(a.call('chats.get', { chat_id: 'no-such-chat' }), 'ChatNotFound');
  },
  'chats.create': async ({ a }) => {
    const { identity } = await identityWithChat(a);
    const id = unique('made-');
    const chat = await a.call('chats.create', { chat_id: id, kind: 'self', identity_id: identity.id });
    assert.equal(chat.kind, 'self');
    assert.equal(a.node.store.repos.conversations.get(id)?.identity_id, identity.id);
    await rejectsWith(a.call('chats.create', { chat_id: id, identity_id: identity.id }), 'ChatExists');
  },
  'chats.markRead': async ({ a, b }) => {
    // Unread messages come from someone else: Bob writes to Alice.
    const { alice, bob, added } = await contactPair({ a, b });
    await b.call('contacts.add', { invite: (await a.call('contacts.invite', { identity_id: alice.id })).invite, identity_id: bob.id });
    await b.call('messages.send', { chat_id: added.chat_id, text: 'unread at A' });
    await waitFor('the message at A', async () => (await a.call('chats.get', { chat_id: added.chat_id })).unread_count === 1);
    const read = await a.call('chats.markRead', { chat_id: added.chat_id });
    assert.equal(read.unread_count, 0);
    assert.equal((await a.call('chats.get', { chat_id: added.chat_id })).unread_count, 0);
  },
  'messages.send': async ({ a }) => {
    const { chat, identity } = await identityWithChat(a);
    const sent = await a.call('messages.send', { chat_id: chat.chat_id, text: 'stored' });
    assert.equal(sent.sender, identity.id);
    assert.equal(a.node.store.repos.messages.get(sent.id)?.text, 'stored');
    await rejectsWith(a.call('messages.send', { chat_id: 'nowhere', text: 'x' }), 'ChatNotFound');
  },
  'messages.list': async ({ a }) => {
    const { chat } = await identityWithChat(a);
    for (const text of ['one', 'two', 'three']) await a.call('messages.send', { chat_id: chat.chat_id, text });
    const page = await a.call('messages.list', { chat_id: chat.chat_id, limit: 2 });
    assert.deepEqual(page.messages.map((m) => m.text), ['two', 'three']);
    const older = await a.call('messages.list', { chat_id: chat.chat_id, limit: 2, before: page.next_before! });
    assert.deepEqual(older.messages.map((m) => m.text), ['one']);
  },
  'messages.get': async ({ a }) => {
    const { chat } = await identityWithChat(a);
    const sent = await a.call('messages.send', { chat_id: chat.chat_id, text: 'fetch me' });
    assert.deepEqual(await a.call('messages.get', { id: sent.id }), sent);
    await rejectsWith(a.call('messages.get', { id: crypto.randomUUID() }), 'MessageNotFound');
  },
  'messages.search': async ({ a }) => {
    const { chat } = await identityWithChat(a);
    const word = `zebra${counter}x`;
    const sent = await a.call('messages.send', { chat_id: chat.chat_id, text: `a ${word} crossing` });
    const found = await a.call('messages.search', { q: word });
    assert.deepEqual(found.results.map((r) => r.message.id), [sent.id]);
  },
  'messages.edit': async ({ a }) => {
    const { chat } = await identityWithChat(a);
    const sent = await a.call('messages.send', { chat_id: chat.chat_id, text: 'befor' });
    const edited = await a.call('messages.edit', { id: sent.id, text: 'before' });
    assert.equal(edited.text, 'before');
    assert.ok(edited.edited_at !== null);
    assert.equal(a.node.store.repos.messages.get(sent.id)?.text, 'before');
  },
  'messages.delete': async ({ a }) => {
    const { chat } = await identityWithChat(a);
    const sent = await a.call('messages.send', { chat_id: chat.chat_id, text: 'gone soon' });
    const deleted = await a.call('messages.delete', { id: sent.id });
    assert.equal(deleted.text, '');
    assert.ok(deleted.deleted_at !== null);
    await rejectsWith(a.call('messages.edit', { id: sent.id, text: 'back' }), 'MessageDeleted');
    const mine = await a.call('messages.send', { chat_id: chat.chat_id, text: 'only here' });
    await a.call('messages.delete', { id: mine.id, for: 'me' });
    assert.equal(a.node.store.repos.messages.get(mine.id), undefined, 'deleted for me: gone from this store');
  },
  'messages.react': async (env) => {
    const { alice, bob, sent } = await talkingPair(env);
    const reacted = await env.b.call('messages.react', { id: sent.id, emoji: '👍' });
    assert.deepEqual(reacted.reactions, [{ emoji: '👍', count: 1, reactors: [bob.id] }]);
    await waitFor("Bob's reaction at A", async () => ((await env.a.call('messages.get', { id: sent.id })).reactions?.[0]?.emoji === '👍' ? true : undefined));
    await env.b.call('messages.react', { id: sent.id, emoji: '❤️' });
    const changed = await waitFor('the changed reaction at A', async () => {
      const m = await env.a.call('messages.get', { id: sent.id });
      return m.reactions?.[0]?.emoji === '❤️' ? m : undefined;
    });
    assert.deepEqual(changed.reactions, [{ emoji: '❤️', count: 1, reactors: [bob.id] }], 'one reaction per person: changed, not added');
    await env.a.call('messages.react', { id: sent.id, emoji: '❤️' });
    assert.deepEqual((await env.a.call('messages.get', { id: sent.id })).reactions, [{ emoji: '❤️', count: 2, reactors: [bob.id, alice.id] }]);
    await rejectsWith(env.a.call('messages.react', { id: sent.id, emoji: 'a' }), 'ValidationError', /one emoji/);
    await rejectsWith(env.a.call('messages.react', { id: sent.id, emoji: '👍👍' }), 'ValidationError', /one emoji/);
  },
  'messages.unreact': async (env) => {
    const { sent } = await talkingPair(env);
    await env.b.call('messages.react', { id: sent.id, emoji: '😂' });
    await waitFor('the reaction at A', async () => ((await env.a.call('messages.get', { id: sent.id })).reactions?.length === 1 ? true : undefined));
    const taken = await env.b.call('messages.unreact', { id: sent.id });
    assert.deepEqual(taken.reactions, []);
    await waitFor('no reaction at A', async () => ((await env.a.call('messages.get', { id: sent.id })).reactions?.length === 0 ? true : undefined));
  },
  'messages.history': async ({ a }) => {
    const { chat } = await identityWithChat(a);
    const sent = await a.call('messages.send', { chat_id: chat.chat_id, text: 'first' });
    await a.call('messages.edit', { id: sent.id, text: 'second' });
    await a.call('messages.edit', { id: sent.id, text: 'third' });
    const { message, revisions } = await a.call('messages.history', { id: sent.id });
    assert.equal(message.text, 'third');
    assert.deepEqual(revisions.map((r) => r.text), ['first', 'second']);
  },
  'chats.update': async ({ a }) => {
    const { chat } = await identityWithChat(a);
    const updated = await a.call('chats.update', { chat_id: chat.chat_id, muted_until: Date.now() + 3_600_000, pinned: true, draft: 'half a tho', disappearing_seconds: 300 });
    assert.equal(updated.muted, true);
    assert.equal(updated.pinned, true);
    assert.equal(updated.draft, 'half a tho');
    assert.equal(updated.disappearing_seconds, 300);
    assert.equal((await a.call('chats.list', { limit: 1 })).chats[0]?.chat_id, chat.chat_id, 'pinned chats lead the list');
    const archived = await a.call('chats.update', { chat_id: chat.chat_id, archived: true });
    assert.equal(archived.pinned, false, 'archiving unpins');
    assert.ok((await a.call('chats.list', { limit: 500, archived: true })).chats.some((c) => c.chat_id === chat.chat_id));
    assert.ok(!(await a.call('chats.list', { limit: 500 })).chats.some((c) => c.chat_id === chat.chat_id), 'archived chats leave the main list');
    await rejectsWith(a.call('chats.update', { chat_id: chat.chat_id, disappearing_seconds: 10 }), 'ValidationError', /30 to/);
    await rejectsWith(a.call('chats.update', { chat_id: chat.chat_id }), 'ValidationError', /nothing to change/);
  },
  'chats.typing': async (env) => {
    const { chatId, alice } = await talkingPair(env);
    const mark = env.b.mark();
    assert.deepEqual(await env.a.call('chats.typing', { chat_id: chatId, typing: true }), { sent: true });
    const seen = await waitFor('typing at B', async () => env.b.eventsSince(mark).find((e) => e.type === 'typing.changed'));
    assert.deepEqual(seen.data, { chat_id: chatId, sender: alice.id, typing: true });
  },
  'settings.get': async ({ a }) => {
    const settings = await a.call('settings.get', {});
    assert.equal(typeof settings.read_receipts, 'boolean');
    assert.equal(typeof settings.typing_indicators, 'boolean');
  },
  'settings.update': async ({ a }) => {
    const off = await a.call('settings.update', { read_receipts: false });
    assert.equal(off.read_receipts, false);
    assert.deepEqual(await a.call('settings.get', {}), off);
    assert.equal((await a.call('settings.update', { read_receipts: true })).read_receipts, true);
    await rejectsWith(a.call('settings.update', {}), 'ValidationError', /nothing to change/);
  },
  'contacts.invite': async ({ a }) => {
    const me = await a.call('identities.create', { username: unique('inviter') });
    const invite = await a.call('contacts.invite', { identity_id: me.id });
    assert.equal(invite.identity_id, me.id);
    assert.equal(invite.link, `dchat://invite/${invite.invite}`);
  },
  'contacts.add': async (env) => {
    const { bob, added } = await contactPair(env);
    assert.equal(added.contact.identity_key, bob.id);
    assert.equal(added.contact.origin, 'added');
    assert.equal(added.chat.kind, 'direct');
    assert.equal(added.chat_id, added.chat.chat_id);
    await rejectsWith(env.a.call('contacts.add', { invite: 'not-an-invite-at-all' }), 'ValidationError', /invite/);
  },
  'contacts.list': async (env) => {
    const { alice, bob } = await contactPair(env);
    const { contacts } = await env.a.call('contacts.list', {});
    assert.deepEqual(contacts.filter((c) => c.local_identity === alice.id).map((c) => c.identity_key), [bob.id]);
  },
  'contacts.get': async (env) => {
    const { alice, bob } = await contactPair(env);
    const contact = await env.a.call('contacts.get', { identity_key: bob.id, identity_id: alice.id });
    assert.equal(contact.username, bob.username);
    assert.equal(contact.peer_id, env.b.node.p2p!.peerId);
    await rejectsWith(env.a.call('contacts.get', { identity_key: 'ef'.repeat(32), identity_id: alice.id }), 'ContactNotFound');
  },
  'contacts.safetyNumber': async (env) => {
    const { alice, bob } = await contactPair(env);
    const atA = await env.a.call('contacts.safetyNumber', { identity_key: bob.id, identity_id: alice.id });
    assert.match(atA.safety_number, /^(\d{5} ){11}\d{5}$/);
    assert.equal(atA.verified, false);
    await env.b.call('contacts.add', { invite: (await env.a.call('contacts.invite', { identity_id: alice.id })).invite, identity_id: bob.id });
    const atB = await env.b.call('contacts.safetyNumber', { identity_key: alice.id, identity_id: bob.id });
    assert.equal(atB.safety_number, atA.safety_number, 'both sides compute the same number');
  },
  'contacts.verify': async (env) => {
    const { alice, bob } = await contactPair(env);
    const verified = await env.a.call('contacts.verify', { identity_key: bob.id, verified: true, identity_id: alice.id });
    assert.equal(verified.verified, true);
    assert.ok(verified.verified_at !== null);
    assert.equal((await env.a.call('contacts.safetyNumber', { identity_key: bob.id, identity_id: alice.id })).verified, true);
    assert.equal((await env.a.call('contacts.verify', { identity_key: bob.id, verified: false, identity_id: alice.id })).verified, false);
  },
  'groups.create': async (env) => {
    const { alice, bob } = await contactPair(env);
    const group = await env.a.call('groups.create', { title: 'Made', members: [bob.id], identity_id: alice.id });
    assert.equal(group.admin, alice.id);
    assert.equal(group.version, 1);
    assert.deepEqual(group.members.map((m) => m.identity_key).sort(), [alice.id, bob.id].sort());
    assert.equal((await env.a.call('chats.get', { chat_id: group.chat_id })).kind, 'group');
    await rejectsWith(env.a.call('groups.create', { title: 'Strangers', members: ['ef'.repeat(32)], identity_id: alice.id }), 'ContactNotFound');
  },
  'groups.list': async (env) => {
    const { alice, bob } = await contactPair(env);
    const group = await env.a.call('groups.create', { title: 'Listed', members: [bob.id], identity_id: alice.id });
    const { groups } = await env.a.call('groups.list', {});
    assert.deepEqual(groups.filter((g) => g.group_id === group.group_id).map((g) => g.title), ['Listed']);
  },
  'groups.get': async (env) => {
    const { alice, bob } = await contactPair(env);
    const group = await env.a.call('groups.create', { title: 'Got', members: [bob.id], identity_id: alice.id });
    assert.deepEqual(await env.a.call('groups.get', { group_id: group.group_id }), group);
    await rejectsWith(env.a.call('groups.get', { group_id: '0'.repeat(32) }), 'GroupNotFound');
  },
  'groups.addMembers': async (env) => {
    const { alice, bob } = await contactPair(env);
    const carol = await env.b.call('identities.create', { username: unique('carol') });
    await env.a.call('contacts.add', { invite: (await env.b.call('contacts.invite', { identity_id: carol.id })).invite, identity_id: alice.id });
    const group = await env.a.call('groups.create', { title: 'Grows', members: [bob.id], identity_id: alice.id });
    const grown = await env.a.call('groups.addMembers', { group_id: group.group_id, members: [carol.id] });
    assert.equal(grown.version, 2);
    assert.equal(grown.members.length, 3);
    await waitFor('B to know the group', async () => (await env.b.call('groups.list', {})).groups.some((g) => g.group_id === group.group_id));
    await rejectsWith(env.b.call('groups.addMembers', { group_id: group.group_id, members: [alice.id] }), 'NotGroupAdmin');
  },
  'groups.removeMember': async (env) => {
    const { alice, bob } = await contactPair(env);
    const group = await env.a.call('groups.create', { title: 'Shrinks', members: [bob.id], identity_id: alice.id });
    const shrunk = await env.a.call('groups.removeMember', { group_id: group.group_id, identity_key: bob.id });
    assert.equal(shrunk.version, 2);
    assert.deepEqual(shrunk.members.map((m) => m.identity_key), [alice.id]);
    await rejectsWith(env.a.call('groups.removeMember', { group_id: group.group_id, identity_key: alice.id }), 'ValidationError', /admin/);
  },
  'groups.rename': async (env) => {
    const { alice, bob } = await talkingPair(env);
    const group = await env.a.call('groups.create', { title: 'Old name', members: [bob.id], identity_id: alice.id });
    await waitFor('the group at B', async () => (await env.b.call('groups.list', {})).groups.some((g) => g.group_id === group.group_id));
    const renamed = await env.a.call('groups.rename', { group_id: group.group_id, title: 'New name' });
    assert.equal(renamed.title, 'New name');
    await waitFor('the new name at B', async () => ((await env.b.call('chats.get', { chat_id: group.chat_id })).title === 'New name' ? true : undefined));
    await rejectsWith(env.b.call('groups.rename', { group_id: group.group_id, title: 'Not yours' }), 'NotGroupAdmin');
  },
  'groups.leave': async (env) => {
    const { alice, bob } = await talkingPair(env);
    const group = await env.a.call('groups.create', { title: 'Leavers', members: [bob.id], identity_id: alice.id });
    await waitFor('the group at B', async () => (await env.b.call('groups.list', {})).groups.some((g) => g.group_id === group.group_id));
    await rejectsWith(env.a.call('groups.leave', { group_id: group.group_id }), 'ValidationError', /admin cannot leave/);
    await env.b.call('groups.leave', { group_id: group.group_id });
    const atAdmin = await waitFor('the admin to take B off the list', async () => {
      const info = await env.a.call('groups.get', { group_id: group.group_id });
      return info.members.some((m) => m.identity_key === bob.id) ? undefined : info;
    });
    assert.deepEqual(atAdmin.members.map((m) => m.identity_key), [alice.id]);
  },
  'relay.status': async ({ a, b }) => {
    const user = await a.call('relay.status', {});
    assert.equal(user.enabled, false);
    assert.equal(user.forced_by_config, false);
    const relay = await b.call('relay.status', {});
    assert.equal(relay.enabled, true);
    assert.equal(relay.forced_by_config, true);
    assert.equal(relay.ttl_hours, 72);
  },
  'relay.setEnabled': async ({ b }) => {
    // Its own node: turning relaying on and off must not disturb the other tests' user node.
    const n = await startTestNode();
    try {
      assert.equal((await n.call('relay.setEnabled', { enabled: true })).enabled, true);
      assert.equal((await n.call('node.status', {})).role, 'relay');
      assert.equal((await n.call('relay.setEnabled', { enabled: false })).enabled, false);
      assert.equal((await n.call('relay.status', {})).enabled, false);
      assert.equal((await b.call('relay.setEnabled', { enabled: false })).enabled, true, 'a relay by config stays one');
    } finally {
      await n.node.stop();
    }
  },
  'relays.list': async ({ a }) => {
    const { relays } = await a.call('relays.list', {});
    assert.ok(Array.isArray(relays));
    for (const r of relays) assert.equal(typeof r.connected, 'boolean');
  },
  'relays.set': async ({ b }) => {
    const n = await startTestNode();
    try {
      await n.call('identities.create', { username: unique('relayed') });
      const address = b.node.p2p!.addresses.find((x) => x.includes('/tcp/') && !x.includes('/ws'))!;
      const set = await n.call('relays.set', { relays: [address] });
      assert.deepEqual(set.relays.map((r) => r.peer_id), [b.node.p2p!.peerId]);
      await waitFor('the relay link to come up', async () => (await n.call('relays.list', {})).relays.every((r) => r.connected));
      await rejectsWith(n.call('relays.set', { relays: ['/ip4/127.0.0.1/tcp/1'] }), 'ValidationError', /p2p/);
      assert.deepEqual((await n.call('relays.set', { relays: [] })).relays, []);
    } finally {
      await n.node.stop();
    }
  },
  'attachments.upload': async ({ a }) => {
    const data = new Uint8Array(300_000).map((_, i) => i % 253);
    const info = await a.call('attachments.upload', { name: 'up.bin', type: 'application/octet-stream', data });
    assert.equal(info.size, data.length);
    assert.equal(info.state, 'local');
    assert.equal(info.chunks_total, 2);
    assert.equal(a.node.store.repos.attachments.get(info.id)?.sha256, info.sha256);
    await rejectsWith(a.call('attachments.upload', { name: 'x', type: 'not a type', data }), 'ValidationError', /MIME/);
  },
  'attachments.get': async ({ a }) => {
    const info = await a.call('attachments.upload', { name: 'get.txt', type: 'text/plain', data: new TextEncoder().encode('hello') });
    assert.deepEqual(await a.call('attachments.get', { id: info.id }), info);
    await rejectsWith(a.call('attachments.get', { id: crypto.randomUUID() }), 'AttachmentNotFound');
  },
  'attachments.read': async ({ a }) => {
    const bytes = new TextEncoder().encode('read me back');
    const info = await a.call('attachments.upload', { name: 'read.txt', type: 'text/plain', data: Buffer.from(bytes).toString('base64') });
    const file = await a.call('attachments.read', { id: info.id });
    assert.equal(file.name, 'read.txt');
    assert.equal(file.mime, 'text/plain');
    assert.deepEqual(new Uint8Array(file.data), bytes);
  },
  'bots.create': async ({ a }) => {
    const name = `${unique('echo')}Bot`;
    const made = await a.call('bots.create', { username: name, name: 'Echo' });
    assert.match(made.token, /^\d+:[A-Za-z0-9_-]{35}$/);
    assert.equal(made.token.split(':')[0], String(made.bot_id));
    assert.equal((await a.call('identities.get', { id: made.identity_id })).username, name.toLowerCase());
    assert.ok(made.invite, 'a networked node gives the bot an invite');
    await rejectsWith(a.call('bots.create', { username: name.toUpperCase(), name: 'Again' }), 'UsernameTaken');
    await rejectsWith(a.call('bots.create', { username: 'echo_helper', name: 'No' }), 'ValidationError');
  },
  'bots.list': async ({ a }) => {
    const made = await a.call('bots.create', { username: `${unique('listed')}bot`, name: 'Listed' });
    const { bots } = await a.call('bots.list', {});
    const listed = bots.find((b) => b.bot_id === made.bot_id);
    assert.equal(listed?.pending_updates, 0);
    assert.equal('token' in listed!, false, 'the token is never listed');
  },
  'bots.delete': async ({ a }) => {
    const made = await a.call('bots.create', { username: `${unique('gone')}bot`, name: 'Gone' });
    assert.deepEqual(await a.call('bots.delete', { id: made.bot_id }), { deleted: true });
    assert.equal(a.node.store.db.prepare('SELECT count(*) FROM bots WHERE bot_id = ?').pluck().get(made.bot_id), 0);
    await rejectsWith(a.call('bots.delete', { id: made.bot_id }), 'BotNotFound');
  },
  'bots.rotateToken': async ({ a }) => {
    const made = await a.call('bots.create', { username: `${unique('rotated')}bot`, name: 'Rotated' });
    const rotated = await a.call('bots.rotateToken', { id: made.bot_id });
    assert.notEqual(rotated.token, made.token);
    assert.equal(rotated.bot_id, made.bot_id);
    await rejectsWith(a.call('bots.rotateToken', { id: 999 }), 'BotNotFound');
  },
  'messages.pressButton': async (env) => {
    const { sent, chatId } = await buttonsAtB(env);
    const mark = env.a.mark();
    const { query_id } = await env.b.call('messages.pressButton', { id: sent.id, data: 'vote:no' });
    assert.match(query_id, /^[0-9a-f-]{36}$/);
    const pressed = await waitFor('the press at A', async () => env.a.eventsSince(mark).find((e) => e.type === 'button.pressed'));
    assert.deepEqual(pressed.data, { query_id, chat_id: chatId, message_id: sent.id, from: (await env.b.call('identities.list', {})).identities.at(-1)!.id, data: 'vote:no' });
    await rejectsWith(env.b.call('messages.pressButton', { id: sent.id, data: 'vote:maybe' }), 'ValidationError', /no button with this data/);
    await rejectsWith(env.a.call('messages.pressButton', { id: sent.id, data: 'vote:no' }), 'ValidationError', /no button/);
    await rejectsWith(env.b.call('messages.pressButton', { id: sent.id, data: 'x'.repeat(65) }), 'ValidationError', /64 bytes/);
    await rejectsWith(env.b.call('messages.pressButton', { id: crypto.randomUUID(), data: 'vote:no' }), 'MessageNotFound');
  },
  'bots.rotateWebhookSecret': async ({ a }) => {
    const made = await a.call('bots.create', { username: `${unique('signed')}bot`, name: 'Signed' });
    const first = await a.call('bots.rotateWebhookSecret', { id: made.bot_id });
    const second = await a.call('bots.rotateWebhookSecret', { id: made.bot_id });
    assert.match(first.signing_secret, /^whsec_[A-Za-z0-9+/]{43}=$/);
    assert.notEqual(second.signing_secret, first.signing_secret);
    const stored = a.node.store.db.prepare('SELECT signing_secret FROM bot_webhooks WHERE bot_id = ?').pluck().get(made.bot_id);
    assert.equal(stored, second.signing_secret, 'the newest secret signs');
    const { bots } = await a.call('bots.list', {});
    assert.equal(JSON.stringify(bots).includes(second.signing_secret), false, 'the list never shows it');
    await rejectsWith(a.call('bots.rotateWebhookSecret', { id: 999 }), 'BotNotFound');
  },
  'chains.info': async ({ a, b }) => {
    const info = await a.call('chains.info', {});
    for (const kind of ['chat', 'currency'] as const) {
      const chain = info[kind];
      assert.equal(chain.kind, kind);
      assert.equal(chain.local, true, 'no genesis given: a local chain');
      assert.equal(chain.role, 'validator');
      assert.deepEqual([chain.validators, chain.quorum, chain.byzantine_faults], [1, 1, 0]);
      assert.equal(chain.sync_progress, 1);
      assert.match(chain.hash, /^[0-9a-f]{64}$/);
    }
    assert.notEqual(info.chat.chain_id, info.currency.chain_id);
    assert.notEqual((await b.call('chains.info', {})).currency.chain_id, info.currency.chain_id, 'each node its own local chain');
  },
  'chains.block': async ({ a }) => {
    const { id } = await funded(a);
    const block = await a.call('chains.block', { chain: 'currency', height: (await a.call('wallet.get', { identity_id: id })).final_height });
    assert.equal(block.certificate.signatures.length, 1);
    assert.match(block.hash, /^[0-9a-f]{64}$/);
    assert.ok(block.transactions.some((t) => t.from === id && t.kind === 'faucet'));
    await rejectsWith(a.call('chains.block', { chain: 'currency', height: 1e9 }), 'BlockNotFound');
  },
  'chains.submit': async ({ a }) => {
    const key = generateSigningKeyPair();
    const chain = (await a.call('chains.info', {})).currency.chain_id;
    const faucet = signTx(key.secretKey, { chain, from: key.publicKey, nonce: 0, fee: 0, body: { kind: 'faucet' } });
    const done = await a.call('chains.submit', { chain: 'currency', tx: Buffer.from(faucet.bytes).toString('hex'), wait: true });
    assert.deepEqual([done.tx_id, done.status], [faucet.id, 'final']);
    const replay = a.call('chains.submit', { chain: 'currency', tx: Buffer.from(faucet.bytes).toString('hex') });
    await rejectsWith(replay, 'TransactionRejected');
    const forged = Buffer.from(faucet.bytes);
    forged[forged.length - 1]! ^= 1;
    await rejectsWith(a.call('chains.submit', { chain: 'currency', tx: forged.toString('hex') }), 'TransactionRejected');
    await rejectsWith(a.call('chains.submit', { chain: 'currency', tx: 'zz' }), 'ValidationError');
    // A well-formed, signed transaction the chain's rules refuse is refused by name at once, not left to never become final.
    const tooMuch = signTx(key.secretKey, { chain, from: key.publicKey, nonce: 1, fee: 1_000, body: { kind: 'transfer', to: new Uint8Array(32).fill(1), amount: 10 ** 15 } });
    await rejectsWith(a.call('chains.submit', { chain: 'currency', tx: Buffer.from(tooMuch.bytes).toString('hex') }), 'TransactionRejected', /insufficient-funds/);
  },
  'wallet.get': async ({ a }) => {
    const identity = await a.call('identities.create', { username: unique('wallet') });
    const wallet = await a.call('wallet.get', { identity_id: identity.id });
    assert.deepEqual([wallet.address, wallet.balance, wallet.staked, wallet.nonce, wallet.decimals], [identity.id, 0, 0, 0, 6]);
    assert.ok(wallet.faucet_amount > 0 && wallet.min_fee > 0);
  },
  'wallet.faucet': async ({ a }) => {
    const { id, gift } = await funded(a);
    assert.equal((await a.call('wallet.get', { identity_id: id })).balance, gift);
    await rejectsWith(a.call('wallet.faucet', { identity_id: id }), 'TransactionRejected');
  },
  'wallet.transfer': async ({ a }) => {
    const { id, gift } = await funded(a);
    const to = await a.call('identities.create', { username: unique('payee') });
    const sent = await a.call('wallet.transfer', { identity_id: id, to: to.id, amount: 1_500_000, fee: 2_000 });
    assert.equal(sent.status, 'final');
    assert.equal((await a.call('wallet.get', { identity_id: id })).balance, gift - 1_500_000 - 2_000, 'the fee is burned');
    assert.equal((await a.call('wallet.get', { identity_id: to.id })).balance, 1_500_000);
    await rejectsWith(a.call('wallet.transfer', { identity_id: id, to: to.id, amount: gift * 2 }), 'TransactionRejected');
    await rejectsWith(a.call('wallet.transfer', { identity_id: id, to: to.id, amount: -5 }), 'ValidationError');
    await rejectsWith(a.call('wallet.transfer', { identity_id: id, to: to.id, amount: 5, fee: 0 }), 'TransactionRejected');
  },
  'wallet.stake': async ({ a }) => {
    const { id } = await funded(a);
    assert.equal((await a.call('wallet.stake', { identity_id: id, amount: 10_000_000 })).status, 'final');
    assert.equal((await a.call('wallet.get', { identity_id: id })).staked, 10_000_000);
  },
  'wallet.unstake': async ({ a }) => {
    const { id } = await funded(a);
    await a.call('wallet.stake', { identity_id: id, amount: 10_000_000 });
    const unstaked = await a.call('wallet.unstake', { identity_id: id, amount: 4_000_000 });
    const wallet = await a.call('wallet.get', { identity_id: id });
    assert.equal(wallet.staked, 6_000_000);
    assert.deepEqual(wallet.unbonding.map((u) => u.amount), [4_000_000]);
    assert.ok(wallet.unbonding[0]!.release_height > unstaked.height!);
    await rejectsWith(a.call('wallet.unstake', { identity_id: id, amount: 99_000_000 }), 'TransactionRejected');
  },
  'wallet.history': async ({ a }) => {
    const { id } = await funded(a);
    await a.call('wallet.transfer', { identity_id: id, to: 'ab'.repeat(32), amount: 1_000_000 });
    const { entries } = await a.call('wallet.history', { identity_id: id, limit: 10 });
    assert.deepEqual(entries.map((e) => [e.tx.kind, e.direction]), [['transfer', 'out'], ['faucet', 'self']]);
    assert.equal(entries[0]!.amount, 1_000_000);
  },
  'relays.announce': async ({ a }) => {
    const relay = await a.call('identities.create', { username: unique('relay') });
    const first = await a.call('relays.announce', { identity_id: relay.id });
    assert.equal(first.status, 'final');
    const listed = (await a.call('relays.registry', {})).relays.find((r) => r.key === relay.id);
    assert.equal(listed?.peer_id, a.node.p2p!.peerId, "the node's own peer id");
    assert.ok(listed!.addresses.length > 0 && listed!.addresses.every((x) => !x.includes('/0.0.0.0/')), listed!.addresses.join(' '));
    assert.equal(listed!.registered_height, first.height);
    const again = await a.call('relays.announce', { identity_id: relay.id });
    const relays = (await a.call('relays.registry', {})).relays.filter((r) => r.key === relay.id);
    assert.equal(relays.length, 1, 'announcing again updates the listing');
    assert.deepEqual([relays[0]!.registered_height, relays[0]!.updated_height], [first.height, again.height]);
    await rejectsWith(a.call('relays.announce', { identity_id: 'ab'.repeat(32) }), 'IdentityNotFound');
  },
  'bridge.transfer': async ({ a }) => {
    const { id, gift } = await funded(a);
    const out = await a.call('bridge.transfer', { identity_id: id, to_chain: 'chat', amount: 3_000_000 });
    assert.equal(out.status, 'final');
    const there = await executed(a, id, out.chain_id);
    assert.equal(there.amount, 3_000_000);
    const wallet = await a.call('wallet.get', { identity_id: id });
    assert.equal(wallet.balance, gift - 3_000_000 - wallet.min_fee, 'held on the currency chain');
    assert.equal(wallet.chat_min_fee, wallet.min_fee, 'a local network charges the same on both chains');
    // The chat chain's faucet gave its fees; the bridged funds are on top.
    await waitFor('the funds on the chat chain', async () => (await a.call('wallet.get', { identity_id: id })).chat_balance >= 3_000_000 || undefined);
    const back = await a.call('bridge.transfer', { identity_id: id, to_chain: 'currency', amount: 1_000_000 });
    await executed(a, id, back.chain_id);
    await waitFor('the funds back on the currency chain', async () => (await a.call('wallet.get', { identity_id: id })).balance === wallet.balance + 1_000_000 || undefined);
    // Chat-chain funds that never came from the currency chain (this identity's chat faucet gift): the currency chain refuses, the chat chain refunds.
    const minted = await a.call('identities.create', { username: unique('minted') });
    const tooMuch = await a.call('bridge.transfer', { identity_id: minted.id, to_chain: 'currency', amount: 500_000_000 });
    const refused = await settled(a, minted.id, tooMuch.chain_id);
    assert.deepEqual([refused.state, refused.error], ['RolledBack', 'insufficient-escrow']);
    const chatGift = 1_000_000_000; // a devnet faucet's gift
    await waitFor('the refund on the chat chain', async () => (await a.call('wallet.get', { identity_id: minted.id })).chat_balance === chatGift - wallet.min_fee || undefined);
    await rejectsWith(a.call('bridge.transfer', { identity_id: id, to_chain: 'chat', amount: gift * 10 }), 'TransactionRejected');
  },
  'bridge.packets': async ({ a }) => {
    const { id } = await funded(a);
    await a.call('bridge.transfer', { identity_id: id, to_chain: 'chat', amount: 1_000_000 });
    const mine = await executed(a, id, (await a.call('chains.info', {})).currency.chain_id);
    assert.deepEqual([mine.app, mine.sender, mine.recipient, mine.direction], ['transfer', id, id, 'currency-to-chat']);
    assert.ok(mine.proved && mine.finished && mine.finished.height >= mine.initiated.height);
    const other = await a.call('identities.create', { username: unique('other') });
    assert.deepEqual((await a.call('bridge.packets', { identity_id: other.id, limit: 10 })).packets, [], "another identity's list is its own");
    assert.ok((await a.call('bridge.packets', { all: true, limit: 1000 })).packets.some((p) => p.id === mine.id));
  },
  'bridge.health': async ({ a }) => {
    const health = await a.call('bridge.health', {});
    assert.equal(health.status, 'healthy', health.problems.join('; '));
    assert.equal(health.relayer.enabled, true, 'a node validating its local chains relays');
    assert.deepEqual([health.clients.chat.status, health.clients.currency.status], ['active', 'active']);
  },
  'relays.stake': async ({ a }) => {
    const { id } = await funded(a);
    await a.call('relays.announce', { identity_id: id });
    const staked = await a.call('relays.stake', { identity_id: id, amount: 20_000_000 });
    assert.equal(staked.status, 'final');
    const listed = await waitFor('the stake in the chat chain registry', async () => (await a.call('relays.registry', {})).relays.find((r) => r.key === id && r.stake === 20_000_000));
    assert.equal(listed.staked, true);
    assert.equal((await a.call('relays.registry', {})).min_stake, 10_000_000, "the devnet's min_relay_stake");
    await rejectsWith(a.call('relays.stake', { identity_id: id, amount: 10_000_000_000 }), 'TransactionRejected');
  },
  'relays.unstake': async ({ a }) => {
    const { id } = await funded(a);
    await a.call('relays.announce', { identity_id: id });
    await a.call('relays.stake', { identity_id: id, amount: 20_000_000 });
    await a.call('relays.unstake', { identity_id: id, amount: 15_000_000 });
    const listed = await waitFor('the lower stake in the registry', async () => (await a.call('relays.registry', {})).relays.find((r) => r.key === id && r.stake === 5_000_000));
    assert.equal(listed.staked, false, 'below min_relay_stake');
    await rejectsWith(a.call('relays.unstake', { identity_id: id, amount: 99_000_000 }), 'TransactionRejected');
  },
  'market.moderate': async ({ a }) => {
    const { id } = await funded(a);
    assert.equal((await a.call('market.moderate', { identity_id: id, fee_fixed: 10_000, fee_bp: 150, description: 'quick' })).status, 'final');
    assert.deepEqual((await a.call('market.moderators', {})).moderators.find((m) => m.key === id), { key: id, fee_fixed: 10_000, fee_bp: 150, description: 'quick' });
    await rejectsWith(a.call('market.moderate', { identity_id: id, fee_fixed: 0, fee_bp: 9_000 }), 'ValidationError');
  },
  'market.moderators': async ({ a }) => {
    const { moderator } = await marketFlow(a);
    assert.ok((await a.call('market.moderators', {})).moderators.some((m) => m.key === moderator));
  },
  'market.sell': async ({ a }) => {
    const { listingId, seller } = await marketFlow(a);
    const listed = await a.call('market.listing', { id: listingId });
    assert.deepEqual([listed.seller, listed.title, listed.price, listed.active], [seller, 'Cats, vol. 1', 2_000_000, true]);
    await rejectsWith(a.call('market.sell', { identity_id: seller, type: 'theme', title: '', price: 1, preview: 'ab'.repeat(32), content: 'cd'.repeat(32) }), 'ValidationError');
  },
  'market.listing': async ({ a }) => {
    const { listingId } = await marketFlow(a);
    assert.equal((await a.call('market.listing', { id: listingId })).type, 'sticker_pack');
    await rejectsWith(a.call('market.listing', { id: 'ee'.repeat(32) }), 'ListingNotFound');
  },
  'market.listings': async ({ a }) => {
    const { listingId, seller } = await marketFlow(a);
    const found = await waitFor('the listing in the browse cache', async () => (await a.call('market.listings', { q: 'cats', type: 'sticker_pack', limit: 50 })).listings.find((l) => l.id === listingId));
    assert.equal(found.seller, seller);
    assert.equal((await a.call('market.listings', { q: 'dogs', limit: 50 })).listings.some((l) => l.id === listingId), false);
    assert.equal((await a.call('market.listings', { max_price: 1_000, limit: 50 })).listings.some((l) => l.id === listingId), false);
    assert.ok((await a.call('market.listings', { seller, limit: 50 })).listings.every((l) => l.seller === seller));
  },
  'market.update': async ({ a }) => {
    const { seller, buyer } = await marketFlow(a);
    const fields = { type: 'theme' as const, title: 'Dusk', price: 1_000_000, preview: 'ab'.repeat(32), content: 'cd'.repeat(32) };
    const sold = await a.call('market.sell', { identity_id: seller, ...fields });
    assert.equal((await a.call('market.update', { id: sold.listing_id, identity_id: seller, ...fields, price: 3_000_000 })).status, 'final');
    assert.equal((await a.call('market.listing', { id: sold.listing_id })).price, 3_000_000);
    await rejectsWith(a.call('market.update', { id: sold.listing_id, identity_id: buyer, ...fields, price: 1 }), 'TransactionRejected', /not-seller/);
  },
  'market.close': async ({ a }) => {
    const { seller, buyer, moderator } = await marketFlow(a);
    const sold = await a.call('market.sell', { identity_id: seller, type: 'file', title: 'Notes', price: 1_000_000, preview: 'ab'.repeat(32), content: 'cd'.repeat(32) });
    assert.equal((await a.call('market.close', { id: sold.listing_id, identity_id: seller })).status, 'final');
    assert.equal((await a.call('market.listing', { id: sold.listing_id })).active, false);
    await rejectsWith(a.call('market.buy', { listing_id: sold.listing_id, moderator, identity_id: buyer }), 'TransactionRejected', /listing-closed/);
  },
  'market.ratings': async ({ a }) => {
    const { seller, buyer, moderator, listingId } = await marketFlow(a);
    // An order of its own, so this does not depend on the order market.rate rates.
    const bought = await a.call('market.buy', { listing_id: listingId, moderator, identity_id: buyer });
    await a.call('market.act', { id: bought.order_id, action: 'deliver', identity_id: seller });
    await a.call('market.act', { id: bought.order_id, action: 'confirm', identity_id: buyer });
    await a.call('market.rate', { id: bought.order_id, identity_id: buyer, scores: { overall: 4, quality: 5, description: 4, delivery: 3 }, text: 'crisp cats' });
    const { ratings } = await a.call('market.ratings', { seller, limit: 10 });
    const mine = ratings.find((r) => r.order === bought.order_id);
    assert.deepEqual([mine?.listing, mine?.buyer, mine?.text, mine?.scores.delivery], [listingId, buyer, 'crisp cats', 3]);
    assert.ok((await a.call('market.ratings', { listing: listingId, limit: 10 })).ratings.some((r) => r.order === bought.order_id));
    // Anonymously: signed by the order's one-time key and sent from that key's own account, so the buyer pays nothing and is named nowhere.
    const second = await a.call('market.buy', { listing_id: listingId, moderator, identity_id: buyer });
    await a.call('market.act', { id: second.order_id, action: 'deliver', identity_id: seller });
    await a.call('market.act', { id: second.order_id, action: 'confirm', identity_id: buyer });
    await rejectsWith(a.call('market.rate', { id: second.order_id, identity_id: seller, scores: { overall: 5, quality: 5, description: 5, delivery: 5 }, anonymous: true }), 'ValidationError', /rating key/);
    const before = (await a.call('wallet.get', { identity_id: buyer })).balance;
    assert.equal((await a.call('market.rate', { id: second.order_id, identity_id: buyer, scores: { overall: 2, quality: 2, description: 2, delivery: 2 }, text: 'meh', anonymous: true })).status, 'final');
    assert.equal((await a.call('wallet.get', { identity_id: buyer })).balance, before, 'no fee from the buyer');
    const anonymous = (await a.call('market.ratings', { seller, limit: 10 })).ratings.find((r) => r.order === second.order_id);
    assert.deepEqual([anonymous?.buyer, anonymous?.text], [null, 'meh']);
    assert.deepEqual((await a.call('market.ratings', { seller: 'ee'.repeat(32), limit: 10 })).ratings, []);
  },
  'market.purchases': async ({ a }) => {
    const { seller, buyer, moderator } = await marketFlow(a);
    const pack = { format: 'dchat.sticker-pack', version: 1, title: 'Dots', stickers: [{ emoji: '🔴', mime: 'image/png', data: 'iVBORw0KGgo=' }] };
    const notPack = await a.call('attachments.upload', { name: 'x.json', type: 'application/json', data: new TextEncoder().encode('{"stickers":[]}') });
    await rejectsWith(a.call('market.sell', { identity_id: seller, type: 'sticker_pack', title: 'Dots', price: 1_000, content_attachment: notPack.id }), 'ValidationError', /not a sticker pack/);
    await rejectsWith(a.call('market.sell', { identity_id: seller, type: 'file', title: 'Nothing', price: 1_000 }), 'ValidationError', /content_attachment/);
    const file = new TextEncoder().encode(JSON.stringify(pack));
    const upload = await a.call('attachments.upload', { name: 'dots.json', type: 'application/json', data: file });
    const sold = await a.call('market.sell', { identity_id: seller, type: 'sticker_pack', title: 'Dots', price: 1_000, content_attachment: upload.id });
    const listed = await a.call('market.listing', { id: sold.listing_id });
    assert.equal(listed.content, upload.sha256, 'the listing names the kept file by its hash');
    // Buyer and seller on one node: there is no chat between them, so nothing arrives over one.
    const bought = await a.call('market.buy', { listing_id: sold.listing_id, moderator, identity_id: buyer });
    assert.equal(bought.chat_id, null);
    assert.deepEqual((await a.call('market.purchases', { identity_id: buyer })).purchases, []);
  },
  'market.sendSticker': async ({ a }) => {
    const { buyer, orderId } = await marketFlow(a);
    const chat = await a.call('chats.create', { kind: 'self', title: 'notes', identity_id: buyer });
    await rejectsWith(a.call('market.sendSticker', { identity_id: buyer, chat_id: chat.chat_id, order_id: orderId, index: 0 }), 'OrderNotFound', /no sticker pack/);
    await rejectsWith(a.call('market.sendSticker', { identity_id: buyer, chat_id: chat.chat_id, order_id: 'zz', index: 0 }), 'ValidationError');
  },
  'market.buy': async ({ a }) => {
    const { orderId, buyer, seller } = await marketFlow(a);
    const order = await a.call('market.order', { id: orderId, identity_id: buyer });
    assert.deepEqual([order.buyer, order.seller, order.amount, order.role], [buyer, seller, 2_000_000, 'buyer']);
  },
  'market.orders': async ({ a }) => {
    const { orderId, buyer, seller, moderator } = await marketFlow(a);
    for (const [who, role] of [[buyer, 'buyer'], [seller, 'seller'], [moderator, 'moderator']] as const) {
      assert.ok((await a.call('market.orders', { identity_id: who, role, limit: 50 })).orders.some((o) => o.id === orderId), role);
    }
  },
  'market.order': async ({ a }) => {
    const { orderId, seller } = await marketFlow(a);
    assert.equal((await a.call('market.order', { id: orderId, identity_id: seller })).role, 'seller');
    await rejectsWith(a.call('market.order', { id: 'ee'.repeat(32) }), 'OrderNotFound');
  },
  'market.act': async ({ a }) => {
    const { orderId, buyer, seller } = await marketFlow(a);
    const order = await a.call('market.order', { id: orderId, identity_id: buyer });
    assert.equal(order.state, 'COMPLETED');
    assert.deepEqual(order.paid, { buyer: 0, seller: 1_980_000, moderator: 0, fee: 20_000 });
    await rejectsWith(a.call('market.act', { id: orderId, action: 'confirm', identity_id: buyer }), 'TransactionRejected', /wrong-state/);
    await rejectsWith(a.call('market.act', { id: orderId, action: 'deliver', identity_id: buyer }), 'TransactionRejected');
    assert.equal((await a.call('market.creator', { key: seller })).sales >= 1, true);
  },
  'market.rate': async ({ a }) => {
    const { orderId, buyer, seller } = await marketFlow(a);
    const scores = { overall: 4, quality: 5, description: 4, delivery: 3 };
    await rejectsWith(a.call('market.rate', { id: orderId, identity_id: seller, scores }), 'TransactionRejected', /not-buyer/);
    assert.equal((await a.call('market.rate', { id: orderId, identity_id: buyer, scores, text: 'nice cats' })).status, 'final');
    const order = await a.call('market.order', { id: orderId, identity_id: buyer });
    assert.deepEqual([order.rated, order.actions.includes('rate')], [true, false]);
    await rejectsWith(a.call('market.rate', { id: orderId, identity_id: buyer, scores }), 'TransactionRejected', /already-rated/);
  },
  'market.creator': async ({ a }) => {
    const { seller } = await marketFlow(a);
    const stats = await a.call('market.creator', { key: seller });
    assert.ok(stats.sales >= 1 && stats.revenue >= 1_980_000, JSON.stringify(stats));
  },
  'relays.registry': async ({ a }) => {
    const relay = await a.call('identities.create', { username: unique('relay') });
    await a.call('relays.announce', { identity_id: relay.id });
    const registry = await a.call('relays.registry', {});
    assert.ok(registry.period_blocks > 0);
    // A user attests to its uptime and proves deliveries, with raw transactions signed elsewhere.
    const directory = directoryClient((method, input) => a.call(method, input));
    const user = remoteKey();
    await directory.send(user, { kind: 'faucet' });
    const relayKey = Buffer.from(relay.id, 'hex');
    const period = Math.floor(((await a.call('chains.info', {})).chat.final_height + 1) / registry.period_blocks);
    await directory.send(user, { kind: 'attest', relay: relayKey, period });
    await directory.send(user, { kind: 'delivery', relay: relayKey, root: new Uint8Array(32).fill(3), count: 12 });
    const listed = (await a.call('relays.registry', {})).relays.find((r) => r.key === relay.id)!;
    assert.deepEqual([listed.attestations, listed.period_attestations, listed.delivered], [1, 1, 12]);
  },
  'directory.lookup': async ({ a }) => {
    const missing = await a.call('directory.lookup', { username: unique('nobody') });
    assert.equal(missing.record, null);
    assert.equal(missing.verified, true, 'absence is proved too');
    await rejectsWith(a.call('directory.lookup', { username: 'No Such' }), 'ValidationError');
  },
  'identities.register': async ({ a }) => {
    const first = await a.call('identities.create', { username: unique('reg') });
    const name = unique('handle');
    const done = await a.call('identities.register', { id: first.id, username: name });
    assert.deepEqual([done.status, done.username], ['final', name]);
    const found = await a.call('directory.lookup', { username: name });
    assert.equal(found.record?.identity_key, first.id);
    assert.equal(found.verified, true);
    assert.equal(found.record?.peer_id, a.node.p2p?.peerId);
    const second = await a.call('identities.create', { username: unique('reg') });
    await rejectsWith(a.call('identities.register', { id: second.id, username: name }), 'UsernameTaken');
  },
  'contacts.addByUsername': async ({ a }) => {
    // Two nodes with a shared chain are in chain-devnet.test.ts; here one node's own chain.
    const owner = await a.call('identities.create', { username: unique('owner') });
    const name = unique('named');
    await a.call('identities.register', { id: owner.id, username: name });
    await rejectsWith(a.call('contacts.addByUsername', { username: name }), 'ValidationError');
    await rejectsWith(a.call('contacts.addByUsername', { username: unique('ghost') }), 'UsernameNotFound');
  },
  'identities.rotate': async ({ a }) => {
    const first = await a.call('identities.create', { username: unique('rot') });
    const second = await a.call('identities.create', { username: unique('rot') });
    const name = unique('moving');
    await a.call('identities.register', { id: first.id, username: name });
    const moved = await a.call('identities.rotate', { id: first.id, to: second.id });
    assert.deepEqual([moved.username, moved.identity_id, moved.previous_identity_id, moved.rotate.status], [name, second.id, first.id, 'final']);
    const found = await a.call('directory.lookup', { username: name });
    assert.equal(found.record?.identity_key, second.id);
    assert.deepEqual(found.record?.previous_keys, [first.id], 'the directory lists the key it had');
    assert.equal(found.record?.updated_height, moved.rotate.height, "the new key's own record came with the rotation");
    await rejectsWith(a.call('identities.rotate', { id: first.id, to: second.id }), 'UsernameNotFound');
    await rejectsWith(a.call('identities.rotate', { id: second.id, to: second.id }), 'ValidationError');
    await rejectsWith(a.call('identities.rotate', { id: second.id, to: 'ab'.repeat(32) }), 'IdentityNotFound');
  },
  'contacts.keyChanges': async ({ a }) => {
    const { identity, chatId, username, next } = await contactWhoRotates(a);
    const { key_changes } = await waitFor('the key change', async () => {
      const answer = await a.call('contacts.keyChanges', { chat_id: chatId });
      return answer.key_changes.length > 0 ? answer : undefined;
    });
    assert.deepEqual(key_changes.map((c) => [c.username, c.new_key, c.kind, c.local_identity]), [[username, next, 'rotated', identity]]);
    assert.deepEqual((await a.call('contacts.keyChanges', { chat_id: 'no-such-chat' })).key_changes, []);
  },
};

/** A contact of a new identity on `n`, found by username, whose key then moves to another key. */
async function contactWhoRotates(n: TestNode) {
  const identity = await n.call('identities.create', { username: unique('knower') });
  const directory = directoryClient((method, input) => n.call(method, input));
  const old = remoteKey();
  const next = remoteKey();
  const username = unique('keyed');
  await directory.register(old, username, recordOf(old, 'Keyed', n.node.p2p!.peerId));
  const added = await n.call('contacts.addByUsername', { username, identity_id: identity.id });
  await directory.rotate(old, next, username, recordOf(next, 'Keyed', n.node.p2p!.peerId));
  return { identity: identity.id, chatId: added.chat_id, username, old: old.hex, next: next.hex };
}

/** A new identity on `n` with the faucet's gift on the currency chain. */
async function funded(n: TestNode): Promise<{ id: string; gift: number }> {
  const identity = await n.call('identities.create', { username: unique('rich') });
  const gift = (await n.call('wallet.get', { identity_id: identity.id })).faucet_amount;
  const answer = await n.call('wallet.faucet', { identity_id: identity.id });
  assert.equal(answer.status, 'final');
  return { id: identity.id, gift };
}

/** Each event: what causes it, and that it carries what was stored. */
const eventTests: { readonly [E in EventName]: Test } = {
  'button.pressed': async (env) => {
    const { sent } = await buttonsAtB(env);
    const mark = env.a.mark();
    const { query_id } = await env.b.call('messages.pressButton', { id: sent.id, data: 'vote:yes' });
    const pressed = await waitFor('the press at A', async () => env.a.eventsSince(mark).find((e) => e.type === 'button.pressed'));
    assert.equal(pressed.data.query_id, query_id);
    assert.equal(pressed.data.data, 'vote:yes');
  },
  'button.answered': async (env) => {
    const { sent, chatId } = await buttonsAtB(env);
    const mark = env.a.mark();
    const { query_id } = await env.b.call('messages.pressButton', { id: sent.id, data: 'vote:yes' });
    await waitFor('the press at A', async () => env.a.eventsSince(mark).find((e) => e.type === 'button.pressed'));
    const markB = env.b.mark();
    assert.equal(await env.a.node.network!.keyboards.answer(query_id, 'Counted!', true), true);
    assert.equal(await env.a.node.network!.keyboards.answer(query_id, 'again', false), false, 'a press is answered once');
    assert.equal(await env.a.node.network!.keyboards.answer(crypto.randomUUID(), 'none', false), false);
    const answered = await waitFor('the answer at B', async () => env.b.eventsSince(markB).find((e) => e.type === 'button.answered'));
    assert.deepEqual(answered.data, { query_id, chat_id: chatId, message_id: sent.id, text: 'Counted!', alert: true });
  },
  'message.created': async ({ a }) => {
    const { chat } = await identityWithChat(a);
    const mark = a.mark();
    const sent = await a.call('messages.send', { chat_id: chat.chat_id, text: 'an event' });
    assert.deepEqual(a.eventsSince(mark).filter((e) => e.type === 'message.created').map((e) => e.data), [sent]);
  },
  'message.updated': async ({ a }) => {
    const { chat } = await identityWithChat(a);
    const sent = await a.call('messages.send', { chat_id: chat.chat_id, text: 'to edit' });
    const mark = a.mark();
    const edited = await a.call('messages.edit', { id: sent.id, text: 'edited' });
    assert.deepEqual(a.eventsSince(mark).filter((e) => e.type === 'message.updated').map((e) => e.data), [edited]);
  },
  'message.removed': async ({ a }) => {
    const { chat } = await identityWithChat(a);
    const sent = await a.call('messages.send', { chat_id: chat.chat_id, text: 'gone from here' });
    const mark = a.mark();
    await a.call('messages.delete', { id: sent.id, for: 'me' });
    assert.deepEqual(a.eventsSince(mark).filter((e) => e.type === 'message.removed').map((e) => e.data), [{ id: sent.id, chat_id: chat.chat_id }]);
  },
  'typing.changed': async (env) => {
    const { chatId, alice } = await talkingPair(env);
    const mark = env.b.mark();
    await env.a.call('chats.typing', { chat_id: chatId, typing: false });
    const seen = await waitFor('typing stopped at B', async () => env.b.eventsSince(mark).find((e) => e.type === 'typing.changed'));
    assert.deepEqual(seen.data, { chat_id: chatId, sender: alice.id, typing: false });
  },
  'settings.updated': async ({ a }) => {
    const mark = a.mark();
    const next = await a.call('settings.update', { typing_indicators: true });
    assert.deepEqual(a.eventsSince(mark).filter((e) => e.type === 'settings.updated').map((e) => e.data), [next]);
  },
  'chat.created': async ({ a }) => {
    const { identity } = await identityWithChat(a);
    const mark = a.mark();
    const chat = await a.call('chats.create', { chat_id: unique('evented-'), identity_id: identity.id });
    assert.deepEqual(a.eventsSince(mark).filter((e) => e.type === 'chat.created').map((e) => e.data), [chat]);
  },
  'chat.updated': async ({ a }) => {
    const { chat } = await identityWithChat(a);
    const mark = a.mark();
    const read = await a.call('chats.markRead', { chat_id: chat.chat_id });
    assert.deepEqual(a.eventsSince(mark).filter((e) => e.type === 'chat.updated').map((e) => e.data), [read]);
  },
  'identity.created': async ({ a }) => {
    const mark = a.mark();
    const made = await a.call('identities.create', { username: unique('evented') });
    assert.deepEqual(a.eventsSince(mark).filter((e) => e.type === 'identity.created').map((e) => e.data), [made]);
  },
  'contact.keyChanged': async ({ a }) => {
    const mark = a.mark();
    const { chatId, old, next } = await contactWhoRotates(a);
    const event = await waitFor('the event', async () => a.eventsSince(mark).find((e) => e.type === 'contact.keyChanged'));
    assert.deepEqual([event.data.chat_id, event.data.old_key, event.data.new_key], [chatId, old, next]);
    assert.deepEqual((await a.call('contacts.keyChanges', { chat_id: chatId })).key_changes, [event.data], 'the event carries what was stored');
  },
  'identity.updated': async ({ a }) => {
    const made = await a.call('identities.create', { username: unique('reevented') });
    const mark = a.mark();
    const updated = await a.call('identities.updateProfile', { id: made.id, bio: 'changed' });
    assert.deepEqual(a.eventsSince(mark).filter((e) => e.type === 'identity.updated').map((e) => e.data), [updated]);
  },
};

describe('the NodeApi contract, method by method and event by event', () => {
  let env: Env;
  before(async () => {
    const [a, b] = await Promise.all([startTestNode({ DCHAT_RATE_LIMIT_ENABLED: 'false' }), startTestNode({ DCHAT_NODE_ROLE: 'relay' })]);
    env = { a, b };
  });
  after(async () => {
    await Promise.all([env?.a.node.stop(), env?.b.node.stop()]);
  });

  it('has a test for every method and event the contract declares, and the router serves exactly those methods', () => {
    const declaredMethods = contractMembers('ApiMethods');
    const declaredEvents = contractMembers('ApiEvents');
    assert.ok(declaredMethods.length > 0 && declaredEvents.length > 0);
    assert.deepEqual(Object.keys(methodTests).sort(), [...declaredMethods].sort(), 'methods without a test (or tests of no method)');
    assert.deepEqual(Object.keys(eventTests).sort(), [...declaredEvents].sort(), 'events without a test (or tests of no event)');
    assert.deepEqual([...routerHarness().router.methods].sort(), [...declaredMethods].sort(), 'the router serves what the contract declares');
    console.log(`covered: ${declaredMethods.length} methods and ${declaredEvents.length} events = ${declaredMethods.length + declaredEvents.length}`);
  });

  for (const [method, test] of Object.entries(methodTests)) it(`method ${method}`, () => test(env));
  for (const [event, test] of Object.entries(eventTests)) it(`event ${event}`, () => test(env));
});
