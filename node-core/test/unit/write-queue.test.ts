import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { openDatabase } from '../../store/open-database.ts';
import { createWriteQueue } from '../../store/write-queue.ts';
import { tempDir } from '../helpers/spawn-node.ts';

describe('write queue (group commit)', () => {
  const setup = () => {
    const db = openDatabase(path.join(tempDir(), 'q.db'));
    db.exec('CREATE TABLE t (v INTEGER NOT NULL UNIQUE) STRICT; CREATE TABLE blobs (b TEXT) STRICT');
    return { db, insert: db.prepare('INSERT INTO t (v) VALUES (?)'), queue: createWriteQueue(db) };
  };

  it('commits writes of one event-loop turn in one transaction and resolves each with its result', async () => {
    const { db, insert, queue } = setup();
    const walFrames = () => (db.pragma('wal_checkpoint(PASSIVE)') as Array<{ log: number }>)[0]!.log;
    const framesBefore = walFrames();
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => queue.enqueue(() => Number(insert.run(i).lastInsertRowid))));
    assert.deepEqual(results, Array.from({ length: 50 }, (_, i) => i + 1));
    assert.equal(db.prepare('SELECT count(*) FROM t').pluck().get(), 50);
    // 50 separate commits would append at least 50 page frames to the WAL; one commit appends a few.
    const appended = walFrames() - framesBefore;
    assert.ok(appended <= 5, `one commit, not 50 (WAL frames appended: ${appended})`);
  });

  it('rejects only the write that failed; the others commit', async () => {
    const { db, insert, queue } = setup();
    const outcomes = await Promise.allSettled([
      queue.enqueue(() => insert.run(1)),
      queue.enqueue(() => {
        insert.run(2);
        insert.run(1); // violates UNIQUE: this write's savepoint rolls back, including its v=2
      }),
      queue.enqueue(() => insert.run(3)),
    ]);
    assert.deepEqual(outcomes.map((o) => o.status), ['fulfilled', 'rejected', 'fulfilled']);
    assert.deepEqual(db.prepare('SELECT v FROM t ORDER BY v').pluck().all(), [1, 3]);
  });

  it('a write alone (no savepoint) that fails stores none of its part and rejects with its own error', async () => {
    const { db, insert, queue } = setup();
    await queue.enqueue(() => insert.run(1));
    await assert.rejects(
      queue.enqueue(() => {
        insert.run(2);
        insert.run(1);
      }),
      /UNIQUE/,
    );
    await queue.enqueue(() => insert.run(3));
    assert.deepEqual(db.prepare('SELECT v FROM t ORDER BY v').pluck().all(), [1, 3]);
  });

  it('a full database fails the batch without storing part of it; the queue keeps working', async () => {
    const { db, insert, queue } = setup();
    // Capping the page count makes SQLite answer SQLITE_FULL exactly as on a full disk.
    db.pragma(`max_page_count = ${(db.pragma('page_count', { simple: true }) as number) + 2}`);
    const big = 'x'.repeat(64 * 1024);
    const outcomes = await Promise.allSettled([queue.enqueue(() => insert.run(7)), queue.enqueue(() => db.prepare('INSERT INTO blobs VALUES (?)').run(big))]);
    // SQLITE_FULL rolls back the whole transaction, so neither write is stored and both callers hear so.
    for (const outcome of outcomes) {
      assert.equal(outcome.status, 'rejected');
      assert.equal(((outcome as PromiseRejectedResult).reason as { code: string }).code, 'SQLITE_FULL');
    }
    assert.deepEqual(db.prepare('SELECT v FROM t').pluck().all(), []);
    await queue.enqueue(() => insert.run(8));
    assert.deepEqual(db.prepare('SELECT v FROM t').pluck().all(), [8], 'small writes still fit afterwards');
    assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
  });
});
