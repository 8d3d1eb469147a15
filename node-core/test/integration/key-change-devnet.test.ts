/**
 * A safety-number change across real processes: a devnet of one validator and one full node
 * (`dchat devnet init`). Anna (full node) adds Ben by his chat-chain username and they talk; her
 * node is stopped; Ben moves his username to a new identity (POST /api/identities/:id/rotate);
 * Anna's node comes back, catches up through block sync, and shows the change in the same chat
 * (a rotation, signed by the key she knew), the new key unverified; her next message there
 * reaches Ben's new identity.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Contact, KeyChange, RotatedUsername } from '../../domain/model.ts';
import { createDevnet, type Devnet } from '../helpers/devnet.ts';
import { json, waitFor } from '../helpers/p2p-net.ts';
import { killAllNodes, type RunningNode } from '../helpers/spawn-node.ts';

interface Page {
  messages: Array<{ id: string; text: string; sender: string; status: string }>;
}

const messagesIn = async (node: RunningNode, chatId: string) => json<Page>(node.api(`/api/messages?chat_id=${encodeURIComponent(chatId)}`));

/** The message with this id in the direct chat `node`'s identity `local` has with `peer`. */
async function arrived(node: RunningNode, local: string, peer: string, id: string) {
  const chats = await json<{ chats: Array<{ chat_id: string; peer_identity: string | null; identity_id: string }> }>(node.api('/api/chats'));
  const chat = chats.chats.find((c) => c.peer_identity === peer && c.identity_id === local);
  if (!chat) return undefined;
  return (await messagesIn(node, chat.chat_id)).messages.find((m) => m.id === id);
}

describe('a contact rotates its key while we are offline', { timeout: 180_000 }, () => {
  let net: Devnet;
  before(async () => {
    net = await createDevnet(1, 1);
    await Promise.all(net.names.map((n) => net.start(n)));
  });
  after(killAllNodes);

  it('shows the safety-number change in the same chat after catching up, and the chat goes on with the new key', async () => {
    let anna = net.node('full-0');
    const ben = net.node('validator-0');
    const annaId = (await json<{ id: string }>(anna.api('/api/identities', { json: { username: 'anna' } }))).id;
    const benId = (await json<{ id: string }>(ben.api('/api/identities', { json: { username: 'ben' } }))).id;
    assert.equal((await json<{ status: string }>(ben.api(`/api/identities/${benId}/register`, { json: { username: 'ben_dc' } }))).status, 'final');
    await waitFor('ben_dc at Anna', async () => (await json<{ record: unknown }>(anna.api('/api/directory/ben_dc'))).record ?? undefined, 30_000);
    const added = await json<{ chat_id: string; contact: Contact }>(anna.api('/api/contacts/by-username', { json: { username: 'ben_dc' } }));
    assert.equal(added.contact.identity_key, benId);
    const hello = await json<{ id: string }>(anna.api('/api/messages/send', { json: { chat_id: added.chat_id, text: 'hello Ben' } }));
    await waitFor('the first message at Ben', () => arrived(ben, benId, annaId, hello.id), 30_000);
    await json(anna.api(`/api/contacts/${benId}/verify`, { method: 'POST', json: { verified: true } }));

    await anna.stop();
    const newBen = (await json<{ id: string }>(ben.api('/api/identities', { json: { username: 'ben_new' } }))).id;
    const moved = await json<RotatedUsername>(ben.api(`/api/identities/${benId}/rotate`, { json: { to: newBen } }));
    assert.deepEqual([moved.rotate.status, moved.identity_id], ['final', newBen]);

    anna = await net.start('full-0');
    const change = await waitFor(
      'the key change at Anna',
      async () => (await json<{ key_changes: KeyChange[] }>(anna.api(`/api/contacts/key-changes?chat_id=${encodeURIComponent(added.chat_id)}`))).key_changes[0],
      60_000,
    );
    assert.deepEqual(
      { kind: change.kind, old: change.old_key, new: change.new_key, username: change.username },
      { kind: 'rotated', old: benId, new: newBen, username: 'ben_dc' },
    );
    // Seen in the state after catching up: the rotation's block or a later one.
    assert.ok(change.height >= moved.rotate.height!, `seen at height ${change.height}, rotated at ${moved.rotate.height}`);
    const contact = await json<Contact>(anna.api(`/api/contacts/${newBen}`));
    assert.equal(contact.verified, false, 'the verified mark is gone with the old key');
    assert.equal(contact.chat_id, added.chat_id);
    const safety = await json<{ safety_number: string; verified: boolean }>(anna.api(`/api/contacts/${newBen}/safety-number`));
    assert.equal(safety.verified, false);
    assert.match(safety.safety_number, /^(\d{5} ){11}\d{5}$/);

    const after = await json<{ id: string }>(anna.api('/api/messages/send', { json: { chat_id: added.chat_id, text: 'still you?' } }));
    const there = await waitFor("Anna's message at Ben's new identity", () => arrived(ben, newBen, annaId, after.id), 30_000);
    assert.equal(there.text, 'still you?');

    // The old key is retired for this chat, as Signal stops taking a replaced identity key; the new one answers into it.
    const oldChat = (await json<{ chats: Array<{ chat_id: string; peer_identity: string | null; identity_id: string }> }>(ben.api('/api/chats'))).chats.find((c) => c.identity_id === benId && c.peer_identity === annaId)!;
    const newChat = (await json<{ chats: Array<{ chat_id: string; peer_identity: string | null; identity_id: string }> }>(ben.api('/api/chats'))).chats.find((c) => c.identity_id === newBen && c.peer_identity === annaId)!;
    const stale = await json<{ id: string }>(ben.api('/api/messages/send', { json: { chat_id: oldChat.chat_id, text: 'from the old key' } }));
    const reply = await json<{ id: string }>(ben.api('/api/messages/send', { json: { chat_id: newChat.chat_id, text: 'yes, new key' } }));
    await waitFor("the new key's reply in Anna's chat", async () => (await messagesIn(anna, added.chat_id)).messages.find((m) => m.id === reply.id), 30_000);
    await waitFor('the old-key message delivered to Anna’s node', async () => {
      const page = await messagesIn(ben, oldChat.chat_id);
      return page.messages.some((m) => m.id === stale.id && ['sent', 'delivered'].includes(m.status)) || undefined;
    }, 30_000);
    const texts = (await messagesIn(anna, added.chat_id)).messages.map((m) => m.text);
    assert.deepEqual(texts, ['hello Ben', 'still you?', 'yes, new key'], 'one conversation, before and after; nothing from the old key');
    const annaChats = await json<{ chats: Array<{ peer_identity: string | null }> }>(anna.api('/api/chats'));
    assert.equal(annaChats.chats.filter((c) => c.peer_identity === benId).length, 0, 'no chat with the old key either');
  });
});
