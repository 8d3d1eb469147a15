import crypto from 'node:crypto';
import fs from 'node:fs';
import Database from 'better-sqlite3';

/**
 * Overwrites one interior b-tree page of `table` (not its root, not the file header) in a closed
 * SQLite file, as a disk fault would: the page no longer parses as a b-tree page. Returns which
 * page, out of how many.
 */
export function damageInteriorPage(file: string, table: string): { page: number; pages: number; root: number } {
  const db = new Database(file, { readonly: true });
  const pageSize = db.pragma('page_size', { simple: true }) as number;
  const pages = db.pragma('page_count', { simple: true }) as number;
  const root = db.prepare('SELECT rootpage FROM sqlite_schema WHERE name = ?').pluck().get(table) as number;
  const interior = db.prepare("SELECT pageno FROM dbstat WHERE name = ? AND pagetype = 'internal' AND pageno <> ? ORDER BY pageno").pluck().all(table, root) as number[];
  db.close();
  if (interior.length === 0) throw new Error(`${table} has no interior page below its root yet: add rows`);
  if (fs.existsSync(`${file}-wal`) && fs.statSync(`${file}-wal`).size > 0) throw new Error(`${file} has a write-ahead log: close it cleanly first`);
  const page = interior[Math.floor(interior.length / 2)]!;
  const fd = fs.openSync(file, 'r+');
  try {
    const offset = (page - 1) * pageSize;
    fs.writeSync(fd, crypto.randomBytes(pageSize - 100), 0, pageSize - 100, offset + 100);
    fs.writeSync(fd, Buffer.from([0x42]), 0, 1, offset); // not a b-tree page type
  } finally {
    fs.closeSync(fd);
  }
  return { page, pages, root };
}
