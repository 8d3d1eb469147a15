import type { Database, Statement } from 'better-sqlite3';

/** Envelope ids seen within the accepted time window; anything seen again is a replay. */
export interface ReplayWindowRepository {
  /** Records the id; false if it was already there. */
  remember(id: Uint8Array, at: number): boolean;
  seen(id: Uint8Array): boolean;
  forgetBefore(at: number): number;
}

export function createReplayWindowRepository(db: Database): ReplayWindowRepository {
  const insert = db.prepare('INSERT OR IGNORE INTO seen_envelopes (id, seen_at) VALUES (?, ?)');
  const seen = db.prepare('SELECT 1 FROM seen_envelopes WHERE id = ?').pluck() as Statement<[Uint8Array], number>;
  const prune = db.prepare('DELETE FROM seen_envelopes WHERE seen_at < ?');
  return {
    remember: (id, at) => insert.run(id, at).changes === 1,
    seen: (id) => seen.get(id) !== undefined,
    forgetBefore: (at) => prune.run(at).changes,
  };
}
