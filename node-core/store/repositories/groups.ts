import type { Database, Statement } from 'better-sqlite3';

export interface GroupRow {
  readonly id: string;
  readonly local_identity: string;
  /** The signed group state (members, admin, title, version). */
  readonly state: Uint8Array;
  readonly version: number;
  /** 1 once we were removed: we keep history but read nothing new. */
  readonly removed: number;
  readonly created_at: number;
}

export interface SenderKeyRow {
  readonly group_id: string;
  readonly sender: string;
  readonly key_id: number;
  readonly sealed_state: Uint8Array;
  readonly created_at: number;
}

export interface GroupRepository {
  put(row: GroupRow): void;
  get(id: string): GroupRow | undefined;
  list(): GroupRow[];
  putSenderKey(row: SenderKeyRow): void;
  getSenderKey(groupId: string, sender: string, keyId: number): SenderKeyRow | undefined;
  /** The sender's newest key (ours: the one we encrypt with). */
  latestSenderKey(groupId: string, sender: string): SenderKeyRow | undefined;
  deleteSenderKeys(groupId: string, sender: string): void;
}

export function createGroupRepository(db: Database): GroupRepository {
  const put = db.prepare(
    `INSERT INTO groups (id, local_identity, state, version, removed, created_at) VALUES (@id, @local_identity, @state, @version, @removed, @created_at)
     ON CONFLICT (id) DO UPDATE SET state = excluded.state, version = excluded.version, removed = excluded.removed`,
  );
  const get = db.prepare('SELECT * FROM groups WHERE id = ?') as Statement<[string], GroupRow>;
  const list = db.prepare('SELECT * FROM groups ORDER BY created_at, id') as Statement<[], GroupRow>;
  const putKey = db.prepare(
    `INSERT INTO sender_keys (group_id, sender, key_id, sealed_state, created_at) VALUES (@group_id, @sender, @key_id, @sealed_state, @created_at)
     ON CONFLICT (group_id, sender, key_id) DO UPDATE SET sealed_state = excluded.sealed_state`,
  );
  const getKey = db.prepare('SELECT * FROM sender_keys WHERE group_id = ? AND sender = ? AND key_id = ?') as Statement<[string, string, number], SenderKeyRow>;
  const latestKey = db.prepare('SELECT * FROM sender_keys WHERE group_id = ? AND sender = ? ORDER BY key_id DESC LIMIT 1') as Statement<[string, string], SenderKeyRow>;
  const deleteKeys = db.prepare('DELETE FROM sender_keys WHERE group_id = ? AND sender = ?');
  return {
    put: (row) => void put.run(row),
    get: (id) => get.get(id),
    list: () => list.all(),
    putSenderKey: (row) => void putKey.run(row),
    getSenderKey: (g, s, k) => getKey.get(g, s, k),
    latestSenderKey: (g, s) => latestKey.get(g, s),
    deleteSenderKeys: (g, s) => void deleteKeys.run(g, s),
  };
}
