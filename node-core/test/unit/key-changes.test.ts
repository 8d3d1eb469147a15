/**
 * Safety-number changes from the chat chain's directory, over a real node (its own local chat
 * chain, real SQLite): a contact's username moving to another key is shown in the same
 * conversation, which goes on with the new key, unverified.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pino from 'pino';
import type { ApiEvent, MethodInput, MethodName, MethodOutput } from '../../api/contract.ts';
import { changeKind } from '../../contacts/key-change-watch.ts';
import { loadConfig } from '../../config/load.ts';
import { createNode, type DchatNode } from '../../node.ts';
import { directoryClient, inviteOf, recordOf, remoteKey } from '../helpers/directory-keys.ts';
import { waitFor } from '../helpers/p2p-net.ts';
import { rejectsWith } from '../helpers/router.ts';
import { tempDir } from '../helpers/spawn-node.ts';

let node: DchatNode;
const seen: ApiEvent[] = [];
const call = <M extends MethodName>(method: M, input: MethodInput<M>): Promise<MethodOutput<M>> => node.api.call(method, input);
const directory = directoryClient(call);
let me: string;
let peerId: string;
let n = 0;
const name = (base: string) => `${base}${++n}${Math.floor(Math.random() * 1e4)}`;

describe('safety-number changes from the directory', { timeout: 60_000 }, () => {
  before(async () => {
    const loaded = loadConfig({ env: { DCHAT_DATA_DIR: tempDir(), DCHAT_P2P_HOST: '127.0.0.1', DCHAT_P2P_PORT: '0', DCHAT_P2P_WS_PORT: '0', DCHAT_RATE_LIMIT_ENABLED: 'false' } });
    node = createNode({ loaded, logger: pino({ level: 'silent' }), version: 'test', http: false });
    await node.start();
    node.api.subscribe((e) => seen.push(e));
    me = (await call('identities.create', { username: 'watcher' })).id;
    peerId = node.p2p!.peerId;
  });
  after(() => node?.stop());

  it('shows a rotation in the same chat, keeps the chat on the new key and clears the verified mark', async () => {
    const old = remoteKey();
    const username = name('carol');
    await directory.register(old, username, recordOf(old, 'Carol', peerId));
    const added = await call('contacts.addByUsername', { username, identity_id: me });
    await call('contacts.verify', { identity_key: old.hex, verified: true, identity_id: me });
    assert.equal((await call('contacts.get', { identity_key: old.hex, identity_id: me })).verified, true);
    const mark = seen.length;

    const next = remoteKey();
    const rotated = await directory.rotate(old, next, username, recordOf(next, 'Carol', peerId));
    const { key_changes } = await waitFor('the key change', async () => {
      const answer = await call('contacts.keyChanges', { chat_id: added.chat_id });
      return answer.key_changes.length > 0 ? answer : undefined;
    });
    assert.equal(key_changes.length, 1);
    const change = key_changes[0]!;
    assert.deepEqual(
      { kind: change.kind, old: change.old_key, new: change.new_key, username: change.username, name: change.display_name, chat: change.chat_id, height: change.height },
      { kind: 'rotated', old: old.hex, new: next.hex, username, name: 'Carol', chat: added.chat_id, height: rotated.height },
    );
    const event = seen.slice(mark).find((e) => e.type === 'contact.keyChanged');
    assert.deepEqual(event?.data, change, 'the change is pushed as an event');

    const contact = await call('contacts.get', { identity_key: next.hex, identity_id: me });
    assert.equal(contact.verified, false, 'the new key is not verified');
    assert.equal(contact.chat_id, added.chat_id, 'the conversation goes on where it was');
    await rejectsWith(call('contacts.get', { identity_key: old.hex, identity_id: me }), 'ContactNotFound');
    const chat = await call('chats.get', { chat_id: added.chat_id });
    assert.equal(chat.peer_identity, next.hex, 'new messages go to the new key');
    const safety = await call('contacts.safetyNumber', { identity_key: next.hex, identity_id: me });
    assert.equal(safety.verified, false);

    // The new key publishes its own record: the contact is refreshed from it, with no second notice.
    await directory.update(next, recordOf(next, 'Carol Two', peerId));
    await waitFor('the new record', async () => ((await call('contacts.get', { identity_key: next.hex, identity_id: me })).display_name === 'Carol Two' ? true : undefined));
    assert.equal((await call('contacts.keyChanges', { chat_id: added.chat_id })).key_changes.length, 1);
  });

  it('notices a contact added by invite, whose username it never looked up', async () => {
    const old = remoteKey();
    const username = name('dave');
    const record = recordOf(old, 'Dave', peerId);
    await directory.register(old, username, record);
    const added = await call('contacts.add', { invite: inviteOf(record), identity_id: me });
    const next = remoteKey();
    await directory.rotate(old, next, username, recordOf(next, 'Dave', peerId));
    const change = await waitFor('the key change', async () => (await call('contacts.keyChanges', { chat_id: added.chat_id })).key_changes[0]);
    assert.deepEqual([change.kind, change.old_key, change.new_key, change.username], ['rotated', old.hex, next.hex, username]);
    assert.ok((await call('contacts.keyChanges', {})).key_changes.some((c) => c.id === change.id), 'listed among all chats too');
  });

  it('leaves contacts whose key stays alone', async () => {
    const key = remoteKey();
    const username = name('erin');
    await directory.register(key, username, recordOf(key, 'Erin', peerId));
    const added = await call('contacts.addByUsername', { username, identity_id: me });
    // Another directory change in a later block: nothing about Erin changes.
    const other = remoteKey();
    await directory.register(other, name('frank'), recordOf(other, 'Frank', peerId));
    assert.deepEqual((await call('contacts.keyChanges', { chat_id: added.chat_id })).key_changes, []);
    assert.equal((await call('contacts.get', { identity_key: key.hex, identity_id: me })).chat_id, added.chat_id);
  });

  it('calls a change signed by the known key a rotation, anything else a reset', () => {
    const known = remoteKey();
    const later = remoteKey();
    const entry = (previous: Uint8Array[]) => ({ key: later.publicKey, record: new Uint8Array(), previous_keys: previous });
    assert.equal(changeKind(known.hex, entry([known.publicKey])), 'rotated');
    assert.equal(changeKind(known.hex, entry([remoteKey().publicKey, known.publicKey])), 'rotated', 'through several signed rotations');
    assert.equal(changeKind(known.hex, entry([])), 'reset');
    assert.equal(changeKind(known.hex, entry([remoteKey().publicKey])), 'reset');
  });
});
