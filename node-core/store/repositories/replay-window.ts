import type { Database } from 'better-sqlite3';

/** Envelope ids seen within the accepted time window; anything seen again is a replay. */
export interface ReplayWindowRepository {
  /** Records the id; false if it was already there. */
  remember(id: Uint8Array, at: number): boolean;
  forgetBefore(at: number): number;
}

export function createReplayWindowRepository(db: Database): ReplayWindowRepository {
  const insert = db.prepare('INSERT OR IGNORE INTO seen_envelopes (id, seen_at) VALUES (?, ?)');
  const prune = db.prepare('DELETE FROM seen_envelopes WHERE seen_at < ?');
  return {
    remember: (id, at) => insert.run(id, at).changes === 1,
    forgetBefore: (at) => prune.run(at).changes,
  };
}
