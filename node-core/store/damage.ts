import type { Database } from 'better-sqlite3';

/**
 * Damage to dchat.db: pages SQLite cannot read cleanly (a disk fault, a file copied while it was
 * being written, a stray write). Once noticed, the store takes no more writes, so nothing is
 * built on top of the damage, and the operator is told how to recover.
 */

/** The database file is damaged; nothing more is written into it until it is repaired or restored. */
export class DatabaseDamagedError extends Error {
  override readonly name = 'DatabaseDamagedError';
  readonly file: string;
  readonly reason: string;

  constructor(file: string, reason: string, options?: { cause?: unknown }) {
    super(`${file} is damaged (${reason}); writes are refused: stop the node, run "dchat check", then restore dchat.db from a backup together with its node-secret`, options);
    this.file = file;
    this.reason = reason;
  }
}

/** What a damaged page looks like to SQLite: SQLITE_CORRUPT (and its extended codes) or SQLITE_NOTADB. */
export function isCorruption(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB');
}

/**
 * Wraps every method of a repository: an error that shows damage marks the store damaged and is
 * rethrown as DatabaseDamagedError, and so is any write that `query_only` refused after that.
 */
export function guardRepository<R extends object>(repo: R, onError: (err: unknown) => unknown): R {
  const guarded: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(repo)) {
    guarded[key] =
      typeof value === 'function'
        ? (...args: unknown[]) => {
            try {
              return (value as (...a: unknown[]) => unknown).apply(repo, args);
            } catch (err) {
              throw onError(err);
            }
          }
        : value;
  }
  return guarded as R;
}

/**
 * The problems an integrity_check or quick_check pragma reports, one a line ('ok' and the
 * "*** in database main ***" heading left out). SQLite may stop the check with SQLITE_CORRUPT after
 * reporting some: the rows so far are kept and the error becomes the last line.
 */
export function checkProblems(db: Database, pragma: string): string[] {
  const problems: string[] = [];
  try {
    for (const row of db.prepare(`PRAGMA ${pragma}`).pluck().iterate() as Iterable<string>) {
      problems.push(...row.split('\n').filter((line) => line !== 'ok' && !/^\*\*\* in database \w+ \*\*\*$/.test(line)));
    }
  } catch (err) {
    if (!isCorruption(err)) throw err;
    problems.push(`${(err as Error).message} (${(err as { code: string }).code})`);
  }
  return problems;
}
