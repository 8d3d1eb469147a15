import fs from 'node:fs';
import Database from 'better-sqlite3';
import { schemaVersion } from './migrator.ts';
import { checkProblems, isCorruption } from './damage.ts';

export interface DatabaseCheckReport {
  readonly file: string;
  /** False when the file could not be opened or read as a database at all. */
  readonly readable: boolean;
  readonly schemaVersion: number | undefined;
  readonly pages: number | undefined;
  /** What `PRAGMA integrity_check` found: empty when the file is clean. */
  readonly integrityProblems: readonly string[];
  /** Rows whose foreign key points at nothing (`PRAGMA foreign_key_check`). */
  readonly foreignKeyProblems: readonly string[];
  /** The node secret's check value kept in the database (migration 0006), if there is one yet. */
  readonly nodeSecretCheck: Uint8Array | undefined;
  readonly ms: number;
}

/** How many problems a report lists at most (SQLite's default is 100 too). */
export const MAX_PROBLEMS = 100;

/**
 * The full check behind `dchat check`: every page, every index entry against its table, every
 * constraint (`PRAGMA integrity_check`, which also checks the full-text index), then every
 * foreign key. Opens the file read-only, so it is safe beside a running node.
 */
export function checkDatabaseFile(file: string): DatabaseCheckReport {
  const started = performance.now();
  const report = (fields: Omit<DatabaseCheckReport, 'file' | 'ms'>): DatabaseCheckReport => ({ file, ...fields, ms: Math.round(performance.now() - started) });
  if (!fs.existsSync(file)) throw Object.assign(new Error(`${file} does not exist`), { code: 'ENOENT', path: file });
  let db: Database.Database | undefined;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
    db.pragma('busy_timeout = 5000');
    const version = schemaVersion(db);
    const pages = db.pragma('page_count', { simple: true }) as number;
    const integrity = checkProblems(db, `integrity_check(${MAX_PROBLEMS})`);
    let foreignKeys: string[];
    try {
      foreignKeys = (db.pragma('foreign_key_check') as Array<{ table: string; rowid: number | null; parent: string; fkid: number }>)
        .slice(0, MAX_PROBLEMS)
        .map((r) => `row ${r.rowid ?? '?'} of ${r.table} points at a missing row of ${r.parent}`);
    } catch (err) {
      // Damage the integrity check already reported can stop this one midway.
      if (!isCorruption(err)) throw err;
      foreignKeys = [`could not finish: ${(err as Error).message} (${(err as { code: string }).code})`];
    }
    let check: Uint8Array | undefined;
    try {
      const hasCheck = db.prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'node_secret_check'").get() !== undefined;
      const value = hasCheck ? (db.prepare('SELECT check_value FROM node_secret_check WHERE id = 1').pluck().get() as Uint8Array | undefined) : undefined;
      check = value && new Uint8Array(value);
    } catch (err) {
      if (!isCorruption(err)) throw err;
    }
    return report({ readable: true, schemaVersion: version, pages, integrityProblems: integrity, foreignKeyProblems: foreignKeys, nodeSecretCheck: check });
  } catch (err) {
    if (!isCorruption(err)) throw err;
    return report({ readable: false, schemaVersion: undefined, pages: undefined, integrityProblems: [`${(err as Error).message} (${(err as { code: string }).code})`], foreignKeyProblems: [], nodeSecretCheck: undefined });
  } finally {
    db?.close();
  }
}
