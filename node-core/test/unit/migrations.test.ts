import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { Database } from 'better-sqlite3';
import { MIGRATIONS } from '../../store/migrations/index.ts';
import { createMessageRepository } from '../../store/repositories/messages.ts';
import { DatabaseTooNewError, migrate, schemaVersion, type Migration } from '../../store/migrator.ts';
import { openDatabase } from '../../store/open-database.ts';
import { tempDir } from '../helpers/spawn-node.ts';

const freshDb = () => {
  const file = path.join(tempDir(), 'dchat.db');
  return { db: openDatabase(file), file };
};
const tables = (db: Database) =>
  new Set((db.prepare("SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger', 'index')").pluck().all() as string[]));
const isStrict = (db: Database, table: string) =>
  (db.prepare('SELECT strict FROM pragma_table_list WHERE name = ?').pluck().get(table) as number) === 1;

const KEY = 'a'.repeat(64);

describe('migration 0001: identities and profiles', () => {
  it('creates STRICT identities and user_profiles tables from an empty file', () => {
    const { db, file } = freshDb();
    assert.deepEqual(migrate(db, file, MIGRATIONS.slice(0, 1)), { from: 0, to: 1 });
    const names = tables(db);
    assert.ok(names.has('identities') && names.has('user_profiles'));
    assert.ok(isStrict(db, 'identities') && isStrict(db, 'user_profiles'));
    assert.equal(db.prepare('SELECT COUNT(*) FROM user_profiles').pluck().get(), 0);
    // STRICT and CHECK constraints hold: a text where a blob belongs, a short key, are refused.
    assert.throws(() =>
      db.prepare("INSERT INTO identities VALUES (?, 'u', 'not a blob', x'00', 'node-secret', NULL, 0, 1)").run(KEY),
    );
    assert.throws(() => db.prepare("INSERT INTO user_profiles VALUES ('short', 'u', 'U', '', NULL, NULL, 1, 1, zeroblob(64))").run());
    db.close();
  });

  it('allows one default identity at most', () => {
    const { db, file } = freshDb();
    migrate(db, file, MIGRATIONS.slice(0, 1));
    const insert = db.prepare("INSERT INTO identities VALUES (?, ?, zeroblob(32), x'00', 'node-secret', NULL, 1, 1)");
    insert.run(KEY, 'one');
    assert.throws(() => insert.run('b'.repeat(64), 'two'), /UNIQUE/);
    db.close();
  });
});

describe('migration 0002: conversations and messages', () => {
  it('upgrades a version-1 database, keeping its data, and indexes message text', () => {
    const { db, file } = freshDb();
    migrate(db, file, MIGRATIONS.slice(0, 1));
    db.prepare("INSERT INTO identities VALUES (?, 'alice', zeroblob(32), x'00', 'node-secret', NULL, 1, 1)").run(KEY);
    assert.deepEqual(migrate(db, file, MIGRATIONS.slice(0, 2)), { from: 1, to: 2 });
    assert.equal(db.prepare('SELECT username FROM identities').pluck().get(), 'alice');
    for (const t of ['conversations', 'messages', 'message_revisions']) assert.ok(isStrict(db, t), `${t} is STRICT`);
    db.prepare("INSERT INTO conversations (id, kind, title, identity_id, created_at, activity_at) VALUES ('c', 'self', 'C', ?, 1, 1)").run(KEY);
    const insert = db.prepare("INSERT INTO messages (id, chat_id, sender, text, sent_at, received_at, status) VALUES (?, 'c', ?, ?, 1, 1, 'local')");
    insert.run('m1', KEY, 'the quick brown fox');
    insert.run('m2', KEY, 'lazy dogs sleep');
    const search = db.prepare('SELECT rowid FROM messages_fts WHERE messages_fts MATCH ?').pluck();
    assert.deepEqual(search.all('quick'), [1]);
    db.prepare("UPDATE messages SET text = 'slow brown fox' WHERE id = 'm1'").run();
    assert.deepEqual(search.all('quick'), [], 'the index follows edits');
    assert.deepEqual(search.all('slow'), [1]);
    db.prepare("DELETE FROM messages WHERE id = 'm2'").run();
    assert.deepEqual(search.all('dogs'), [], 'the index follows deletes');
    assert.throws(() => insert.run('m3', KEY.slice(1), 'bad sender'), /CHECK/);
    assert.throws(() => db.prepare("INSERT INTO messages (id, chat_id, sender, text, sent_at, received_at, status) VALUES ('m4', 'nochat', ?, 'x', 1, 1, 'local')").run(KEY), /FOREIGN KEY/);
    db.close();
  });
});

describe('migrator', () => {
  it('applies every pending migration in one transaction: a failure leaves the file as it was', () => {
    const { db, file } = freshDb();
    const broken: Migration[] = [...MIGRATIONS, { version: MIGRATIONS.length + 1, name: 'broken', up: 'CREATE TABLE ok_table (x); SELECT * FROM no_such_table;' }];
    assert.throws(() => migrate(db, file, broken), /no such table/);
    assert.equal(schemaVersion(db), 0);
    assert.equal(tables(db).size, 0, 'not even the first migrations stayed');
    db.close();
  });

  it('is idempotent', () => {
    const { db, file } = freshDb();
    migrate(db, file, MIGRATIONS);
    assert.deepEqual(migrate(db, file, MIGRATIONS), { from: MIGRATIONS.length, to: MIGRATIONS.length });
    db.close();
  });

  it('refuses a database from a newer dchat, naming both versions', () => {
    const { db, file } = freshDb();
    migrate(db, file, MIGRATIONS);
    db.pragma(`user_version = ${MIGRATIONS.length + 5}`);
    assert.throws(
      () => migrate(db, file, MIGRATIONS),
      (err: unknown) => err instanceof DatabaseTooNewError && err.message.includes(`schema version ${MIGRATIONS.length + 5}`) && err.message.includes(`up to ${MIGRATIONS.length}`),
    );
    db.close();
  });

  it('rejects a migration list out of order', () => {
    const { db, file } = freshDb();
    assert.throws(() => migrate(db, file, [MIGRATIONS[1]!]), /out of order/);
    db.close();
  });
});

describe('migration 0003: message counter', () => {
  it('counts existing messages at upgrade and follows inserts, deletes and rollbacks', () => {
    const { db, file } = freshDb();
    migrate(db, file, MIGRATIONS.slice(0, 2));
    db.prepare("INSERT INTO identities VALUES (?, 'alice', zeroblob(32), x'00', 'node-secret', NULL, 1, 1)").run(KEY);
    db.prepare("INSERT INTO conversations (id, kind, title, identity_id, created_at, activity_at) VALUES ('c', 'self', 'C', ?, 1, 1)").run(KEY);
    const insert = db.prepare("INSERT INTO messages (id, chat_id, sender, text, sent_at, received_at, status) VALUES (?, 'c', ?, 'x', 1, 1, 'local')");
    insert.run('m1', KEY);
    insert.run('m2', KEY);
    assert.deepEqual(migrate(db, file, MIGRATIONS.slice(0, 3)), { from: 2, to: 3 });
    const counter = db.prepare("SELECT value FROM store_counters WHERE name = 'messages'").pluck();
    assert.equal(counter.get(), 2);
    insert.run('m3', KEY);
    db.prepare("DELETE FROM messages WHERE id = 'm1'").run();
    assert.equal(counter.get(), 2);
    assert.throws(() => db.transaction(() => {
      insert.run('m4', KEY);
      throw new Error('abort');
    })());
    assert.equal(counter.get(), 2, 'a rolled-back insert is not counted');
    assert.equal(counter.get(), db.prepare('SELECT count(*) FROM messages').pluck().get());
    db.close();
  });
});

describe('migration 0004: network, end-to-end encryption, relays, groups, attachments', () => {
  it('adds its tables to a version-3 database without touching existing chats', () => {
    const { db, file } = freshDb();
    migrate(db, file, MIGRATIONS.slice(0, 3));
    db.prepare("INSERT INTO identities VALUES (?, 'alice', zeroblob(32), x'00', 'node-secret', NULL, 1, 1)").run(KEY);
    db.prepare("INSERT INTO conversations (id, kind, title, identity_id, created_at, activity_at) VALUES ('c', 'self', 'C', ?, 1, 1)").run(KEY);
    assert.deepEqual(migrate(db, file, MIGRATIONS.slice(0, 4)), { from: 3, to: 4 });
    const names = tables(db);
    for (const t of ['contacts', 'signed_prekeys', 'one_time_prekeys', 'sessions', 'seen_envelopes', 'outbox', 'pending_receipts', 'mailbox_recipients', 'mailbox', 'mailbox_blobs', 'mailbox_prekeys', 'relay_counters', 'groups', 'sender_keys', 'attachments', 'node_settings']) {
      assert.ok(names.has(t), t);
      assert.ok(isStrict(db, t), `${t} is STRICT`);
    }
    const chat = db.prepare("SELECT id, peer_identity, group_id FROM conversations WHERE id = 'c'").get();
    assert.deepEqual(chat, { id: 'c', peer_identity: null, group_id: null });
    assert.throws(() => db.prepare("INSERT INTO outbox (id, recipient, local_identity, kind, stage, envelope, next_attempt_at, created_at) VALUES (x'01', 'r', 'l', 'direct', 'half-done', x'00', 1, 1)").run(), /CHECK/);

    // Relay usage follows the mailbox and the chunk store, through inserts and deletes.
    db.prepare("INSERT INTO mailbox_recipients VALUES (?, x'00', 1, 1)").run(KEY);
    const put = db.prepare('INSERT INTO mailbox (recipient, envelope_id, envelope, size, stored_at, expires_at) VALUES (?, ?, zeroblob(?), ?, 1, 2)');
    put.run(KEY, Buffer.from([1]), 100, 100);
    put.run(KEY, Buffer.from([2]), 50, 50);
    db.prepare('INSERT INTO mailbox_blobs VALUES (?, zeroblob(32), zeroblob(1000), 1, 2)').run(KEY);
    const usage = db.prepare('SELECT messages, bytes FROM mailbox_usage WHERE recipient = ?');
    assert.deepEqual(usage.get(KEY), { messages: 2, bytes: 1150 });
    db.prepare('DELETE FROM mailbox WHERE envelope_id = ?').run(Buffer.from([1]));
    db.prepare('DELETE FROM mailbox_blobs').run();
    assert.deepEqual(usage.get(KEY), { messages: 1, bytes: 50 });
    db.close();
  });
});

describe('migration 0005: index of the chunks of sent attachments', () => {
  it('indexes the chunk hashes of attachments already sent, and only those', () => {
    const { db, file } = freshDb();
    migrate(db, file, MIGRATIONS.slice(0, 4));
    const hashes = (seed: number, n: number) => Buffer.concat(Array.from({ length: n }, (_, i) => Buffer.alloc(32, seed * 16 + i)));
    const add = db.prepare("INSERT INTO attachments (id, name, mime, size, sha256, chunk_size, chunk_hashes, state, created_at) VALUES (?, 'f', 'x/y', 1, 'h', 262144, ?, ?, 1)");
    add.run('sent', hashes(1, 3), 'ready');
    add.run('received', hashes(2, 2), 'complete');
    assert.deepEqual(migrate(db, file, MIGRATIONS.slice(0, 5)), { from: 4, to: 5 });
    const rows = db.prepare('SELECT hash, attachment_id, idx FROM attachment_chunks ORDER BY idx').all() as Array<{ hash: Buffer; attachment_id: string; idx: number }>;
    assert.deepEqual(
      rows.map((r) => [r.attachment_id, r.idx, r.hash.equals(Buffer.alloc(32, 16 + r.idx))]),
      [
        ['sent', 0, true],
        ['sent', 1, true],
        ['sent', 2, true],
      ],
    );
    db.prepare("DELETE FROM attachments WHERE id = 'sent'").run();
    assert.equal(db.prepare('SELECT count(*) FROM attachment_chunks').pluck().get(), 0, 'the index follows deletions');
    db.close();
  });
});

describe('migration 0006: node secret check value', () => {
  it('adds an empty one-row table to a version-5 database, keeping its data', () => {
    const { db, file } = freshDb();
    migrate(db, file, MIGRATIONS.slice(0, 5));
    db.prepare("INSERT INTO identities VALUES (?, 'alice', zeroblob(32), x'00', 'node-secret', NULL, 1, 1)").run(KEY);
    assert.deepEqual(migrate(db, file, MIGRATIONS.slice(0, 6)), { from: 5, to: 6 });
    assert.ok(isStrict(db, 'node_secret_check'));
    assert.equal(db.prepare('SELECT count(*) FROM node_secret_check').pluck().get(), 0, 'not bound until the node starts with its secret');
    assert.equal(db.prepare('SELECT username FROM identities').pluck().get(), 'alice');
    const insert = db.prepare('INSERT INTO node_secret_check (id, check_value, created_at) VALUES (?, ?, 1)');
    insert.run(1, Buffer.alloc(32, 7));
    assert.throws(() => insert.run(2, Buffer.alloc(32, 8)), /CHECK/, 'one row only');
    assert.throws(() => insert.run(1, Buffer.alloc(32, 8)), /UNIQUE|PRIMARY KEY/);
    db.prepare('DELETE FROM node_secret_check').run();
    assert.throws(() => insert.run(1, Buffer.alloc(16)), /CHECK/, 'a check value is 32 bytes');
    assert.throws(() => insert.run(1, 'not bytes'), /cannot store TEXT value in BLOB column|CHECK/);
    db.close();
  });
});

describe('migration 0009: relay mailbox pages by recipient', () => {
  it('keeps the mail of a version-8 relay, and a page of one recipient reads no other mail and sorts nothing', () => {
    const { db, file } = freshDb();
    migrate(db, file, MIGRATIONS.slice(0, 8));
    db.prepare("INSERT INTO mailbox_recipients VALUES (?, x'00', 1, 1)").run(KEY);
    db.prepare("INSERT INTO mailbox (recipient, envelope_id, envelope, size, stored_at, expires_at) VALUES (?, x'01', x'02', 1, 1, 2)").run(KEY);
    assert.deepEqual(migrate(db, file, MIGRATIONS.slice(0, 9)), { from: 8, to: 9 });
    assert.ok(tables(db).has('mailbox_by_recipient'));
    assert.equal(db.prepare('SELECT count(*) FROM mailbox WHERE recipient = ?').pluck().get(KEY), 1);
    const plan = (db.prepare('EXPLAIN QUERY PLAN SELECT * FROM mailbox WHERE recipient = ? AND seq > ? AND expires_at > ? ORDER BY seq LIMIT ?').all(KEY, 0, 0, 64) as Array<{ detail: string }>)
      .map((row) => row.detail)
      .join('; ');
    assert.match(plan, /mailbox_by_recipient \(recipient=\? AND seq>\?\)/);
    assert.doesNotMatch(plan, /TEMP B-TREE/);
    db.close();
  });
});

describe('migration 0012: search prefix index and chat column', () => {
  it('re-indexes a version-11 database; words match text only, a chat search returns that chat only, prefixes use the index', () => {
    const { db, file } = freshDb();
    migrate(db, file, MIGRATIONS.slice(0, 11));
    db.prepare("INSERT INTO identities VALUES (?, 'alice', zeroblob(32), x'00', 'node-secret', NULL, 1, 1)").run(KEY);
    const chat = db.prepare("INSERT INTO conversations (id, kind, title, identity_id, created_at, activity_at) VALUES (?, 'self', 'C', ?, 1, 1)");
    // "c-ab" is a token phrase inside "x-c-ab": the chat filter must still tell them apart.
    for (const id of ['c-ab', 'x-c-ab', 'chat "quoted"']) chat.run(id, KEY);
    const insert = db.prepare("INSERT INTO messages (id, chat_id, sender, text, sent_at, received_at, status) VALUES (?, ?, ?, ?, 1, 1, 'local')");
    insert.run('m1', 'c-ab', KEY, 'polo in the park');
    insert.run('m2', 'x-c-ab', KEY, 'polo again');
    assert.deepEqual(migrate(db, file, MIGRATIONS.slice(0, 12)), { from: 11, to: 12 });
    insert.run('m3', 'chat "quoted"', KEY, 'pony ride');
    const messages = createMessageRepository(db);
    const ids = (q: string, chatId?: string) => messages.search(q, 10, { chatId }).map((hit) => hit.message.id);
    assert.deepEqual(ids('"polo"'), ['m2', 'm1'], 'messages from before the upgrade are found');
    assert.deepEqual(ids('"polo"', 'c-ab'), ['m1']);
    assert.deepEqual(ids('"polo"', 'x-c-ab'), ['m2']);
    assert.deepEqual(ids('"po"*'), ['m3', 'm2', 'm1']);
    assert.deepEqual(ids('"pony"', 'chat "quoted"'), ['m3']);
    assert.deepEqual(ids('"ab"'), [], "a chat id's tokens are not words of its messages");
    assert.deepEqual(ids('"chat"'), []);
    db.prepare("UPDATE messages SET text = '' WHERE id = 'm1'").run();
    assert.deepEqual(ids('"polo"'), ['m2'], 'the index follows edits and deletes');
    db.prepare("DELETE FROM messages WHERE id = 'm2'").run();
    assert.deepEqual(ids('"polo"'), []);
    db.prepare("INSERT INTO messages_fts (messages_fts) VALUES ('integrity-check')").run();
    db.close();
  });
});
