import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import type { GroupInfo } from '../../api/contract.ts';
import { addContact, createIdentity, json, messages, send, sendAndWait, startRelay, startUser, waitFor, waitRelayConnected } from '../helpers/p2p-net.ts';
import { killAllNodes, type RunningNode } from '../helpers/spawn-node.ts';

after(killAllNodes);

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

      const afterRemoval = await json<GroupInfo>(a.api(`/api/groups/${group.group_id}/members/${ids[3]}`, { method: 'DELETE' }));
      assert.equal(afterRemoval.members.length, 3);
      assert.equal(afterRemoval.version, 3);
      await waitFor('B and C to take version 3, and D to know it was removed', async () => {
        const [gb, gc, gd] = await Promise.all([b, c, d].map((n) => json<GroupInfo>(n.api(`/api/groups/${group.group_id}`))));
        return gb!.version === 3 && gc!.version === 3 && gd!.removed;
      });

      const secrets = ['secret from alice 7f3a', 'secret from bob 9c1e', 'secret from carol 4b2d'];
      await send(a, chat, secrets[0]!);
      await send(b, chat, secrets[1]!);
      await send(c, chat, secrets[2]!);
      await waitFor('A, B and C to have every message after the removal', async () => {
        const all = await Promise.all([a, b, c].map((n) => messages(n, chat)));
        return all.every((list) => secrets.every((s) => list.some((m) => m.text === s)));
      }, 30_000);
      // Give stray copies time to arrive anywhere they might.
      await new Promise((r) => setTimeout(r, 1500));
      const atD = await messages(d, chat);
      assert.deepEqual(atD.filter((m) => secrets.includes(m.text)), [], 'D reads nothing sent after it was removed');
      assert.equal(await d.stop(), 0);

      // D never received the keys the others made after the removal, and no plaintext is in its database.
      const db = new Database(path.join(d.dataDir, 'dchat.db'), { readonly: true });
      const dKeys = db.prepare('SELECT sender, max(key_id) AS key_id FROM sender_keys WHERE group_id = ? GROUP BY sender').all(group.group_id) as Array<{ sender: string; key_id: number }>;
      db.close();
      const aDb = new Database(path.join(a.dataDir, 'dchat.db'), { readonly: true });
      const aKeys = aDb.prepare('SELECT sender, max(key_id) AS key_id FROM sender_keys WHERE group_id = ? GROUP BY sender').all(group.group_id) as Array<{ sender: string; key_id: number }>;
      aDb.close();
      for (const key of aKeys) {
        const known = dKeys.find((k) => k.sender === key.sender);
        assert.ok(!known || known.key_id < key.key_id, `D does not hold ${key.sender.slice(0, 8)}'s current sender key`);
      }
      const raw = Buffer.concat(['dchat.db', 'dchat.db-wal'].map((f) => {
        try {
          return fs.readFileSync(path.join(d.dataDir, f));
        } catch {
          return Buffer.alloc(0);
        }
      }));
      for (const s of secrets) assert.equal(raw.includes(Buffer.from(s)), false, `"${s}" appears nowhere in D's files`);
    } finally {
      await Promise.all([...nodes.map((n) => n.stop()), relay.stop()]);
    }
  });
});
