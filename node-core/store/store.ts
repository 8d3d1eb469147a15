import fs from 'node:fs';
import path from 'node:path';
import type { Database } from 'better-sqlite3';
import type { Logger } from 'pino';
import type { StoreFigures } from '../api/contract.ts';
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
import { createOutboxRepository, type OutboxRepository } from './repositories/outbox.ts';
import { createPrekeyRepository, type PrekeyRepository } from './repositories/prekeys.ts';
import { createReplayWindowRepository, type ReplayWindowRepository } from './repositories/replay-window.ts';
import { createSessionRepository, type SessionRepository } from './repositories/sessions.ts';
import { createSettingsRepository, type SettingsRepository } from './repositories/settings.ts';
import { createWriteQueue, type WriteQueue } from './write-queue.ts';

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
      repos = {
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
      };
      writes = createWriteQueue(opened);
      log.debug({ file }, 'store open');
      return migrated;
    },
    stop() {
      if (!db) return;
      writes?.flush();
      try {
        db.pragma('optimize');
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
      return open.writes.enqueue(() => work(open.repos));
    },
    transaction(work) {
      const open = requireOpen();
      return open.db.transaction(() => work(open.repos)).immediate();
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
