import fs from 'node:fs';
import path from 'node:path';
import type { Database } from 'better-sqlite3';
import type { Logger } from 'pino';
import type { StoreFigures } from '../domain/model.ts';
import { MIGRATIONS } from './migrations/index.ts';
import { migrate, schemaVersion, type MigrationResult } from './migrator.ts';
import { DATABASE_FILE_NAME, openDatabase } from './open-database.ts';
import { createConversationRepository, type ConversationRepository } from './repositories/conversations.ts';
import { createIdentityRepository, type IdentityRepository } from './repositories/identities.ts';
import { createMessageRepository, type MessageRepository } from './repositories/messages.ts';
import { createProfileRepository, type ProfileRepository } from './repositories/profiles.ts';
import { createAttachmentRepository, type AttachmentRepository } from './repositories/attachments.ts';
import { createContactRepository, type ContactRepository } from './repositories/contacts.ts';
import { createGroupRepository, type GroupRepository } from './repositories/groups.ts';
import { createMailboxRepository, type MailboxRepository } from './repositories/mailbox.ts';
import { createNodeSecretCheckRepository, type NodeSecretCheckRepository } from './repositories/node-secret-check.ts';
import { createOutboxRepository, type OutboxRepository } from './repositories/outbox.ts';
import { createPrekeyRepository, type PrekeyRepository } from './repositories/prekeys.ts';
import { createReplayWindowRepository, type ReplayWindowRepository } from './repositories/replay-window.ts';
import { createSessionRepository, type SessionRepository } from './repositories/sessions.ts';
import { createSettingsRepository, type SettingsRepository } from './repositories/settings.ts';
import { createWriteQueue, type WriteQueue } from './write-queue.ts';
import { checkProblems, DatabaseDamagedError, guardRepository, isCorruption } from './damage.ts';

export interface Repositories {
  readonly identities: IdentityRepository;
  readonly profiles: ProfileRepository;
  readonly conversations: ConversationRepository;
  readonly messages: MessageRepository;
  readonly settings: SettingsRepository;
  readonly contacts: ContactRepository;
  readonly prekeys: PrekeyRepository;
  readonly sessions: SessionRepository;
  readonly replayWindow: ReplayWindowRepository;
  readonly outbox: OutboxRepository;
  readonly mailbox: MailboxRepository;
  readonly groups: GroupRepository;
  readonly attachments: AttachmentRepository;
  readonly nodeSecretCheck: NodeSecretCheckRepository;
}

/** Damage noticed in dchat.db: by the background quick check, or by a query that hit it. */
export interface StoreDamage {
  readonly reason: string;
  readonly detected_at: number;
  readonly detected_by: 'quick_check' | 'query';
}

export interface QuickCheckResult {
  readonly ok: boolean;
  readonly problems: readonly string[];
  readonly ms: number;
}

export interface Store {
  readonly file: string;
  /** Opens the file and applies pending migrations. */
  start(): MigrationResult;
  /** Commits queued writes and closes the file. */
  stop(): void;
  readonly started: boolean;
  /** Repositories for reads (and for writes inside `write`). */
  readonly repos: Repositories;
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

export function createStore(init: StoreInit): Store {
  const file = path.join(init.dataDir, DATABASE_FILE_NAME);
  const log = init.logger.child({ component: 'store' });
  let db: Database | undefined;
  let repos: Repositories | undefined;
  let writes: WriteQueue | undefined;
  let damage: StoreDamage | undefined;
  const damageListeners = new Set<(damage: StoreDamage) => void>();

  const damagedError = (cause?: unknown) => new DatabaseDamagedError(file, damage?.reason ?? 'damaged', { cause });

  function markDamaged(reason: string, detectedBy: StoreDamage['detected_by'], err?: unknown): void {
    if (damage) return;
    damage = { reason, detected_at: Date.now(), detected_by: detectedBy };
    // From now on SQLite itself refuses writes on this connection, whichever path they take.
    try {
      db?.pragma('query_only = ON');
    } catch (pragmaErr) {
      log.warn({ err: pragmaErr }, 'could not switch the damaged database to query-only');
    }
    log.error({ file, reason, detected_by: detectedBy, err }, `${file} is damaged: writes are refused from now on; stop the node and run "dchat check"`);
    for (const listener of damageListeners) listener(damage);
  }

  /** What a failed query becomes: damage is noticed and named, everything else passes through. */
  const classify = (err: unknown): unknown => {
    if (err instanceof DatabaseDamagedError) return err;
    if (isCorruption(err)) {
      markDamaged(`${(err as Error).message} (${(err as { code: string }).code})`, 'query', err);
      return damagedError(err);
    }
    if (damage && (err as { code?: unknown } | null)?.code === 'SQLITE_READONLY') return damagedError(err);
    return err;
  };

  const requireOpen = (): { db: Database; repos: Repositories; writes: WriteQueue } => {
    if (!db || !repos || !writes) throw new Error('the store is not open');
    return { db, repos, writes };
  };

  const fileSize = (f: string): number => {
    try {
      return fs.statSync(f).size;
    } catch {
      return 0;
    }
  };

  return {
    file,
    start() {
      if (db) {
        const version = schemaVersion(db);
        return { from: version, to: version };
      }
      const opened = openDatabase(file);
      let migrated: MigrationResult;
      try {
        migrated = migrate(opened, file, MIGRATIONS);
        if (migrated.from !== migrated.to) log.info({ file, ...migrated }, 'database schema migrated');
      } catch (err) {
        opened.close();
        throw err;
      }
      db = opened;
      damage = undefined;
      const raw: Repositories = {
        identities: createIdentityRepository(opened),
        profiles: createProfileRepository(opened),
        conversations: createConversationRepository(opened),
        messages: createMessageRepository(opened),
        settings: createSettingsRepository(opened),
        contacts: createContactRepository(opened),
        prekeys: createPrekeyRepository(opened),
        sessions: createSessionRepository(opened),
        replayWindow: createReplayWindowRepository(opened),
        outbox: createOutboxRepository(opened),
        mailbox: createMailboxRepository(opened),
        groups: createGroupRepository(opened),
        attachments: createAttachmentRepository(opened),
        nodeSecretCheck: createNodeSecretCheckRepository(opened),
      };
      // Every query goes through a repository: one that hits damage marks the store damaged.
      repos = Object.fromEntries(Object.entries(raw).map(([name, repo]) => [name, guardRepository(repo as object, classify)])) as unknown as Repositories;
      writes = createWriteQueue(opened, { refuse: () => (damage ? damagedError() : undefined) });
      log.debug({ file }, 'store open');
      return migrated;
    },
    stop() {
      if (!db) return;
      writes?.flush();
      try {
        if (!damage) db.pragma('optimize');
      } catch (err) {
        log.warn({ err }, 'PRAGMA optimize failed at close');
      }
      db.close();
      db = undefined;
      repos = undefined;
      writes = undefined;
      log.debug('store closed');
    },
    get started() {
      return db !== undefined;
    },
    get repos() {
      return requireOpen().repos;
    },
    get db() {
      return requireOpen().db;
    },
    write(work) {
      const open = requireOpen();
      if (damage) return Promise.reject(damagedError());
      return open.writes.enqueue(() => work(open.repos)).catch((err: unknown) => {
        throw classify(err);
      });
    },
    transaction(work) {
      const open = requireOpen();
      if (damage) throw damagedError();
      try {
        return open.db.transaction(() => work(open.repos)).immediate();
      } catch (err) {
        throw classify(err);
      }
    },
    get damage() {
      return damage;
    },
    onDamage(listener) {
      damageListeners.add(listener);
      return () => damageListeners.delete(listener);
    },
    async quickCheck() {
      const started = performance.now();
      const checked = requireOpen().db;
      const problems: string[] = [];
      const result = (): QuickCheckResult => ({ ok: problems.length === 0, problems, ms: Math.round(performance.now() - started) });
      try {
        // Real b-trees only: a virtual table (full-text search) is checked through its shadow tables.
        const tables = checked
          .prepare("SELECT name FROM pragma_table_list WHERE schema = 'main' AND type IN ('table', 'shadow') ORDER BY name = 'sqlite_schema' DESC, name")
          .pluck()
          .all() as string[];
        for (const table of tables) {
          await new Promise((resolve) => setImmediate(resolve));
          if (db !== checked) return result();
          problems.push(...checkProblems(checked, `quick_check("${table.replaceAll('"', '""')}")`));
          if (problems.length > 0) break;
        }
      } catch (err) {
        if (db !== checked) return result();
        if (!isCorruption(err)) throw err;
        problems.push(`${(err as Error).message} (${(err as { code: string }).code})`);
      }
      const outcome = result();
      if (outcome.ok) log.info({ file, ms: outcome.ms }, 'database quick check: ok');
      else {
        const more = problems.length > 1 ? ` (and ${problems.length - 1} more problem${problems.length > 2 ? 's' : ''})` : '';
        markDamaged(`quick check: ${problems[0]}${more}`, 'quick_check');
      }
      return outcome;
    },
    figures() {
      const open = requireOpen();
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
    },
  };
}
