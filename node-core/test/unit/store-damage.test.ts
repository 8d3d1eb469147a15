import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { DatabaseDamagedError } from '../../store/damage.ts';
import type { StoreDamage } from '../../store/store.ts';
import { damageInteriorPage } from '../helpers/damage.ts';
import { tempDir } from '../helpers/spawn-node.ts';
import { openTempStore } from '../helpers/store.ts';

const KEY = 'a'.repeat(64);

/** A data directory whose dchat.db has a damaged interior page in its messages table. */
function damagedDataDir(): string {
  const dataDir = tempDir();
  const store = openTempStore(dataDir);
  store.transaction(() => {
    store.db.prepare("INSERT INTO identities VALUES (?, 'alice', zeroblob(32), x'00', 'node-secret', NULL, 1, 1)").run(KEY);
    store.db.prepare("INSERT INTO conversations (id, kind, title, identity_id, created_at, activity_at) VALUES ('c', 'self', 'C', ?, 1, 1)").run(KEY);
    const insert = store.db.prepare("INSERT INTO messages (id, chat_id, sender, text, sent_at, received_at, status) VALUES (?, 'c', ?, ?, 1, 1, 'local')");
    for (let i = 0; i < 700; i++) insert.run(`m${i}`, KEY, `${i} ${'lorem ipsum '.repeat(250)}`);
  });
  store.stop();
  damageInteriorPage(path.join(dataDir, 'dchat.db'), 'messages');
  return dataDir;
}

describe('store damage', () => {
  it('a query over the damage marks the store damaged: its batch is rolled back whole, later writes are refused', async () => {
    const store = openTempStore(damagedDataDir());
    const seen: StoreDamage[] = [];
    store.onDamage((damage) => seen.push(damage));
    const damage = () => store.damage;
    assert.equal(damage(), undefined, 'opening does not read every page');

    // Two writes in one batch: the second reads over the damage, so neither is committed.
    const outcomes = await Promise.allSettled([
      store.write((repos) => repos.settings.set('written-before-damage-was-seen', true)),
      store.write((repos) => repos.messages.pageBefore('c', 1000, Number.MAX_SAFE_INTEGER)),
    ]);
    assert.deepEqual(outcomes.map((o) => o.status), ['rejected', 'rejected']);
    for (const o of outcomes) assert.ok((o as PromiseRejectedResult).reason instanceof DatabaseDamagedError);
    assert.equal(damage()?.detected_by, 'query');
    assert.match(damage()!.reason, /SQLITE_CORRUPT/);
    assert.equal(seen.length, 1);

    assert.equal(store.repos.settings.get('written-before-damage-was-seen'), undefined, 'the whole batch rolled back');
    await assert.rejects(store.write((repos) => repos.settings.set('later', 1)), DatabaseDamagedError);
    assert.throws(() => store.transaction((repos) => repos.settings.set('later', 1)), DatabaseDamagedError);
    // A write outside the queue is refused by SQLite itself (query_only), and named the same.
    assert.throws(() => store.repos.settings.set('direct', 1), DatabaseDamagedError);
    // What is not damaged still reads.
    assert.equal(store.repos.identities.list().length, 1);
    assert.equal(seen.length, 1, 'listeners hear of it once');
    store.stop();
  });

  it('the quick check finds the damage a table at a time and marks the store damaged; a clean store passes', async () => {
    const store = openTempStore(damagedDataDir());
    const result = await store.quickCheck();
    assert.equal(result.ok, false);
    assert.match(result.problems.join('\n'), /page \d+/);
    assert.equal(store.damage?.detected_by, 'quick_check');
    assert.match(store.damage!.reason, /^quick check: /);
    await assert.rejects(store.write((repos) => repos.settings.set('x', 1)), DatabaseDamagedError);
    store.stop();

    const clean = openTempStore();
    assert.deepEqual((await clean.quickCheck()).problems, []);
    assert.equal(clean.damage, undefined);
    await clean.write((repos) => repos.settings.set('x', 1));
    clean.stop();
  });
});
