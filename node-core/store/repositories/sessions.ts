import type { Database, Statement } from 'better-sqlite3';

export interface SessionRow {
  readonly local_identity: string;
  readonly remote_identity: string;
  readonly session_id: string;
  readonly sealed_state: Uint8Array;
  readonly pending_init: Uint8Array | null;
  readonly last_used_at: number;
}

export interface SessionRepository {
  /** Sessions with a remote identity, most recently used first. */
  list(localIdentity: string, remoteIdentity: string): SessionRow[];
  /** The most recently used session with a remote identity: the one we send on. */
  latest(localIdentity: string, remoteIdentity: string): SessionRow | undefined;
  get(localIdentity: string, remoteIdentity: string, sessionId: string): SessionRow | undefined;
  put(row: SessionRow): void;
  /** Keeps the `keep` most recently used sessions with a remote identity. */
  prune(localIdentity: string, remoteIdentity: string, keep: number): void;
}

export function createSessionRepository(db: Database): SessionRepository {
  // At most a few sessions per peer (MAX_SESSIONS_PER_PEER): they are ordered here, not by
  // SQLite, whose sorter costs several times the lookup itself on every message sent.
  const list = db.prepare('SELECT * FROM sessions WHERE local_identity = ? AND remote_identity = ?') as Statement<[string, string], SessionRow>;
  const byUse = (a: SessionRow, b: SessionRow) => b.last_used_at - a.last_used_at || (a.session_id < b.session_id ? -1 : a.session_id > b.session_id ? 1 : 0);
  const get = db.prepare('SELECT * FROM sessions WHERE local_identity = ? AND remote_identity = ? AND session_id = ?') as Statement<[string, string, string], SessionRow>;
  const put = db.prepare(
    `INSERT INTO sessions (local_identity, remote_identity, session_id, sealed_state, pending_init, last_used_at)
     VALUES (@local_identity, @remote_identity, @session_id, @sealed_state, @pending_init, @last_used_at)
     ON CONFLICT (local_identity, remote_identity, session_id) DO UPDATE SET
       sealed_state = excluded.sealed_state, pending_init = excluded.pending_init, last_used_at = excluded.last_used_at`,
  );
  const prune = db.prepare(
    `DELETE FROM sessions WHERE local_identity = @local AND remote_identity = @remote AND session_id NOT IN (
       SELECT session_id FROM sessions WHERE local_identity = @local AND remote_identity = @remote ORDER BY last_used_at DESC LIMIT @keep)`,
  );
  return {
    list: (local, remote) => list.all(local, remote).sort(byUse),
    latest: (local, remote) => list.all(local, remote).sort(byUse)[0],
    get: (local, remote, id) => get.get(local, remote, id),
    put: (row) => void put.run(row),
    prune: (local, remote, keep) => void prune.run({ local, remote, keep }),
  };
}
