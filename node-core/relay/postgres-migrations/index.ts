import type { PostgresMigration } from '../../store/postgres-pool.ts';
import m0001 from './0001-mailbox.ts';
import m0002 from './0002-cluster.ts';
import m0003 from './0003-deposit-function.ts';

/** The relay's PostgreSQL schema, in order (tracked in schema_version under component "relay"). */
export const RELAY_POSTGRES_MIGRATIONS: readonly PostgresMigration[] = [m0001, m0002, m0003];
