import fs from 'node:fs';
import Database from 'better-sqlite3';

export const DATABASE_FILE_NAME = 'dchat.db';

/**
 * Opens (creating if needed) the node's SQLite file with the settings every connection needs.
 * synchronous=FULL: a commit is on disk before we acknowledge it, surviving power loss, not only
 * a killed process. The file is created 0600 before SQLite touches it; SQLite gives its -wal and
 * -shm files the same mode.
 */
export function openDatabase(file: string, options: { readonly readonly?: boolean } = {}): Database.Database {
  if (!options.readonly && !fs.existsSync(file)) fs.closeSync(fs.openSync(file, 'a', 0o600));
  const db = new Database(file, { readonly: options.readonly ?? false, fileMustExist: options.readonly ?? false });
  try {
    db.pragma('busy_timeout = 5000');
    if (!options.readonly) {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = FULL');
    }
    db.pragma('foreign_keys = ON');
    db.pragma('cache_size = -32768');
    db.pragma('temp_store = MEMORY');
  } catch (err) {
    db.close();
    throw err;
  }
  return db;
}
