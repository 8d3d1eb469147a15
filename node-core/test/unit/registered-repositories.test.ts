import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Database } from 'better-sqlite3';
import { DatabaseDamagedError } from '../../store/damage.ts';
import type { RepositoryDefinition } from '../../store/store.ts';
import { createStore } from '../../store/store.ts';
import { silentLogger } from '../helpers/store.ts';
import { tempDir } from '../helpers/spawn-node.ts';

/** A component's repository over a table of the store's own schema (node_settings). */
const notes: RepositoryDefinition<{ put(key: string, value: string): void; get(key: string): string | undefined; fail(): never }> = {
  name: 'notes',
  open: (db: Database) => ({
    put: (key, value) => void db.prepare('INSERT OR REPLACE INTO node_settings (key, value) VALUES (?, ?)').run(key, value),
    get: (key) => (db.prepare('SELECT value FROM node_settings WHERE key = ?').get(key) as { value: string } | undefined)?.value,
    fail: () => {
      throw Object.assign(new Error('database disk image is malformed'), { code: 'SQLITE_CORRUPT' });
    },
  }),
};

describe('repositories registered by components', () => {
  it('opens with the store, writes inside its transactions, and follows it through a close and reopen', async () => {
    const dataDir = tempDir();
    const store = createStore({ dataDir, logger: silentLogger });
    const repo = store.register(notes);
    assert.throws(() => repo(), /the store is not open/);
    store.start();
    await store.write(() => repo().put('k', 'v1'));
    assert.equal(repo().get('k'), 'v1');
    const before = repo();
    store.stop();
    assert.throws(() => repo(), /the store is not open/);
    store.start();
    assert.notEqual(repo(), before, 'a new repository over the new connection');
    assert.equal(repo().get('k'), 'v1', 'durable across the reopen');
    assert.equal(store.register(notes)().get('k'), 'v1', 'the same definition again shares the first');
    assert.throws(() => store.register({ ...notes }), /two repositories are named notes/);
    store.stop();
  });

  it('marks the store damaged when a registered repository meets corruption, as the store’s own do', async () => {
    const store = createStore({ dataDir: tempDir(), logger: silentLogger });
    store.start();
    const repo = store.register(notes);
    try {
      assert.throws(() => repo().fail(), DatabaseDamagedError);
      assert.ok(store.damage, 'the store knows it is damaged');
      await assert.rejects(store.write(() => repo().put('k', 'v')), DatabaseDamagedError);
    } finally {
      store.stop();
    }
  });
});
