import type { Database } from 'better-sqlite3';
import { guardRepository } from './damage.ts';

/**
 * A repository a component brings with it (the relay its mailbox, say) instead of the store
 * listing it: a name, and how to open it over the database. Its tables come from the store's
 * numbered migrations, since one file has one schema version.
 */
export interface RepositoryDefinition<T extends object> {
  readonly name: string;
  open(db: Database): T;
}

interface Registration {
  readonly definition: RepositoryDefinition<object>;
  current: object | undefined;
}

export interface RegisteredRepositories {
  /** Adds one; opened at once when the database is open. Returns what reads the open one. */
  register<T extends object>(definition: RepositoryDefinition<T>, db: Database | undefined): () => T;
  /** Opens every registered repository over a database just opened. */
  openAll(db: Database): void;
  /** Forgets the open repositories when the database closes. */
  closeAll(): void;
}

export function createRegisteredRepositories(onError: (err: unknown) => unknown): RegisteredRepositories {
  const registrations = new Map<string, Registration>();
  const open = (registration: Registration, db: Database) => {
    registration.current = guardRepository(registration.definition.open(db), onError);
  };
  return {
    register<T extends object>(definition: RepositoryDefinition<T>, db: Database | undefined): () => T {
      // The same definition again (a component built again over the same store) shares the first.
      const earlier = registrations.get(definition.name);
      if (earlier && earlier.definition !== definition) throw new Error(`two repositories are named ${definition.name}`);
      const registration: Registration = earlier ?? { definition, current: undefined };
      if (!earlier) {
        registrations.set(definition.name, registration);
        if (db) open(registration, db);
      }
      return () => {
        if (!registration.current) throw new Error('the store is not open');
        return registration.current as T;
      };
    },
    openAll(db) {
      for (const registration of registrations.values()) open(registration, db);
    },
    closeAll() {
      for (const registration of registrations.values()) registration.current = undefined;
    },
  };
}
