import type { Database, Statement } from 'better-sqlite3';

export interface SignedPrekeyRow {
  readonly identity_id: string;
  readonly id: number;
  readonly public_key: Uint8Array;
  readonly sealed_secret: Uint8Array;
  readonly signature: Uint8Array;
  readonly created_at: number;
}

export interface OneTimePrekeyRow {
  readonly identity_id: string;
  readonly id: number;
  readonly public_key: Uint8Array;
  readonly sealed_secret: Uint8Array;
  readonly assigned_to: string | null;
  readonly created_at: number;
}

export interface PrekeyRepository {
  insertSigned(row: SignedPrekeyRow): void;
  latestSigned(identityId: string): SignedPrekeyRow | undefined;
  getSigned(identityId: string, id: number): SignedPrekeyRow | undefined;
  insertOneTime(row: OneTimePrekeyRow): void;
  getOneTime(identityId: string, id: number): OneTimePrekeyRow | undefined;
  /** Removes a one-time prekey for good once a session used it. */
  deleteOneTime(identityId: string, id: number): void;
  /** Hands up to `count` unassigned keys to `assignee` (a relay, or 'self'). */
  assignOneTime(identityId: string, assignee: string, count: number): OneTimePrekeyRow[];
  /** Moves every key assigned to `from` over to `to` (e.g. a relay's share, once it is used up). */
  reassign(identityId: string, from: string, to: string): number;
  countUnassigned(identityId: string): number;
  countAssigned(identityId: string, assignee: string): number;
  nextOneTimeId(identityId: string): number;
}

export function createPrekeyRepository(db: Database): PrekeyRepository {
  const insertSigned = db.prepare(
    'INSERT INTO signed_prekeys (identity_id, id, public_key, sealed_secret, signature, created_at) VALUES (@identity_id, @id, @public_key, @sealed_secret, @signature, @created_at)',
  );
  const latestSigned = db.prepare('SELECT * FROM signed_prekeys WHERE identity_id = ? ORDER BY id DESC LIMIT 1') as Statement<[string], SignedPrekeyRow>;
  const getSigned = db.prepare('SELECT * FROM signed_prekeys WHERE identity_id = ? AND id = ?') as Statement<[string, number], SignedPrekeyRow>;
  const insertOneTime = db.prepare(
    'INSERT INTO one_time_prekeys (identity_id, id, public_key, sealed_secret, assigned_to, created_at) VALUES (@identity_id, @id, @public_key, @sealed_secret, @assigned_to, @created_at)',
  );
  const getOneTime = db.prepare('SELECT * FROM one_time_prekeys WHERE identity_id = ? AND id = ?') as Statement<[string, number], OneTimePrekeyRow>;
  const deleteOneTime = db.prepare('DELETE FROM one_time_prekeys WHERE identity_id = ? AND id = ?');
  const unassigned = db.prepare('SELECT * FROM one_time_prekeys WHERE identity_id = ? AND assigned_to IS NULL ORDER BY id LIMIT ?') as Statement<[string, number], OneTimePrekeyRow>;
  const assign = db.prepare('UPDATE one_time_prekeys SET assigned_to = ? WHERE identity_id = ? AND id = ?');
  const reassign = db.prepare('UPDATE one_time_prekeys SET assigned_to = ? WHERE identity_id = ? AND assigned_to = ?');
  const countUnassigned = db.prepare('SELECT count(*) FROM one_time_prekeys WHERE identity_id = ? AND assigned_to IS NULL').pluck() as Statement<[string], number>;
  const countAssigned = db.prepare('SELECT count(*) FROM one_time_prekeys WHERE identity_id = ? AND assigned_to = ?').pluck() as Statement<[string, string], number>;
  const maxId = db.prepare('SELECT coalesce(max(id), 0) FROM one_time_prekeys WHERE identity_id = ?').pluck() as Statement<[string], number>;
  return {
    insertSigned: (row) => void insertSigned.run(row),
    latestSigned: (identityId) => latestSigned.get(identityId),
    getSigned: (identityId, id) => getSigned.get(identityId, id),
    insertOneTime: (row) => void insertOneTime.run(row),
    getOneTime: (identityId, id) => getOneTime.get(identityId, id),
    deleteOneTime: (identityId, id) => void deleteOneTime.run(identityId, id),
    assignOneTime(identityId, assignee, count) {
      const rows = unassigned.all(identityId, count);
      for (const row of rows) assign.run(assignee, identityId, row.id);
      return rows.map((row) => ({ ...row, assigned_to: assignee }));
    },
    reassign: (identityId, from, to) => reassign.run(to, identityId, from).changes,
    countUnassigned: (identityId) => countUnassigned.get(identityId)!,
    countAssigned: (identityId, assignee) => countAssigned.get(identityId, assignee)!,
    // Ids only grow, so a deleted key's id is never reissued (a late message could otherwise pick the wrong key).
    nextOneTimeId: (identityId) => maxId.get(identityId)! + 1,
  };
}
