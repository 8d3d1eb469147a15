import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { loadOrCreatePeerKey, PEER_KEY_FILE } from '../../p2p/peer-key.ts';
import { haproxyMissing, startHaproxy, type TestHaproxy } from '../helpers/haproxy.ts';
import { freePort, startTestPostgres, type TestPostgres } from '../helpers/postgres.ts';
import { introduceOverRelay, json, messages, send, startRelay, startUser, waitFor, waitRelayConnected, type RelayNode } from '../helpers/p2p-net.ts';
import { killAllNodes, tempDir, type RunningNode } from '../helpers/spawn-node.ts';

/**
 * A relay cluster as the Phase 5 guide deploys it: three relay replicas (separate node
 * processes) sharing one peer key and one PostgreSQL database, behind one HAProxy address in TCP
 * mode; Alice and Bob on their own nodes, both choosing the cluster's address as their relay.
 * Neither can be reached directly (each announces a dead address), so all mail goes through the
 * cluster: deposited by whichever replica Alice's connection landed on, pushed by the one that
 * holds Bob's (LISTEN/NOTIFY). Then the faults: a replica killed with -9 mid-burst, PostgreSQL
 * restarted mid-burst.
 */

after(killAllNodes);

const counter = async (node: RunningNode, name: string): Promise<number> => {
  const text = await (await node.api('/metrics')).text();
  const match = new RegExp(`^${name} (\\d+)`, 'm').exec(text);
  return match ? Number(match[1]) : 0;
};
const subscribers = async (node: RunningNode): Promise<number> => (await json<{ subscribers: number }>(node.api('/api/relay'))).subscribers;

describe('relay cluster: replicas behind HAProxy on one PostgreSQL', () => {
  let postgres: TestPostgres | undefined;
  let haproxy: TestHaproxy | undefined;
  let skip: string | undefined;
  let url = '';
  let replicas: RelayNode[] = [];
  let alice!: RunningNode;
  let bob!: RunningNode;
  let chat = '';
  let viaAlice!: RelayNode;
  let viaBob!: RelayNode;

  before(async () => {
    skip = haproxyMissing();
    if (skip) return console.log(`# skipping: ${skip}`);
    const started = await startTestPostgres();
    if (!started.server) return void (skip = started.skip);
    postgres = started.server;
    url = await postgres.createDatabase();

    // One relay identity: the peer key made once and copied into each replica's data directory.
    const dirs = [tempDir(), tempDir(), tempDir()];
    await loadOrCreatePeerKey(dirs[0]!);
    for (const dir of dirs.slice(1)) fs.copyFileSync(path.join(dirs[0]!, PEER_KEY_FILE), path.join(dir, PEER_KEY_FILE));
    const [front, ...ports] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
    haproxy = await startHaproxy(front!, ports.map((p) => `127.0.0.1:${p}`));
    replicas = await Promise.all(dirs.map((dataDir, i) => startRelay({
      dataDir,
      p2pPort: ports[i]!,
      // Each replica announces the balancer's address, the one address of the relay, and counts
      // connections from the balancer as from many peers (not one address's limits).
      env: { DATABASE_URL: url, DATABASE_MAX_CONNECTIONS: '5', RELAY_EXTERNAL_ADDRESSES: `/ip4/127.0.0.1/tcp/${front}`, DCHAT_RELAY_BALANCER_ADDRESSES: '127.0.0.1' },
    })));
    const peerId = replicas[0]!.peerId!;
    assert.ok(replicas.every((r) => r.peerId === peerId), 'the replicas share one peer id');
    const cluster = `/ip4/127.0.0.1/tcp/${front}/p2p/${peerId}`;

    // Neither user can be dialled (each announces a port nobody listens on), so neither opens a
    // connection the other could deliver over directly: everything goes through the cluster.
    const unreachable = async () => ({ DCHAT_HOME_RELAYS: cluster, RELAY_EXTERNAL_ADDRESSES: `/ip4/127.0.0.1/tcp/${await freePort()}` });
    [alice, bob] = await Promise.all([startUser(null, { env: await unreachable() }), startUser(null, { env: await unreachable() })]);
    chat = await introduceOverRelay(alice, bob, 'hello through the cluster');
    await waitRelayConnected(alice);
    // Least connections: Alice's and Bob's connections land on different replicas (they start
    // together, so which lands where is found out below).
    const counts = await Promise.all(replicas.map(subscribers));
    assert.deepEqual([...counts].sort(), [0, 1, 1], `subscribers per replica ${counts.join()}`);
    const holders = replicas.filter((_, i) => counts[i] === 1);
    // Whose is whose: the one Alice's deposits go through counts them as stored.
    const before = await Promise.all(holders.map((r) => counter(r, 'dchat_relay_messages_stored_total')));
    await send(alice, chat, 'which replica?');
    await waitFor('the probe to arrive', async () => (await messages(bob, chat)).some((m) => m.text === 'which replica?'));
    const after = await Promise.all(holders.map((r) => counter(r, 'dchat_relay_messages_stored_total')));
    const i = after[0]! > before[0]! ? 0 : 1;
    viaAlice = holders[i]!;
    viaBob = holders[1 - i]!;
  });

  after(async () => {
    await Promise.all([alice?.stop(), bob?.stop(), ...replicas.map((r) => r.stop('SIGKILL'))]);
    await haproxy?.stop();
    await postgres?.stop();
  });

  it('delivers mail deposited through one replica to a recipient connected through another within a second', async (t) => {
    if (skip) return t.skip(skip);
    const deliveredBefore = await counter(viaBob, 'dchat_relay_messages_delivered_total');
    const latencies: number[] = [];
    for (let n = 0; n < 5; n++) {
      const started = Date.now();
      const sent = await send(alice, chat, `cross-replica ${n}`);
      await waitFor(`cross-replica ${n}`, async () => (await messages(bob, chat)).some((m) => m.id === sent.id), 5000);
      latencies.push(Date.now() - started);
    }
    console.log(`# cross-replica delivery, send to arrival: ${latencies.join(', ')} ms`);
    assert.ok(Math.max(...latencies) < 1000, `each within a second: ${latencies.join(', ')} ms`);
    // Pushed by Bob's replica (it signed for them), not the one that took the deposits.
    assert.ok((await counter(viaBob, 'dchat_relay_messages_delivered_total')) >= deliveredBefore + 5);
    assert.equal(await subscribers(viaAlice), 1, "Bob's subscription is not on Alice's replica");
  });

  it('loses no acknowledged mail when a replica is killed with -9 mid-burst; clients reconnect through the balancer', async (t) => {
    if (skip) return t.skip(skip);
    const texts = Array.from({ length: 20 }, (_, n) => `burst ${n}`);
    for (const [n, text] of texts.entries()) {
      if (n === 8) await viaAlice.stop('SIGKILL');
      await send(alice, chat, text);
    }
    await waitFor('Alice to reconnect through the balancer', async () => {
      const list = await json<{ relays: Array<{ connected: boolean }> }>(alice.api('/api/relays'));
      return list.relays.every((r) => r.connected);
    }, 20_000);
    const got = await waitFor('all twenty to reach Bob', async () => {
      const list = (await messages(bob, chat)).filter((m) => m.text?.startsWith('burst '));
      return list.length >= texts.length ? list : undefined;
    }, 40_000);
    assert.deepEqual(got.map((m) => m.text).sort(), [...texts].sort(), 'each once');
    const live = replicas.filter((r) => r !== viaAlice);
    assert.equal((await Promise.all(live.map(subscribers))).reduce((a, b) => a + b, 0), 2, 'both users subscribed to the surviving replicas');
  });

  it('resumes after PostgreSQL restarts mid-burst: replicas reconnect, nothing acknowledged is lost, deletes happen once', async (t) => {
    if (skip) return t.skip(skip);
    const texts = Array.from({ length: 10 }, (_, n) => `restart ${n}`);
    for (const [n, text] of texts.entries()) {
      if (n === 4) await postgres!.restart();
      await send(alice, chat, text);
    }
    const got = await waitFor('all ten to reach Bob', async () => {
      const list = (await messages(bob, chat)).filter((m) => m.text?.startsWith('restart '));
      return list.length >= texts.length ? list : undefined;
    }, 40_000);
    assert.deepEqual(got.map((m) => m.text).sort(), [...texts].sort(), 'each once');
    // After the restart a deposit is pushed across replicas at once again (the listener is back).
    const started = Date.now();
    const sent = await send(alice, chat, 'after the restart');
    await waitFor('the message after the restart', async () => (await messages(bob, chat)).some((m) => m.id === sent.id), 5000);
    console.log(`# cross-replica delivery after the PostgreSQL restart: ${Date.now() - started} ms`);
    const db = new pg.Client({ connectionString: url });
    await db.connect();
    try {
      await waitFor('the mailbox to empty', async () => (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM mailbox')).rows[0]!.n === 0, 10_000);
      const { rows } = await db.query<{ name: string; total: number }>("SELECT name, sum(value)::int AS total FROM relay_counters WHERE name IN ('stored', 'delivered') GROUP BY name ORDER BY name");
      const totals = Object.fromEntries(rows.map((r) => [r.name, r.total]));
      assert.equal(totals.delivered, totals.stored, `every stored envelope deleted on receipt exactly once: ${JSON.stringify(totals)}`);
    } finally {
      await db.end();
    }
  });
});
