import type { Database, Statement } from 'better-sqlite3';

/** Small run-time choices that outlive restarts, stored as JSON. */
export interface SettingsRepository {
  get<T>(key: string): T | undefined;
  set(key: string, value: unknown): void;
}

export function createSettingsRepository(db: Database): SettingsRepository {
  const get = db.prepare('SELECT value FROM node_settings WHERE key = ?').pluck() as Statement<[string], string>;
  const set = db.prepare('INSERT INTO node_settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value');
  return {
    get<T>(key: string) {
      const value = get.get(key);
      return value === undefined ? undefined : (JSON.parse(value) as T);
    },
    set: (key, value) => void set.run(key, JSON.stringify(value)),
  };
}
