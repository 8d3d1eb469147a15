import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import type { AttachmentInfo, Message } from '../../api/contract.ts';
import { addContact, createIdentity, introduceOverRelay, json, messages, relayFigures, send, sendAndWait, startRelay, startUser, waitFor, waitRelayConnected } from '../helpers/p2p-net.ts';
import { killAllNodes, startNode, type RunningNode } from '../helpers/spawn-node.ts';

after(killAllNodes);

const texts = (list: Message[]) => list.map((m) => m.text);
const range = (from: number, to: number) => Array.from({ length: Math.max(0, to - from) }, (_, i) => from + i);

/** The chunk indices a node logged as fetched for one attachment, in the order it fetched them. */
const chunksFetched = (node: RunningNode, attachment: string): number[] =>
  node.logs.filter((l) => l.msg === 'attachment chunk fetched' && l.attachment === attachment).map((l) => l.chunk as number);

describe('1:1 chat between nodes', () => {
  it('A and B chat both ways directly; order kept, delivery and read receipts reach the sender', async () => {
    const relay = await startRelay();
    const a = await startUser(relay);
    const b = await startUser(relay);
    try {
      await createIdentity(a, 'alice');
      await createIdentity(b, 'bob');
      const chat = await addContact(a, b);

      const sent: Message[] = [];
      for (let i = 0; i < 30; i++) sent.push(await send(a, chat, `a→b ${i}`));
      assert.ok(sent.every((m) => m.status === 'pending'), 'nothing pretends to be delivered before it is');
      await waitFor('B to have all 30 in order', async () => {
        const got = texts(await messages(b, chat));
        return got.length === 30 && got.every((t, i) => t === `a→b ${i}`);
      });
      await waitFor('delivery receipts at A', async () => (await messages(a, chat)).every((m) => m.status === 'delivered'));

      for (let i = 0; i < 5; i++) await send(b, chat, `b→a ${i}`);
      await waitFor('A to have the replies in order', async () => {
        const got = texts(await messages(a, chat));
        return got.length === 35 && got.slice(30).every((t, i) => t === `b→a ${i}`);
      });

      const chatAtB = await json<{ unread_count: number }>(b.api(`/api/chats/${chat}`));
      assert.equal(chatAtB.unread_count, 30);
      await json(b.api(`/api/chats/${chat}/read`, { method: 'POST' }));
      await waitFor('read receipts at A', async () => (await messages(a, chat)).filter((m) => m.text.startsWith('a→b')).every((m) => m.status === 'read'));

      const peers = await json<{ peers: Array<{ peer_id: string; addresses: string[]; direction: string; latency_ms: number | null; role: string | null }>; count: number }>(a.api('/peers'));
      const toB = peers.peers.find((p) => p.peer_id === b.peerId);
      assert.ok(toB, '/peers lists B');
      assert.ok(toB.addresses.length > 0 && ['inbound', 'outbound'].includes(toB.direction));
      assert.equal(peers.peers.find((p) => p.peer_id === relay.peerId)?.role, 'relay');
      const status = await json<{ peers: { connected: number }; p2p: { peer_id: string; addresses: string[] } }>(a.api('/status'));
      assert.equal(status.p2p.peer_id, a.peerId);
      assert.ok(status.peers.connected >= 2);

      const metrics = await (await fetch(`${a.url}/metrics`)).text();
      assert.match(metrics, /libp2p_/, 'libp2p metrics are exported');
      assert.match(metrics, /dchat_p2p_connected_peers [1-9]/);
      const direct = Number(/dchat_envelopes_sent_total\{path="direct"\} (\d+)/.exec(metrics)?.[1] ?? 0);
      assert.ok(direct >= 30, `A delivered directly (${direct} envelopes)`);

      // Safety numbers: both sides compute the same 60 digits.
      const aIdentity = (await json<{ identities: Array<{ id: string }> }>(a.api('/api/identities'))).identities[0]!.id;
      const bIdentity = (await json<{ identities: Array<{ id: string }> }>(b.api('/api/identities'))).identities[0]!.id;
      const atA = await json<{ safety_number: string }>(a.api(`/api/contacts/${bIdentity}/safety-number`));
      const atB = await json<{ safety_number: string }>(b.api(`/api/contacts/${aIdentity}/safety-number`));
      assert.match(atA.safety_number, /^(\d{5} ){11}\d{5}$/);
      assert.equal(atA.safety_number, atB.safety_number);
      const verified = await json<{ verified: boolean }>(a.api(`/api/contacts/${bIdentity}/verify`, { json: { verified: true } }));
      assert.equal(verified.verified, true);
    } finally {
      await Promise.all([a.stop(), b.stop(), relay.stop()]);
    }
  });
});

describe('offline delivery through a relay', () => {
  it('B offline: 100 messages and a 20 MB attachment wait on R; B starts and has them all, in order, intact; R ends empty', async () => {
    const relay = await startRelay();
    const a = await startUser(relay);
    let b = await startUser(relay);
    try {
      const chat = await introduceOverRelay(a, b, 'hello while online');
      const bDir = b.dataDir;
      assert.equal(await b.stop(), 0);

      for (let i = 0; i < 100; i++) await send(a, chat, `offline ${i}`);
      const file = crypto.randomBytes(20 * 1024 * 1024);
      const sha = crypto.createHash('sha256').update(file).digest('hex');
      const upload = await json<AttachmentInfo>(a.api('/api/attachments?name=big.bin&type=application/octet-stream', { method: 'POST', body: file, headers: { 'content-type': 'application/octet-stream' } }));
      assert.equal(upload.sha256, sha);
      await send(a, chat, 'the file', { attachments: [upload.id] });

      const held = await waitFor('R to hold the mail and the chunks', async () => {
        const f = await relayFigures(relay);
        return f.messages_held >= 101 && f.bytes_held >= file.length ? f : undefined;
      }, 30_000);
      console.log(`R holds ${held.messages_held} envelopes and ${(held.bytes_held / 1e6).toFixed(1)} MB`);
      // The sender goes away too: everything B gets now comes from the relay.
      assert.equal(await a.stop(), 0);

      // Reported, not asserted (the figure includes B's own start-up): speed is for the benchmark.
      const started = Date.now();
      b = await startUser(relay, { dataDir: bDir });
      const all = await waitFor('B to have all 102 messages and the complete file', async () => {
        const list = await messages(b, chat);
        const last = list[list.length - 1];
        return list.length === 102 && last?.attachments?.[0]?.state === 'complete' ? list : undefined;
      }, 30_000);
      const elapsed = Date.now() - started;
      console.log(`B (re)started and had everything ${elapsed} ms after its process was spawned`);
      assert.deepEqual(texts(all), ['hello while online', ...Array.from({ length: 100 }, (_, i) => `offline ${i}`), 'the file']);
      const attachment = all[101]!.attachments![0]!;
      const downloaded = Buffer.from(await (await b.api(`/api/attachments/${attachment.id}`)).arrayBuffer());
      assert.equal(crypto.createHash('sha256').update(downloaded).digest('hex'), sha, 'the file is intact');

      await waitFor("R's mailbox for B to empty after B's receipts", async () => {
        const f = await relayFigures(relay);
        return f.delivered_total >= 101 && f.bytes_held < 1024 * 1024 ? f : undefined;
      });
      // A comes back and collects B's delivery receipts from R; then R holds nothing at all.
      const a2 = await startUser(relay, { dataDir: a.dataDir });
      try {
        await waitFor('delivered statuses at A', async () => (await messages(a2, chat)).every((m) => m.status === 'delivered'), 20_000);
        const empty = await waitFor('R empty', async () => {
          const f = await relayFigures(relay);
          return f.messages_held === 0 && f.bytes_held === 0 ? f : undefined;
        });
        assert.equal(empty.messages_held, 0);
      } finally {
        await a2.stop();
      }
    } finally {
      await Promise.all([b.stop(), relay.stop()]);
    }
  });

  it('R restarted with SIGTERM and with kill -9 while holding mail loses nothing', async () => {
    let relay = await startRelay();
    const a = await startUser(relay);
    let b = await startUser(relay);
    try {
      const chat = await introduceOverRelay(a, b, 'warm-up');
      const bDir = b.dataDir;
      await b.stop();
      const marker = 'PLAINTEXT-MARKER-4f1c9e';
      for (let i = 0; i < 20; i++) await send(a, chat, `held ${i} ${marker}`);
      await waitFor('R to hold 20', async () => (await relayFigures(relay)).messages_held >= 20);
      // The relay holds the mail but not one readable byte of it.
      const onDisk = Buffer.concat(
        ['dchat.db', 'dchat.db-wal'].map((f) => (fs.existsSync(path.join(relay.dataDir, f)) ? fs.readFileSync(path.join(relay.dataDir, f)) : Buffer.alloc(0))),
      );
      assert.ok(onDisk.length > 0);
      assert.equal(onDisk.includes(Buffer.from(marker)), false, 'no plaintext in the relay database');
      assert.equal(onDisk.includes(Buffer.from('held 1')), false);

      const restart = async (how: 'SIGTERM' | 'SIGKILL') => {
        if (how === 'SIGTERM') assert.equal(await relay.stop('SIGTERM'), 0);
        else {
          relay.child.kill('SIGKILL');
          await relay.exited;
        }
        const previousPeerId = relay.peerId;
        relay = await startRelay({ dataDir: relay.dataDir, p2pPort: relay.p2pPort });
        assert.equal(relay.peerId, previousPeerId, 'the peer key persists in the data directory');
        assert.equal((await relayFigures(relay)).messages_held, 20, `still 20 after ${how}`);
      };
      await restart('SIGTERM');
      await restart('SIGKILL');

      b = await startUser(relay, { dataDir: bDir });
      await waitFor('B to get all 20 after the restarts', async () => {
        const got = texts(await messages(b, chat));
        return got.length === 21 && got.slice(1).every((t, i) => t === `held ${i} ${marker}`);
      }, 20_000);
      await waitFor('R empty', async () => (await relayFigures(relay)).messages_held === 0);
    } finally {
      await Promise.all([a.stop(), b.stop(), relay.stop()]);
    }
  });

  it('a short TTL expires mail on R and counts it, and B, back after the expiry, never gets it', async () => {
    // 0.001 h = 3.6 s
    const relay = await startRelay({ env: { DCHAT_MSG_TTL_HOURS: '0.001' } });
    const a = await startUser(relay);
    let b = await startUser(relay);
    try {
      const chat = await introduceOverRelay(a, b, 'warm-up');
      assert.equal(await b.stop(), 0);
      for (let i = 0; i < 3; i++) await send(a, chat, `short-lived ${i}`);
      await waitFor('R to hold 3', async () => (await relayFigures(relay)).messages_held >= 3);
      const expired = await waitFor('the TTL to expire them', async () => {
        const f = await relayFigures(relay);
        return f.messages_held === 0 && f.expired_total >= 3 ? f : undefined;
      }, 15_000);
      assert.ok(expired.expired_total >= 3);
      const metrics = await (await fetch(`${relay.url}/metrics`)).text();
      assert.match(metrics, /dchat_relay_messages_expired_total [3-9]/);

      // B comes back after the expiry: subscribed to R (which hands over what it holds at once),
      // then a fresh message from A reaches B, so anything R or A still had for B would be there too.
      b = await startUser(relay, { dataDir: b.dataDir });
      await waitRelayConnected(b);
      await sendAndWait(a, b, chat, 'after the expiry', 20_000);
      const atB = texts(await messages(b, chat));
      assert.deepEqual(atB, ['warm-up', 'after the expiry'], 'nothing that expired reached B');
      const atA = (await messages(a, chat)).filter((m) => m.text.startsWith('short-lived'));
      assert.equal(atA.length, 3);
      assert.ok(atA.every((m) => m.status === 'sent'), `A never saw them delivered (${atA.map((m) => m.status).join(', ')})`);
    } finally {
      await Promise.all([a.stop(), b.stop(), relay.stop()]);
    }
  });
});

describe('attachments', () => {
  it('a download cut by kill -9 resumes where it stopped after a restart, and the file is intact', async () => {
    const relay = await startRelay();
    const a = await startUser(relay);
    let b = await startUser(relay);
    try {
      const chat = await introduceOverRelay(a, b, 'warm-up');
      const bDir = b.dataDir;
      await b.stop();
      const file = crypto.randomBytes(24 * 1024 * 1024);
      const sha = crypto.createHash('sha256').update(file).digest('hex');
      const upload = await json<AttachmentInfo>(a.api('/api/attachments?name=resume.bin', { method: 'POST', body: file, headers: { 'content-type': 'application/octet-stream' } }));
      await send(a, chat, '', { attachments: [upload.id] });
      await waitFor('chunks on R', async () => (await relayFigures(relay)).bytes_held >= file.length, 30_000);
      await a.stop();

      b = await startUser(relay, { dataDir: bDir });
      const partial = await waitFor('a partial download', async () => {
        const res = await b.api(`/api/attachments/${upload.id}/info`);
        if (res.status !== 200) return undefined;
        const info = (await res.json()) as AttachmentInfo;
        return info.chunks_done >= 5 && info.chunks_done < info.chunks_total - 5 ? info : undefined;
      }, 20_000);
      b.child.kill('SIGKILL');
      await b.exited;
      const firstRun = chunksFetched(b, upload.id);
      // What B's store says it has is where a resumed download must start.
      const db = new Database(path.join(bDir, 'dchat.db'), { readonly: true });
      const doneAtKill = db.prepare('SELECT chunks_done FROM attachments WHERE id = ?').pluck().get(upload.id) as number;
      db.close();
      const total = partial.chunks_total;
      console.log(`killed B with ${doneAtKill} of ${total} chunks stored (${firstRun.length} fetched in that run)`);
      assert.ok(doneAtKill >= partial.chunks_done && doneAtKill < total, `B stopped part way (${doneAtKill} of ${total})`);
      assert.deepEqual(firstRun, range(0, firstRun.length), 'the first run fetched chunks in order from 0');
      assert.ok(firstRun.length >= doneAtKill - 1 && firstRun.length <= doneAtKill, 'every stored chunk was logged as fetched');

      b = await startUser(relay, { dataDir: bDir });
      const done = await waitFor('the download to finish', async () => {
        const info = (await (await b.api(`/api/attachments/${upload.id}/info`)).json()) as AttachmentInfo;
        return info.state === 'complete' ? info : undefined;
      }, 30_000);
      assert.equal(done.chunks_done, done.chunks_total);
      // The restarted node fetched exactly the chunks it did not have, each once, from where it stopped.
      assert.deepEqual(chunksFetched(b, upload.id), range(doneAtKill, total), `after the restart B fetched only chunks ${doneAtKill}..${total - 1}`);
      const bytes = Buffer.from(await (await b.api(`/api/attachments/${upload.id}`)).arrayBuffer());
      assert.equal(crypto.createHash('sha256').update(bytes).digest('hex'), sha);
    } finally {
      await Promise.all([a.stop(), b.stop(), relay.stop()]);
    }
  });
});

describe('relay opt-in at run time', () => {
  it('a user node becomes a relay through the API, and reports it in /status and /metrics', async () => {
    const node = await startNode();
    try {
      const before = await json<{ enabled: boolean }>(node.api('/api/relay'));
      assert.equal(before.enabled, false);
      const after = await json<{ enabled: boolean }>(node.api('/api/relay', { method: 'PUT', json: { enabled: true } }));
      assert.equal(after.enabled, true);
      const status = await json<{ role: string; relay: { enabled: boolean; uptime_target: number } }>(node.api('/status'));
      assert.equal(status.role, 'relay');
      assert.equal(status.relay.uptime_target, 0.99);
      assert.match(await (await fetch(`${node.url}/metrics`)).text(), /dchat_relay_uptime_ratio/);
      const off = await json<{ enabled: boolean }>(node.api('/api/relay', { method: 'PUT', json: { enabled: false } }));
      assert.equal(off.enabled, false);
    } finally {
      await node.stop();
    }
  });
});
