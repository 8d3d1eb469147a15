import type { Database } from 'better-sqlite3';

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly up: string;
}

/** The database was written by a newer dchat; opening it could corrupt data it understands. */
export class DatabaseTooNewError extends Error {
  override readonly name = 'DatabaseTooNewError';
  readonly file: string;
  readonly found: number;
  readonly supported: number;

  constructor(file: string, found: number, supported: number) {
    super(
      `${file} has schema version ${found}, but this dchat understands versions up to ${supported}: ` +
        'upgrade dchat, or restore a backup made by this version',
    );
    this.file = file;
    this.found = found;
    this.supported = supported;
  }
}

export interface MigrationResult {
  readonly from: number;
  readonly to: number;
}

export function schemaVersion(db: Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/**
 * Brings the schema up to date. All pending migrations and the version bump run in one
 * transaction: a crash midway leaves the database exactly as it was.
 */
export function migrate(db: Database, file: string, migrations: readonly Migration[]): MigrationResult {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) throw new Error(`migration list is out of order at ${m.name} (version ${m.version})`);
  });
  const latest = migrations.length;
  // Read the version inside the write transaction, so two processes migrating the same file at
  // once cannot both apply the same migration.
  return db
    .transaction((): MigrationResult => {
      const from = schemaVersion(db);
      if (from > latest) throw new DatabaseTooNewError(file, from, latest);
      for (const m of migrations.slice(from)) db.exec(m.up);
      if (from !== latest) db.pragma(`user_version = ${latest}`);
      return { from, to: latest };
    })
    .immediate();
}
