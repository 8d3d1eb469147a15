import type { Database, Statement } from 'better-sqlite3';

export interface ProfileRecord {
  readonly identity_key: string;
  readonly username: string;
  readonly display_name: string;
  readonly bio: string;
  readonly avatar: Uint8Array | null;
  readonly avatar_type: string | null;
  readonly version: number;
  readonly updated_at: number;
  readonly signature: Uint8Array;
}

export interface ProfileRepository {
  /** Inserts or replaces; callers verify the signature and that the version moves forward. */
  put(profile: ProfileRecord): void;
  get(identityKey: string): ProfileRecord | undefined;
  count(): number;
}

export function createProfileRepository(db: Database): ProfileRepository {
  const put = db.prepare(
    `INSERT INTO user_profiles (identity_key, username, display_name, bio, avatar, avatar_type, version, updated_at, signature)
     VALUES (@identity_key, @username, @display_name, @bio, @avatar, @avatar_type, @version, @updated_at, @signature)
     ON CONFLICT (identity_key) DO UPDATE SET
       username = excluded.username, display_name = excluded.display_name, bio = excluded.bio,
       avatar = excluded.avatar, avatar_type = excluded.avatar_type, version = excluded.version,
       updated_at = excluded.updated_at, signature = excluded.signature`,
  );
  const get = db.prepare('SELECT * FROM user_profiles WHERE identity_key = ?') as Statement<[string], ProfileRecord>;
  const count = db.prepare('SELECT count(*) FROM user_profiles').pluck() as Statement<[], number>;
  return {
    put: (profile) => void put.run(profile),
    get: (identityKey) => get.get(identityKey),
    count: () => count.get()!,
  };
}
