import type { Database } from 'better-sqlite3';
import type { Logger } from 'pino';
import { DatabaseDamagedError, isCorruption } from './damage.ts';

/** Damage noticed in dchat.db: by the background quick check, or by a query that hit it. */
export interface StoreDamage {
  readonly reason: string;
  readonly detected_at: number;
  readonly detected_by: 'quick_check' | 'query';
}

/** Whether the open database is damaged, and what a store does the moment it first is. */
export interface DamageTracker {
  readonly current: StoreDamage | undefined;
  /** Records damage (the first report only), switches the database to query-only, tells the listeners. */
  mark(reason: string, detectedBy: StoreDamage['detected_by'], err?: unknown): void;
  /** What a failed query becomes: damage is noticed and named, everything else passes through. */
  classify(err: unknown): unknown;
  /** The error a write into the damaged file is refused with. */
  refusal(cause?: unknown): DatabaseDamagedError;
  onDamage(listener: (damage: StoreDamage) => void): () => void;
  /** A freshly opened database starts undamaged. */
  reset(): void;
}

export function createDamageTracker(file: string, log: Logger, db: () => Database | undefined): DamageTracker {
  let damage: StoreDamage | undefined;
  const listeners = new Set<(damage: StoreDamage) => void>();
  const refusal = (cause?: unknown) => new DatabaseDamagedError(file, damage?.reason ?? 'damaged', { cause });

  const mark = (reason: string, detectedBy: StoreDamage['detected_by'], err?: unknown): void => {
    if (damage) return;
    damage = { reason, detected_at: Date.now(), detected_by: detectedBy };
    // From now on SQLite itself refuses writes on this connection, whichever path they take.
    try {
      db()?.pragma('query_only = ON');
    } catch (pragmaErr) {
      log.warn({ err: pragmaErr }, 'could not switch the damaged database to query-only');
    }
    log.error({ file, reason, detected_by: detectedBy, err }, `${file} is damaged: writes are refused from now on; stop the node and run "dchat check"`);
    for (const listener of listeners) listener(damage);
  };

  return {
    get current() {
      return damage;
    },
    mark,
    classify(err) {
      if (err instanceof DatabaseDamagedError) return err;
      if (isCorruption(err)) {
        mark(`${(err as Error).message} (${(err as { code: string }).code})`, 'query', err);
        return refusal(err);
      }
      if (damage && (err as { code?: unknown } | null)?.code === 'SQLITE_READONLY') return refusal(err);
      return err;
    },
    refusal,
    onDamage(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    reset() {
      damage = undefined;
    },
  };
}
