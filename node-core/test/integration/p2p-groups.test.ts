import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import type { GroupInfo, NodeStatus } from '../../api/contract.ts';
import { addContact, createIdentity, json, messages, send, sendAndWait, startRelay, startUser, waitFor, waitRelayConnected } from '../helpers/p2p-net.ts';
import { killAllNodes, type RunningNode } from '../helpers/spawn-node.ts';

after(killAllNodes);

/** Newest sender key id per sender, for one group, as a node's database holds them. */
function senderKeys(node: { dataDir: string }, groupId: string): Map<string, number> {
  const db = new Database(path.join(node.dataDir, 'dchat.db'), { readonly: true });
  try {
    const rows = db.prepare('SELECT sender, max(key_id) AS key_id FROM sender_keys WHERE group_id = ? GROUP BY sender').all(groupId) as Array<{ sender: string; key_id: number }>;
    return new Map(rows.map((r) => [r.sender, r.key_id]));
  } finally {
    db.close();
  }
}

/** What a relay's database holds for one recipient. */
function mailFor(relay: { dataDir: string }, recipient: string): { messages: number; chunks: number } {
  const db = new Database(path.join(relay.dataDir, 'dchat.db'), { readonly: true });
  try {
    return {
      messages: db.prepare('SELECT count(*) FROM mailbox WHERE recipient = ?').pluck().get(recipient) as number,
      chunks: db.prepare('SELECT count(*) FROM mailbox_blobs WHERE recipient = ?').pluck().get(recipient) as number,
    };
  } finally {
    db.close();
  }
}

async function waitOutboxesEmpty(nodes: readonly RunningNode[]): Promise<void> {
  await waitFor('every outbox to empty', async () => {
    const statuses = await Promise.all(nodes.map((n) => json<NodeStatus>(n.api('/status'))));
    return statuses.every((s) => s.p2p?.outbox === 0);
  }, 30_000);
}

describe('groups', () => {
  it('a group of four chats; after one member is removed, the rest keep talking and the removed one cannot read it', async () => {
    const relay = await startRelay();
    const names = ['alice', 'bob', 'carol', 'dave'] as const;
    const nodes: RunningNode[] = [];
    try {
      for (const _ of names) nodes.push(await startUser(relay));
      const [a, b, , d] = nodes as [RunningNode, RunningNode, RunningNode, RunningNode];
      let c = nodes[2]!;
      const ids: string[] = [];
      for (const [i, name] of names.entries()) ids.push(await createIdentity(nodes[i]!, name));
      await Promise.all(nodes.map(waitRelayConnected));
      for (const other of [b, c, d]) await addContact(a, other);

      // Made with three, then the admin adds the fourth.
      const group = await json<GroupInfo>(a.api('/api/groups', { json: { title: 'Four friends', members: ids.slice(1, 3) } }));
      assert.equal(group.members.length, 3);
      const grown = await json<GroupInfo>(a.api(`/api/groups/${group.group_id}/members`, { json: { members: [ids[3]] } }));
      assert.equal(grown.members.length, 4);
      assert.equal(grown.version, 2);
      await waitFor('B to know the group', async () => (await b.api(`/api/groups/${group.group_id}`)).status === 200);
      assert.equal((await b.api(`/api/groups/${group.group_id}/members/${ids[2]}`, { method: 'DELETE' })).status, 403, 'only the admin changes members');

      assert.equal(group.admin, ids[0]);
      const chat = group.chat_id;
      await waitFor('every member to know the group', async () => {
        const infos = await Promise.all(nodes.map((n) => n.api(`/api/groups/${group.group_id}`)));
        return infos.every((r) => r.status === 200);
      });

      await send(a, chat, 'hello everyone');
      await waitFor('the first message at B, C and D', async () => {
        const all = await Promise.all([b, c, d].map((n) => messages(n, chat)));
        return all.every((list) => list.some((m) => m.text === 'hello everyone'));
      }, 30_000);
      await send(d, chat, 'dave says hi');
      await waitFor("D's message at A, B and C", async () => {
        const all = await Promise.all([a, b, c].map((n) => messages(n, chat)));
        return all.every((list) => list.some((m) => m.text === 'dave says hi'));
      }, 30_000);

      // A member who is offline gets group messages through its relay when it is back.
      const cDir = c.dataDir;
      assert.equal(await c.stop(), 0);
      await sendAndWait(a, b, chat, 'while carol is away', 30_000);
      c = await startUser(relay, { dataDir: cDir });
      nodes[2] = c;
      await waitFor('C to get it through the relay', async () => (await messages(c, chat)).some((m) => m.text === 'while carol is away'), 30_000);

      // Each member's own sender key before the removal: the removal must replace every one of them.
      const [idA, idB, idC, idD] = ids as [string, string, string, string];
      const remaining = [
        { node: a, id: idA },
        { node: b, id: idB },
        { node: c, id: idC },
      ];
      const keysBefore = new Map(remaining.map((m) => [m.id, senderKeys(m.node, group.group_id).get(m.id)]));
      for (const m of remaining) assert.ok(keysBefore.get(m.id)! >= 1, `${m.id.slice(0, 8)} has a sender key before the removal`);

      const afterRemoval = await json<GroupInfo>(a.api(`/api/groups/${group.group_id}/members/${idD}`, { method: 'DELETE' }));
      assert.equal(afterRemoval.members.length, 3);
      assert.equal(afterRemoval.version, 3);
      await waitFor('B and C to take version 3, and D to know it was removed', async () => {
        const [gb, gc, gd] = await Promise.all([b, c, d].map((n) => json<GroupInfo>(n.api(`/api/groups/${group.group_id}`))));
        return gb!.version === 3 && gc!.version === 3 && gd!.removed;
      });

      // The rekey: every remaining member made a new sender key (a new key id), and every other
      // remaining member holds exactly that new key; the removed member's keys are gone everywhere.
      const newKeyIds = await waitFor('every remaining member to hold every remaining sender\'s new key', async () => {
        const held = remaining.map((m) => senderKeys(m.node, group.group_id));
        const own = new Map(remaining.map((m, i) => [m.id, held[i]!.get(m.id)]));
        if (remaining.some((m) => !(own.get(m.id)! > keysBefore.get(m.id)!))) return undefined;
        const everyoneHasThem = held.every((keys) => remaining.every((sender) => keys.get(sender.id) === own.get(sender.id)));
        return everyoneHasThem ? own : undefined;
      }, 30_000);
      for (const m of remaining) {
        assert.equal(newKeyIds.get(m.id), keysBefore.get(m.id)! + 1, `${m.id.slice(0, 8)}'s new key id follows its old one`);
        assert.equal(senderKeys(m.node, group.group_id).has(idD), false, `${m.id.slice(0, 8)} dropped D's sender key`);
      }

      const secrets = ['secret from alice 7f3a', 'secret from bob 9c1e', 'secret from carol 4b2d'];
      await send(a, chat, secrets[0]!);
      await send(b, chat, secrets[1]!);
      await send(c, chat, secrets[2]!);
      await waitFor('A, B and C to have every message after the removal', async () => {
        const all = await Promise.all([a, b, c].map((n) => messages(n, chat)));
        return all.every((list) => secrets.every((s) => list.some((m) => m.text === s)));
      }, 30_000);
      // Everything A, B and C meant to send has left them (acknowledged by its recipient or a relay):
      // anything addressed to D would have reached D, or be waiting for D at the relay.
      await waitOutboxesEmpty(remaining.map((m) => m.node));
      const atD = await messages(d, chat);
      assert.deepEqual(atD.filter((m) => secrets.includes(m.text)), [], 'D reads nothing sent after it was removed');
      const dDir = d.dataDir;
      assert.equal(await d.stop(), 0);

      // With D offline, whatever is still sent for D waits at its relay: each remaining member writes once more.
      const lastWords = ['after D left, from alice', 'after D left, from bob', 'after D left, from carol'];
      for (const [i, m] of remaining.entries()) await send(m.node, chat, lastWords[i]!);
      await waitFor('the last messages at A, B and C', async () => {
        const all = await Promise.all([a, b, c].map((n) => messages(n, chat)));
        return all.every((list) => lastWords.every((s) => list.some((m) => m.text === s)));
      }, 30_000);
      await waitOutboxesEmpty(remaining.map((m) => m.node));
      const waiting = mailFor(relay, idD);
      assert.deepEqual(waiting, { messages: 0, chunks: 0 }, 'nothing for the removed member waits at the relay');

      // D never received the keys the others made after the removal, and no plaintext is in its database.
      const dKeys = senderKeys({ dataDir: dDir }, group.group_id);
      for (const m of remaining) {
        const known = dKeys.get(m.id);
        assert.ok(known === undefined || known < newKeyIds.get(m.id)!, `D does not hold ${m.id.slice(0, 8)}'s current sender key (D has ${known})`);
      }
      const raw = Buffer.concat(['dchat.db', 'dchat.db-wal'].map((f) => {
        try {
          return fs.readFileSync(path.join(dDir, f));
        } catch {
          return Buffer.alloc(0);
        }
      }));
      for (const s of [...secrets, ...lastWords]) assert.equal(raw.includes(Buffer.from(s)), false, `"${s}" appears nowhere in D's files`);
    } finally {
      await Promise.all([...nodes.map((n) => n.stop()), relay.stop()]);
    }
  });
});
