import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import type { AttachmentInfo, Chat, GroupInfo, Message, MessageRevision, SearchResult } from '../../api/contract.ts';
import { addContact, createIdentity, introduceOverRelay, json, messages, relayFigures, send, startRelay, startUser, waitFor, waitRelayConnected } from '../helpers/p2p-net.ts';
import { killAllNodes, type RunningNode } from '../helpers/spawn-node.ts';

after(killAllNodes);

const byId = async (node: RunningNode, chat: string, id: string): Promise<Message | undefined> => (await messages(node, chat)).find((m) => m.id === id);
const patch = (node: RunningNode, url: string, body: unknown) => node.api(url, { method: 'PATCH', json: body });
const search = (node: RunningNode, q: string) => json<SearchResult>(node.api(`/api/messages/search?q=${encodeURIComponent(q)}`));

/** Rows a node's own database holds for one message id (what a deleted or expired message leaves). */
function rowsFor(node: RunningNode, id: string): { text: string | null; attachments: number; reactions: number } {
  const db = new Database(path.join(node.dataDir, 'dchat.db'), { readonly: true });
  try {
    return {
      text: (db.prepare('SELECT text FROM messages WHERE id = ?').pluck().get(id) as string | undefined) ?? null,
      attachments: db.prepare('SELECT count(*) FROM attachments WHERE message_id = ?').pluck().get(id) as number,
      reactions: db.prepare('SELECT count(*) FROM message_reactions WHERE message_id = ?').pluck().get(id) as number,
    };
  } finally {
    db.close();
  }
}

/** The envelope ids of a message that a node noted relays took. */
function depositsOf(node: { dataDir: string }, messageId: string): Buffer[] {
  const db = new Database(path.join(node.dataDir, 'dchat.db'), { readonly: true });
  try {
    return db.prepare('SELECT envelope_id FROM relay_deposits WHERE message_id = ?').pluck().all(messageId) as Buffer[];
  } finally {
    db.close();
  }
}

/** How many of these envelopes a relay holds. */
function heldBy(relay: { dataDir: string }, ids: readonly Buffer[]): number {
  const db = new Database(path.join(relay.dataDir, 'dchat.db'), { readonly: true });
  try {
    return ids.reduce((n, id) => n + (db.prepare('SELECT count(*) FROM mailbox WHERE envelope_id = ?').pluck().get(id) as number), 0);
  } finally {
    db.close();
  }
}

/** When a relay drops each envelope it holds. */
function relayExpiries(relay: { dataDir: string }): number[] {
  const db = new Database(path.join(relay.dataDir, 'dchat.db'), { readonly: true });
  try {
    return db.prepare('SELECT expires_at FROM mailbox WHERE expires_at > ? ORDER BY expires_at').pluck().all(Date.now()) as number[];
  } finally {
    db.close();
  }
}

describe('replies, reactions, edits and deletes between two nodes', () => {
  it('work online, and reach B through the relay while B is offline; a deleted message and its file are gone from both stores', async () => {
    const relay = await startRelay();
    const a = await startUser(relay);
    let b = await startUser(relay);
    try {
      const chat = await introduceOverRelay(a, b, 'hello');
      const upload = await json<AttachmentInfo>(
        a.api('/api/attachments?name=note.txt&type=text/plain', { method: 'POST', body: Buffer.from('a file that will be deleted'), headers: { 'content-type': 'application/octet-stream' } }),
      );
      const first = await send(a, chat, 'the original, with a file', { attachments: [upload.id] });
      const atB = await waitFor('the original and its file at B', async () => {
        const m = await byId(b, chat, first.id);
        return m?.attachments?.[0]?.state === 'complete' ? m : undefined;
      });
      const fileAtB = path.join(b.dataDir, 'attachments', atB.attachments![0]!.id);
      assert.ok(fs.existsSync(fileAtB));

      // B replies and reacts; A sees the quote and the reaction.
      const reply = await send(b, chat, 'a reply', { reply_to: first.id });
      assert.equal(reply.quote?.found, true);
      await json(b.api(`/api/messages/${first.id}/reactions`, { json: { emoji: '👍' } }));
      const replyAtA = await waitFor('the reply at A', () => byId(a, chat, reply.id));
      assert.equal(replyAtA.reply_to, first.id);
      assert.deepEqual(replyAtA.quote, { id: first.id, found: true, sender: first.sender, text: 'the original, with a file', deleted: false, attachments: 1 });
      await waitFor("B's 👍 at A", async () => ((await byId(a, chat, first.id))?.reactions?.[0]?.emoji === '👍' ? true : undefined));

      // Someone else's message cannot be edited or deleted for everyone.
      assert.equal((await patch(b, `/api/messages/${first.id}`, { text: 'forged' })).status, 403);
      assert.equal((await b.api(`/api/messages/${first.id}`, { method: 'DELETE' })).status, 403);

      // B goes offline; A edits, reacts, deletes and sends — all of it waits on the relay.
      assert.equal(await b.stop(), 0);
      const later = await send(a, chat, 'sent while B was away');
      await json(patch(a, `/api/messages/${later.id}`, { text: 'sent while B was away (edited)' }));
      await json(a.api(`/api/messages/${reply.id}/reactions`, { json: { emoji: '❤️' } }));
      const deleted = await json<Message>(a.api(`/api/messages/${first.id}`, { method: 'DELETE' }));
      assert.equal(deleted.text, '');
      assert.ok(deleted.deleted_at !== null);
      assert.deepEqual(deleted.attachments ?? [], [], 'the file is gone at A');
      assert.equal(fs.existsSync(path.join(a.dataDir, 'attachments', upload.id)), false);
      await waitFor('the relay to hold the updates', async () => ((await relayFigures(relay)).messages_held >= 4 ? true : undefined), 20_000);
      // Sent and regretted while B is away: the relay is asked to drop it, and does.
      const regretted = await send(a, chat, 'regretted while B was away');
      const envelopes = await waitFor('the relay to take it', async () => (depositsOf(a, regretted.id).length > 0 ? depositsOf(a, regretted.id) : undefined), 20_000);
      assert.equal(heldBy(relay, envelopes), envelopes.length);
      await json(a.api(`/api/messages/${regretted.id}`, { method: 'DELETE' }));
      await waitFor('the relay to drop the deleted message', async () => heldBy(relay, envelopes) === 0, 20_000);
      await waitFor('A to forget what it retracted', async () => depositsOf(a, regretted.id).length === 0);

      b = await startUser(relay, { dataDir: b.dataDir });
      const caughtUp = await waitFor('B to catch up on the edit, the reaction and the delete', async () => {
        const list = await messages(b, chat);
        const edited = list.find((m) => m.id === later.id);
        const original = list.find((m) => m.id === first.id);
        const replied = list.find((m) => m.id === reply.id);
        return edited?.text.endsWith('(edited)') && original?.deleted_at !== null && replied?.reactions?.[0]?.emoji === '❤️' ? { edited, original: original!, replied } : undefined;
      }, 30_000);
      assert.ok(caughtUp.edited.edited_at !== null, 'shown as edited');
      const history = await json<{ revisions: MessageRevision[] }>(b.api(`/api/messages/${later.id}/history`));
      assert.deepEqual(history.revisions.map((r) => r.text), ['sent while B was away']);
      assert.equal(caughtUp.original.text, '');
      assert.deepEqual(caughtUp.replied.quote, { id: first.id, found: true, sender: first.sender, text: '', deleted: true, attachments: 0 }, 'the quote says the original was deleted');
      await waitFor("the deleted file gone from B's disk", async () => !fs.existsSync(fileAtB));
      assert.equal(await byId(b, chat, regretted.id), undefined, 'the retracted message never reached B');
      assert.equal((await search(b, 'regretted')).results.length, 0);
      for (const node of [a, b]) {
        assert.deepEqual(rowsFor(node, first.id), { text: '', attachments: 0, reactions: 0 }, 'nothing of the deleted message is left but its row');
        assert.equal((await search(node, 'original')).results.length, 0, 'the search index forgot it');
      }
      await waitFor('the relay to end empty', async () => ((await relayFigures(relay)).messages_held === 0 ? true : undefined), 20_000);
    } finally {
      await Promise.all([a.stop(), b.stop(), relay.stop()]);
    }
  });
});

describe('disappearing messages', () => {
  it('a timer set on one side reaches the other; messages go from both stores, the index and the files, also across a restart', async () => {
    const relay = await startRelay();
    const a = await startUser(relay);
    let b = await startUser(relay);
    try {
      const chat = await introduceOverRelay(a, b, 'before the timer');
      const set = await json<Chat>(patch(a, `/api/chats/${chat}`, { disappearing_seconds: 30 }));
      assert.equal(set.disappearing_seconds, 30);
      await waitFor('the timer at B', async () => ((await json<Chat>(b.api(`/api/chats/${chat}`))).disappearing_seconds === 30 ? true : undefined));

      const upload = await json<AttachmentInfo>(a.api('/api/attachments?name=brief.txt&type=text/plain', { method: 'POST', body: Buffer.from('soon gone'), headers: { 'content-type': 'application/octet-stream' } }));
      const fleeting = await send(a, chat, 'ephemeralword in thirty seconds', { attachments: [upload.id] });
      assert.ok(fleeting.expires_at !== null && fleeting.expires_at - fleeting.sent_at === 30_000);
      const atB = await waitFor('the message and its file at B', async () => {
        const m = await byId(b, chat, fleeting.id);
        return m?.attachments?.[0]?.state === 'complete' ? m : undefined;
      });
      assert.ok(atB.expires_at !== null && atB.expires_at <= fleeting.expires_at);
      const fileAtB = path.join(b.dataDir, 'attachments', atB.attachments![0]!.id);
      assert.equal((await search(b, 'ephemeralword')).results.length, 1);

      // B is off when its copy expires: it goes when B starts again.
      assert.equal(await b.stop(), 0);
      // Sent while B is away: the relay keeps it no longer than its timer, so B never gets it.
      const unseen = await send(a, chat, 'never seen by B');
      const heldUntil = await waitFor('the relay to hold it', async () => relayExpiries(relay).find((at) => at <= unseen.expires_at! + 1000), 20_000);
      assert.ok(heldUntil <= unseen.expires_at! + 1000, `the relay keeps it until ${heldUntil}, the message goes at ${unseen.expires_at}`);
      await waitFor('the message gone at A', async () => ((await byId(a, chat, fleeting.id)) === undefined ? true : undefined), 40_000);
      assert.equal(rowsFor(a, fleeting.id).text, null);
      assert.equal(fs.existsSync(path.join(a.dataDir, 'attachments', upload.id)), false);
      assert.equal((await search(a, 'ephemeralword')).results.length, 0);
      b = await startUser(relay, { dataDir: b.dataDir });
      await waitFor('the message gone at B after its restart', async () => ((await byId(b, chat, fleeting.id)) === undefined ? true : undefined), 10_000);
      assert.deepEqual(rowsFor(b, fleeting.id), { text: null, attachments: 0, reactions: 0 });
      assert.equal(fs.existsSync(fileAtB), false);
      assert.equal((await search(b, 'ephemeralword')).results.length, 0);
      assert.deepEqual((await messages(b, chat)).map((m) => m.text), ['before the timer'], 'the message before the timer stays');
      assert.equal(await byId(b, chat, unseen.id), undefined, 'what expired on the relay never arrives');
      assert.deepEqual(relayExpiries(relay), [], 'the relay holds nothing for B any more');
    } finally {
      await Promise.all([a.stop(), b.stop(), relay.stop()]);
    }
  });
});

describe('group message updates', () => {
  it('reactions, edits and deletes reach every member; only the author changes a message', async () => {
    const relay = await startRelay();
    const nodes = [await startUser(relay), await startUser(relay), await startUser(relay)] as const;
    const [a, b, c] = nodes;
    try {
      const ids = [await createIdentity(a, 'alice'), await createIdentity(b, 'bob'), await createIdentity(c, 'carol')];
      await Promise.all(nodes.map(waitRelayConnected));
      await addContact(a, b);
      await addContact(a, c);
      const group = await json<GroupInfo>(a.api('/api/groups', { json: { title: 'Three', members: ids.slice(1) } }));
      await waitFor('everyone to know the group', async () => (await Promise.all(nodes.map((n) => n.api(`/api/groups/${group.group_id}`)))).every((r) => r.status === 200), 30_000);
      const chat = group.chat_id;
      const hello = await send(a, chat, 'hello group');
      await waitFor('the message at B and C', async () => ((await byId(b, chat, hello.id)) && (await byId(c, chat, hello.id)) ? true : undefined), 30_000);

      await json(b.api(`/api/messages/${hello.id}/reactions`, { json: { emoji: '🎉' } }));
      await waitFor("B's reaction at A and C", async () => {
        const seen = await Promise.all([a, c].map((n) => byId(n, chat, hello.id)));
        return seen.every((m) => m?.reactions?.[0]?.reactors.includes(ids[1]!)) ? true : undefined;
      }, 30_000);
      assert.equal((await b.api(`/api/messages/${hello.id}`, { method: 'DELETE' })).status, 403, "B cannot delete A's message for everyone");

      await json(patch(a, `/api/messages/${hello.id}`, { text: 'hello group (edited)' }));
      await waitFor('the edit at B and C', async () => {
        const seen = await Promise.all([b, c].map((n) => byId(n, chat, hello.id)));
        return seen.every((m) => m?.text === 'hello group (edited)' && m.edited_at !== null) ? true : undefined;
      }, 30_000);
      await json(a.api(`/api/messages/${hello.id}`, { method: 'DELETE' }));
      await waitFor('the delete at B and C', async () => {
        const seen = await Promise.all([b, c].map((n) => byId(n, chat, hello.id)));
        return seen.every((m) => m?.deleted_at !== null && m?.text === '' && m.reactions?.length === 0) ? true : undefined;
      }, 30_000);
    } finally {
      await Promise.all([...nodes.map((n) => n.stop()), relay.stop()]);
    }
  });
});
