import type { Database } from 'better-sqlite3';
import { checkProblems, isCorruption } from './damage.ts';

export interface QuickCheckResult {
  readonly ok: boolean;
  readonly problems: readonly string[];
  readonly ms: number;
}

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

/**
 * SQLite's quick check, one table at a time with the event loop free in between. Stops early
 * (`interrupted`, with what it found so far) once `stillOpen` says the database was closed.
 */
export async function quickCheckTables(db: Database, stillOpen: () => boolean): Promise<{ outcome: QuickCheckResult; interrupted: boolean }> {
  const started = performance.now();
  const problems: string[] = [];
  const result = (interrupted = false) => ({ outcome: { ok: problems.length === 0, problems, ms: Math.round(performance.now() - started) }, interrupted });
  try {
    // Real b-trees only: a virtual table (full-text search) is checked through its shadow tables.
    const tables = db
      .prepare("SELECT name FROM pragma_table_list WHERE schema = 'main' AND type IN ('table', 'shadow') ORDER BY name = 'sqlite_schema' DESC, name")
      .pluck()
      .all() as string[];
    for (const table of tables) {
      await nextTurn();
      if (!stillOpen()) return result(true);
      problems.push(...checkProblems(db, `quick_check("${table.replaceAll('"', '""')}")`));
      if (problems.length > 0) break;
    }
  } catch (err) {
    if (!stillOpen()) return result(true);
    if (!isCorruption(err)) throw err;
    problems.push(`${(err as Error).message} (${(err as { code: string }).code})`);
  }
  return result();
}

/** One line for the first problem, saying how many more there are. */
export function summarizeProblems(problems: readonly string[]): string {
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more problem${problems.length > 2 ? 's' : ''})` : '';
  return `quick check: ${problems[0]}${more}`;
}
