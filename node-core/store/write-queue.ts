import type { Database } from 'better-sqlite3';

interface PendingWrite {
  readonly work: () => unknown;
  readonly resolve: (value: unknown) => void;
  readonly reject: (reason: unknown) => void;
}

export interface WriteQueue {
  /**
   * Runs `work` inside a write transaction and resolves once that transaction is durably
   * committed. Writes enqueued in the same turn of the event loop share one commit (group
   * commit), so each acknowledged write still costs at most one fsync but concurrent writers
   * share it. Each write runs in its own savepoint: one failing write rejects only its caller.
   */
  enqueue<T>(work: () => T): Promise<T>;
  /** Commits whatever is queued now; used before closing. */
  flush(): void;
  readonly pending: number;
}

export interface WriteQueueOptions {
  readonly maxBatch?: number;
  /**
   * Asked before a batch runs and again before it commits: an error returned refuses the whole
   * batch (rolled back, every write rejected with it). The store refuses writes into a damaged file.
   */
  readonly refuse?: () => Error | undefined;
}

export function createWriteQueue(db: Database, options: WriteQueueOptions = {}): WriteQueue {
  const { maxBatch = 1000, refuse } = options;
  const queue: PendingWrite[] = [];
  let scheduled = false;
  const inSavepoint = db.transaction((work: () => unknown) => work());
  const commitBatch = db.transaction((batch: PendingWrite[], outcomes: Array<{ ok: boolean; value: unknown }>) => {
    const before = refuse?.();
    if (before) throw before;
    // A write alone needs no savepoint: its failure rolls back a transaction holding only itself.
    // (Most batches are one write when traffic is light; the savepoint pair is then pure cost.)
    if (batch.length === 1) {
      outcomes.push({ ok: true, value: batch[0]!.work() });
      const after = refuse?.();
      if (after) throw after;
      return;
    }
    for (const write of batch) {
      try {
        outcomes.push({ ok: true, value: inSavepoint(write.work) });
      } catch (err) {
        // Some errors (SQLITE_FULL, SQLITE_IOERR) make SQLite roll back the whole transaction, not
        // only the savepoint. Then nothing of this batch is stored: fail all of it, and never let
        // the remaining writes run outside the batch's transaction.
        if (!db.inTransaction) throw err;
        outcomes.push({ ok: false, value: err });
      }
    }
    // A write of this batch may have found damage: then none of it is committed.
    const after = refuse?.();
    if (after) throw after;
  });

  function flush(): void {
    scheduled = false;
    while (queue.length > 0) {
      const batch = queue.length > maxBatch ? queue.splice(0, maxBatch) : queue.splice(0);
      const outcomes: Array<{ ok: boolean; value: unknown }> = [];
      try {
        commitBatch.immediate(batch, outcomes);
      } catch (err) {
        // The commit itself failed (disk full, I/O error): nothing in the batch was stored.
        for (const write of batch) write.reject(err);
        continue;
      }
      batch.forEach((write, i) => {
        const outcome = outcomes[i]!;
        if (outcome.ok) write.resolve(outcome.value);
        else write.reject(outcome.value);
      });
    }
  }

  return {
    enqueue<T>(work: () => T): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        queue.push({ work, resolve: resolve as (value: unknown) => void, reject });
        if (!scheduled) {
          scheduled = true;
          setImmediate(flush);
        }
      });
    },
    flush,
    get pending() {
      return queue.length;
    },
  };
}
