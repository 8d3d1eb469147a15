import fs from 'node:fs';
import path from 'node:path';
import type { Database } from 'better-sqlite3';
import type { Logger } from 'pino';
import type { StoreFigures } from '../domain/model.ts';
import type { Startable } from '../runtime/startable.ts';
import { createDamageTracker, type DamageTracker, type StoreDamage } from './damage-tracker.ts';
import { MIGRATIONS } from './migrations/index.ts';
import { migrate, schemaVersion, type MigrationResult } from './migrator.ts';
import { DATABASE_FILE_NAME, openDatabase } from './open-database.ts';
import { openRepositories, type Repositories } from './open-repositories.ts';
import { createRegisteredRepositories, type RegisteredRepositories, type RepositoryDefinition } from './registered-repositories.ts';
import { quickCheckTables, summarizeProblems, type QuickCheckResult } from './quick-check.ts';
import { createWriteQueue, type WriteQueue } from './write-queue.ts';

export type { Repositories } from './open-repositories.ts';
export type { RepositoryDefinition } from './registered-repositories.ts';
export type { StoreDamage } from './damage-tracker.ts';
export type { QuickCheckResult } from './quick-check.ts';

export interface Store extends Startable {
  readonly file: string;
  /** Opens the file and applies pending migrations (`dchat --init-db` reports what they did). */
  start(): MigrationResult;
  // The same call seen as a Startable, whose start returns nothing.
  start(): void;
  /** Commits queued writes and closes the file. */
  stop(): void;
  readonly started: boolean;
  /** Repositories for reads (and for writes inside `write`). */
  readonly repos: Repositories;
  /**
   * Adds a component's own repository over this database, guarded against damage like the
   * store's; reads and writes (inside `write`/`transaction`) go through the returned accessor.
   */
  register<T extends object>(definition: RepositoryDefinition<T>): () => T;
  /** Runs `work` in a durable write transaction, group-committed with concurrent writes. */
  write<T>(work: (repos: Repositories) => T): Promise<T>;
  /** Runs `work` in one synchronous transaction, for bulk imports and tests. */
  transaction<T>(work: (repos: Repositories) => T): T;
  figures(): StoreFigures;
  readonly db: Database;
  /** Set once damage is noticed; from then on every write is refused with DatabaseDamagedError. */
  readonly damage: StoreDamage | undefined;
  /** Called once, when damage is first noticed. Returns an unsubscribe function. */
  onDamage(listener: (damage: StoreDamage) => void): () => void;
  /**
   * SQLite's quick check (every b-tree page of every table and index), one table at a time with
   * the event loop free in between, so it can run after start without holding requests up.
   * Problems found mark the store damaged. Resolves early (ok) if the store closes meanwhile.
   */
  quickCheck(): Promise<QuickCheckResult>;
}

export interface StoreInit {
  readonly dataDir: string;
  readonly logger: Logger;
}

/** An open database with what is built on it; the store holds one while started. */
interface OpenStore {
  readonly db: Database;
  readonly repos: Repositories;
  readonly writes: WriteQueue;
}

/** The parts of a store, shared by the functions below. */
interface StoreState {
  readonly file: string;
  readonly log: Logger;
  readonly damage: DamageTracker;
  readonly registered: RegisteredRepositories;
  open: OpenStore | undefined;
}

export function createStore(init: StoreInit): Store {
  const file = path.join(init.dataDir, DATABASE_FILE_NAME);
  const log = init.logger.child({ component: 'store' });
  const damage = createDamageTracker(file, log, () => state.open?.db);
  const registered = createRegisteredRepositories((err) => damage.classify(err));
  const state: StoreState = { file, log, open: undefined, damage, registered };
  const requireOpen = (): OpenStore => {
    if (!state.open) throw new Error('the store is not open');
    return state.open;
  };
  return {
    file,
    start: () => openStore(state),
    stop: () => closeStore(state),
    get started() {
      return state.open !== undefined;
    },
    get repos() {
      return requireOpen().repos;
    },
    get db() {
      return requireOpen().db;
    },
    register: (definition) => registered.register(definition, state.open?.db),
    ...storeWrites(state, requireOpen),
    get damage() {
      return state.damage.current;
    },
    onDamage: (listener) => state.damage.onDamage(listener),
    quickCheck: () => quickCheck(state, requireOpen().db),
    figures: () => figures(file, requireOpen()),
  };
}

function openStore(state: StoreState): MigrationResult {
  if (state.open) {
    const version = schemaVersion(state.open.db);
    return { from: version, to: version };
  }
  const { file, log, damage } = state;
  const db = openDatabase(file);
  let migrated: MigrationResult;
  try {
    migrated = migrate(db, file, MIGRATIONS);
    if (migrated.from !== migrated.to) log.info({ file, ...migrated }, 'database schema migrated');
  } catch (err) {
    db.close();
    throw err;
  }
  damage.reset();
  const repos = openRepositories(db, (err) => damage.classify(err));
  state.registered.openAll(db);
  const writes = createWriteQueue(db, { refuse: () => (damage.current ? damage.refusal() : undefined) });
  state.open = { db, repos, writes };
  log.debug({ file }, 'store open');
  return migrated;
}

function closeStore(state: StoreState): void {
  const open = state.open;
  if (!open) return;
  open.writes.flush();
  try {
    if (!state.damage.current) open.db.pragma('optimize');
  } catch (err) {
    state.log.warn({ err }, 'PRAGMA optimize failed at close');
  }
  open.db.close();
  state.registered.closeAll();
  state.open = undefined;
  state.log.debug('store closed');
}

function storeWrites(state: StoreState, requireOpen: () => OpenStore): Pick<Store, 'write' | 'transaction'> {
  const { damage } = state;
  return {
    write(work) {
      const open = requireOpen();
      if (damage.current) return Promise.reject(damage.refusal());
      return open.writes.enqueue(() => work(open.repos)).catch((err: unknown) => {
        throw damage.classify(err);
      });
    },
    transaction(work) {
      const open = requireOpen();
      if (damage.current) throw damage.refusal();
      try {
        return open.db.transaction(() => work(open.repos)).immediate();
      } catch (err) {
        throw damage.classify(err);
      }
    },
  };
}

async function quickCheck(state: StoreState, checked: Database): Promise<QuickCheckResult> {
  const { outcome, interrupted } = await quickCheckTables(checked, () => state.open?.db === checked);
  if (interrupted) return outcome;
  if (outcome.ok) state.log.info({ file: state.file, ms: outcome.ms }, 'database quick check: ok');
  else state.damage.mark(summarizeProblems(outcome.problems), 'quick_check');
  return outcome;
}

const fileSize = (f: string): number => {
  try {
    return fs.statSync(f).size;
  } catch {
    return 0;
  }
};

function figures(file: string, open: OpenStore): StoreFigures {
  return {
    backend: 'sqlite',
    path: file,
    schema_version: schemaVersion(open.db),
    size_bytes: fileSize(file),
    wal_bytes: fileSize(`${file}-wal`),
    identities: open.repos.identities.count(),
    conversations: open.repos.conversations.count(),
    messages: open.repos.messages.count(),
  };
}
