/**
 * The relay's MailboxStore contract, written against the interface alone: every implementation
 * (the embedded SQLite one and the PostgreSQL one, on a real throwaway server) runs this same suite.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it as test } from 'node:test';
import type { MailboxLimits, MailboxStore } from '../../relay/mailbox-store.ts';
import { createPostgresMailboxStore } from '../../relay/postgres-mailbox-store.ts';
import { createSqliteMailboxStore } from '../../relay/sqlite-mailbox-store.ts';
import { Registry } from 'prom-client';
import { createPrometheusTelemetry } from '../../observability/prometheus-telemetry.ts';
import pg from 'pg';
import { freePort, startTestPostgres, type TestPostgres } from '../helpers/postgres.ts';
import { openTempStore, silentLogger } from '../helpers/store.ts';

interface Opened {
  readonly mailbox: MailboxStore;
  close(): Promise<void> | void;
}

const limits: MailboxLimits = { messagesPerRecipient: 2, bytesPerRecipient: 100, totalBytes: 150 };
const alice = 'aa'.repeat(32);
const bob = 'bb'.repeat(32);
const mail = (recipient: string, id: number, size = 10, expires = 10_000) => ({
  recipient,
  envelope_id: new Uint8Array(16).fill(id),
  envelope: new Uint8Array(size).fill(id),
  size,
  stored_at: 1000,
  expires_at: expires,
});

/** The contract, against whatever `open` makes (called once, before the first test). */
function mailboxStoreSuite(name: string, open: () => Promise<Opened | string>): void {
  describe(`relay mailbox store (${name})`, () => {
    let mailbox!: MailboxStore;
    let opened: Opened | undefined;
    let skip: string | undefined;
    before(async () => {
      const result = await open();
      if (typeof result === 'string') skip = result;
      else ({ mailbox } = opened = result);
    });
    after(async () => opened?.close());
    const it = (title: string, fn: () => Promise<void>) => test(title, async (t) => (skip ? t.skip(skip) : fn()));

    it('registers recipients with their one-time prekeys and hands each prekey out once', async () => {
      assert.equal(await mailbox.register(alice, new Uint8Array([1]), [{ id: 1, public_key: new Uint8Array(32) }, { id: 2, public_key: new Uint8Array(32) }], 1000), 2);
      assert.equal((await mailbox.registration(alice))?.registered_at, 1000);
      assert.equal(await mailbox.registration(bob), undefined);
      assert.equal((await mailbox.takePrekey(alice))?.id, 1);
      assert.deepEqual(await mailbox.touch(alice, 2000), { pending: 0, prekeys: 1 });
    });

    it('keeps mail only for registered recipients, once per envelope, within the quotas', async () => {
      assert.equal(await mailbox.deposit(mail(bob, 1), limits), 'unknown-recipient');
      assert.equal(await mailbox.deposit(mail(alice, 1), limits), 'stored');
      assert.equal(await mailbox.deposit(mail(alice, 1), limits), 'duplicate');
      assert.equal(await mailbox.deposit(mail(alice, 2, 95), limits), 'quota', 'over the per-recipient bytes');
      assert.equal(await mailbox.deposit(mail(alice, 3, 5, 3000), limits), 'stored');
      assert.equal(await mailbox.deposit(mail(alice, 4), limits), 'quota', 'over the per-recipient message count');
      const figures = await mailbox.figures();
      assert.deepEqual([figures.recipients, figures.messages, figures.bytes], [1, 2, 15]);
      assert.deepEqual([figures.counters.stored, figures.counters.rejected_quota], [2, 2]);
    });

    it('counts chunks in the byte quotas, not the message count', async () => {
      const blob = (recipient: string, fill: number, size: number) => ({ recipient, hash: new Uint8Array(32).fill(fill), data: new Uint8Array(size), at: 1000, expiresAt: 3000 });
      assert.equal(await mailbox.putBlob(blob(bob, 1, 10), limits), 'unknown-recipient');
      assert.equal(await mailbox.putBlob(blob(alice, 1, 90), limits), 'quota');
      assert.equal(await mailbox.putBlob(blob(alice, 1, 40), limits), 'ok');
      assert.equal((await mailbox.getBlob(alice, new Uint8Array(32).fill(1), 2999))?.length, 40);
      assert.equal(await mailbox.getBlob(alice, new Uint8Array(32).fill(1), 3000), undefined, 'expired, even before a sweep');
      assert.equal(await mailbox.dropBlobs(alice, [new Uint8Array(32).fill(1)]), 1);
    });

    it('hands out pending mail in order, deletes what was acknowledged and expires the rest', async () => {
      const pending = await mailbox.pending(alice, 0, 10, 2000);
      assert.deepEqual(pending.map((e) => e.envelope_id[0]), [1, 3]);
      assert.deepEqual((await mailbox.pending(alice, pending[0]!.seq, 10, 2000)).map((e) => e.envelope_id[0]), [3]);
      assert.equal(await mailbox.acknowledge(alice, [new Uint8Array(16).fill(1), new Uint8Array(16).fill(9)]), 1);
      assert.deepEqual(await mailbox.expire(3000), { messages: 1, blobs: 0 });
      const figures = await mailbox.figures();
      assert.deepEqual([figures.messages, figures.bytes, figures.counters.delivered, figures.counters.expired], [0, 0, 1, 1]);
    });

    it('finds held envelopes by id for whoever they are for, and drops them without counting them delivered', async () => {
      await mailbox.register(bob, new Uint8Array([2]), [], 1000);
      assert.equal(await mailbox.deposit(mail(bob, 7), limits), 'stored');
      assert.equal(await mailbox.deposit(mail(alice, 7), limits), 'stored');
      const held = await mailbox.held([new Uint8Array(16).fill(7), new Uint8Array(16).fill(8)]);
      assert.deepEqual(held.map((e) => e.recipient).sort(), [alice, bob].sort());
      const delivered = (await mailbox.figures()).counters.delivered;
      assert.equal(await mailbox.drop(held.filter((e) => e.recipient === bob)), 1);
      assert.deepEqual((await mailbox.held([new Uint8Array(16).fill(7)])).map((e) => e.recipient), [alice]);
      assert.equal((await mailbox.figures()).counters.delivered, delivered, 'a dropped envelope was not delivered');
      assert.equal(await mailbox.drop(held), 1, 'what is gone already is no error');
    });

    it('holds a quota under concurrent deposits and counts concurrent acknowledgements of one envelope once', async () => {
      const carol = 'cc'.repeat(32);
      await mailbox.register(carol, new Uint8Array([3]), [], 1000);
      const outcomes = await Promise.all(Array.from({ length: 12 }, (_, i) => mailbox.deposit(mail(carol, 20 + i), limits)));
      assert.deepEqual([outcomes.filter((o) => o === 'stored').length, outcomes.filter((o) => o === 'quota').length], [2, 10]);
      const ids = (await mailbox.pending(carol, 0, 10, 2000)).map((e) => e.envelope_id);
      assert.equal(ids.length, 2);
      const before = (await mailbox.figures()).counters.delivered;
      const acknowledged = await Promise.all(Array.from({ length: 6 }, () => mailbox.acknowledge(carol, ids)));
      assert.equal(acknowledged.reduce((a, b) => a + b, 0), 2, 'each envelope is deleted by exactly one acknowledgement');
      assert.equal((await mailbox.figures()).counters.delivered, before + 2);
      const taken = await Promise.all([mailbox.takePrekey(alice), mailbox.takePrekey(alice)]);
      assert.deepEqual(taken.map((k) => k?.id).sort(), [2, undefined], 'the last prekey goes to one taker only');
    });

    it('keeps named counters, setting a first value only once', async () => {
      await mailbox.setCounterIfAbsent('first_started_at', 5);
      await mailbox.setCounterIfAbsent('first_started_at', 9);
      await mailbox.addToCounter('uptime_seconds', 3);
      await mailbox.addToCounter('uptime_seconds', 4);
      assert.equal(await mailbox.counter('first_started_at'), 5);
      assert.equal(await mailbox.counter('uptime_seconds'), 7);
    });
  });
}

mailboxStoreSuite('SQLite', async () => {
  const store = openTempStore();
  return { mailbox: createSqliteMailboxStore(store), close: () => store.stop() };
});

let postgres: TestPostgres | undefined;
after(async () => postgres?.stop());
mailboxStoreSuite('PostgreSQL', async () => {
  const started = await startTestPostgres();
  if (!started.server) return started.skip;
  postgres = started.server;
  const url = await postgres.createDatabase();
  const database = { url, max_connections: 4, statement_cache_size: 100, connection_timeout_secs: 5, idle_timeout_secs: 30 };
  const mailbox = createPostgresMailboxStore({ database, telemetry: createPrometheusTelemetry(new Registry()), logger: silentLogger });
  await mailbox.start();
  return { mailbox, close: () => mailbox.stop() };
});

/** Retries `attempt` (errors included) for up to five seconds. */
async function waitUntil(attempt: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const ok = await attempt().catch((err: Error) => (Date.now() > deadline ? Promise.reject(err) : false));
    if (ok) return;
    if (Date.now() > deadline) throw new Error('gave up waiting');
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('relay mailbox store on PostgreSQL: schema and faults', () => {
  const options = (url: string) => ({
    database: { url, max_connections: 2, statement_cache_size: 100, connection_timeout_secs: 5, idle_timeout_secs: 30 },
    telemetry: createPrometheusTelemetry(new Registry()),
    logger: silentLogger,
  });

  test('migrates once when several replicas start at once, and refuses a schema newer than it knows', async (t) => {
    if (!postgres) return t.skip('no PostgreSQL server (see the PostgreSQL suite above)');
    const url = await postgres.createDatabase();
    const replicas = Array.from({ length: 3 }, () => createPostgresMailboxStore(options(url)));
    await Promise.all(replicas.map((r) => r.start()));
    await replicas[0]!.register(alice, new Uint8Array([1]), [], 1);
    assert.equal((await replicas[2]!.registration(alice))?.registered_at, 1, 'one shared mailbox');
    // Deposits through different replicas (pools) race for real: the quota still holds.
    const outcomes = await Promise.all(Array.from({ length: 12 }, (_, i) => replicas[i % 3]!.deposit(mail(alice, 40 + i), limits)));
    assert.equal(outcomes.filter((o) => o === 'stored').length, 2);
    const ids = (await replicas[1]!.pending(alice, 0, 10, 2000)).map((e) => e.envelope_id);
    const acknowledged = await Promise.all(replicas.map((r) => r.acknowledge(alice, ids)));
    assert.equal(acknowledged.reduce((a, b) => a + b, 0), 2, 'exactly once across replicas');
    assert.deepEqual([(await replicas[0]!.figures()).counters.delivered, (await replicas[0]!.figures()).messages], [2, 0]);
    const db = new pg.Client({ connectionString: url });
    await db.connect();
    try {
      assert.deepEqual((await db.query('SELECT component, version FROM schema_version ORDER BY version')).rows, [{ component: 'relay', version: 1 }, { component: 'relay', version: 2 }, { component: 'relay', version: 3 }]);
      await Promise.all(replicas.map((r) => r.stop()));
      await db.query("INSERT INTO schema_version (component, version, name) VALUES ('relay', 99, 'from the future')");
      const newer = createPostgresMailboxStore(options(url));
      await assert.rejects(newer.start(), { name: 'DatabaseTooNewError', message: /relay schema in PostgreSQL at 127\.0\.0\.1:\d+\/\w+ \(database\.url\) has schema version 99/ });
      await newer.stop();
    } finally {
      await db.end();
    }
  });

  for (const [shards, budgetShardBytes] of [[1, undefined], [5, 30]] as const) {
  test(`holds the relay-wide byte limit under concurrent deposits and chunks through several replicas (${shards} budget shard${shards > 1 ? 's' : ''})`, async (t) => {
    if (!postgres) return t.skip('no PostgreSQL server (see the PostgreSQL suite above)');
    const url = await postgres.createDatabase();
    const replicas = Array.from({ length: 3 }, () => createPostgresMailboxStore({ ...options(url), database: { ...options(url).database, max_connections: 4 }, ...(budgetShardBytes ? { budgetShardBytes } : {}) }));
    await Promise.all(replicas.map((r) => r.start()));
    try {
      const wide: MailboxLimits = { messagesPerRecipient: 1000, bytesPerRecipient: 1000, totalBytes: 150 };
      const people = ['c1', 'c2', 'c3', 'c4'].map((p) => p.repeat(32));
      for (const who of people) await replicas[0]!.register(who, new Uint8Array([1]), [], 1);
      // 48 deposits of 10 bytes and 8 chunks of 10 bytes for four recipients, all at once: 15 fit.
      const outcomes = await Promise.all([
        ...Array.from({ length: 48 }, (_, i) => replicas[i % 3]!.deposit(mail(people[i % 4]!, i + 1), wide)),
        ...Array.from({ length: 8 }, (_, i) => replicas[i % 3]!.putBlob({ recipient: people[i % 4]!, hash: new Uint8Array(32).fill(i), data: new Uint8Array(10), at: 1000, expiresAt: 10_000 }, wide)),
      ]);
      assert.equal(outcomes.filter((o) => o === 'stored' || o === 'ok').length, 15, outcomes.join());
      const figures = await replicas[1]!.figures();
      assert.equal(figures.bytes, 150);
      // What leaves (a receipt, an expiry) gives its bytes back to the budget, once.
      // Which 15 fit is the race's to choose: take a recipient that got some mail.
      let who = people[0]!;
      let held: Awaited<ReturnType<(typeof replicas)[number]['pending']>> = [];
      for (const p of people) {
        held = await replicas[2]!.pending(p, 0, 100, 2000);
        if (held.length > 0) {
          who = p;
          break;
        }
      }
      assert.ok(held.length > 0, 'some recipient holds mail');
      await Promise.all(replicas.map((r) => r.acknowledge(who, held.map((e) => e.envelope_id))));
      const room = held.reduce((n, e) => n + e.size, 0) / 10;
      const again = await Promise.all(Array.from({ length: 16 }, (_, i) => replicas[i % 3]!.deposit(mail(people[1]!, 100 + i), wide)));
      assert.equal(again.filter((o) => o === 'stored').length, room, 'exactly the bytes acknowledged are free again');
      assert.equal((await replicas[0]!.figures()).bytes, 150);
    } finally {
      await Promise.all(replicas.map((r) => r.stop()));
    }
  });
  }

  test('announces each stored envelope to every replica (LISTEN/NOTIFY), and says when notifications may have been missed', async (t) => {
    if (!postgres) return t.skip('no PostgreSQL server (see the PostgreSQL suite above)');
    const url = await postgres.createDatabase();
    const heard: Array<string | undefined> = [];
    const listening = createPostgresMailboxStore(options(url));
    listening.onMail((recipient) => heard.push(recipient));
    const depositing = createPostgresMailboxStore(options(url));
    await Promise.all([listening.start(), depositing.start()]);
    try {
      await waitUntil(async () => heard.length === 1);
      assert.deepEqual([...heard], [undefined], 'connected: read what is waiting');
      await depositing.register(alice, new Uint8Array([1]), [], 1);
      const started = Date.now();
      assert.equal(await depositing.deposit(mail(alice, 1), limits), 'stored');
      await waitUntil(async () => heard.length === 2);
      assert.ok(Date.now() - started < 1000, `heard in ${Date.now() - started} ms`);
      assert.equal(heard[1], alice);
      assert.equal(await depositing.deposit(mail(alice, 1), limits), 'duplicate');
      assert.equal(await depositing.deposit(mail(alice, 2, 95), limits), 'quota');
      await new Promise((r) => setTimeout(r, 200));
      assert.equal(heard.length, 2, 'nothing announced for what was not stored');
      await postgres.restart();
      await waitUntil(async () => heard.length === 3);
      assert.equal(heard[2], undefined, 'the listener came back and says so');
      await waitUntil(async () => (await depositing.deposit(mail(alice, 3), limits)) !== undefined);
      await waitUntil(async () => heard.includes(alice, 3));
    } finally {
      await Promise.all([listening.stop(), depositing.stop()]);
    }
  });

  test('carries on after PostgreSQL restarts: dead pooled connections are replaced, nothing stored is lost', async (t) => {
    if (!postgres) return t.skip('no PostgreSQL server (see the PostgreSQL suite above)');
    const url = await postgres.createDatabase();
    const store = createPostgresMailboxStore(options(url));
    await store.start();
    try {
      await store.register(bob, new Uint8Array([2]), [], 1);
      assert.equal(await store.deposit(mail(bob, 1), limits), 'stored');
      await postgres.restart();
      // The pool's idle connections died with the server; the next calls get fresh ones.
      // A query already on its way to a dying connection fails (nothing is acknowledged then).
      await waitUntil(async () => (await store.deposit(mail(bob, 2), limits)) !== undefined);
      await waitUntil(async () => (await store.pending(bob, 0, 10, 2000)).map((e) => e.envelope_id[0]).join() === '1,2');
      assert.equal((await store.figures()).counters.stored, 2);
    } finally {
      await store.stop();
    }
  });

  test('names database.url and the server when it cannot connect', async () => {
    const port = await freePort();
    const store = createPostgresMailboxStore(options(`postgres://dchat:secret@127.0.0.1:${port}/dchat`));
    await assert.rejects(store.start(), (err: Error) => {
      assert.equal(err.name, 'DatabaseUnreachableError');
      assert.match(err.message, new RegExp(`^cannot reach the PostgreSQL server at 127\\.0\\.0\\.1:${port}/dchat named by database\\.url: connection refused`));
      assert.doesNotMatch(err.message, /secret/);
      return true;
    });
  });
});
