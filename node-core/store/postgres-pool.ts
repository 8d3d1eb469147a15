import type { Logger } from 'pino';
import pg from 'pg';
import type { Telemetry } from '../runtime/telemetry.ts';
import { DatabaseTooNewError } from './migrator.ts';

/**
 * A pooled connection to the PostgreSQL server named by `database.url`, for the server-side
 * state several replicas share (a relay's mailbox). Pooled per the deployment guide's keys;
 * statements run as named prepared statements (parsed once per connection); every query is
 * timed; the pool's occupancy is exported for the guide's `database_connections_active` alert.
 */

export interface PostgresPoolOptions {
  readonly url: string;
  readonly maxConnections: number;
  /** How many distinct statements are prepared once per connection; the rest are parsed each time. */
  readonly statementCacheSize: number;
  readonly connectionTimeoutSecs: number;
  readonly idleTimeoutSecs: number;
  readonly telemetry: Telemetry;
  readonly logger: Logger;
}

/** One statement of a store: `op` names it in the metrics and, when cached, on the connection. */
export interface Statement {
  readonly op: string;
  readonly text: string;
}

export interface Queryable {
  query<R extends pg.QueryResultRow>(statement: Statement, values?: readonly unknown[]): Promise<R[]>;
}

export interface PostgresPool extends Queryable {
  /** Checks the server is reachable and brings the schema up to date; a clear error otherwise. */
  start(migrations: readonly PostgresMigration[], component: string): Promise<void>;
  stop(): Promise<void>;
  /** Runs `work` in one transaction (retried from the start on a deadlock or serialization failure). */
  transaction<T>(op: string, work: (tx: Queryable) => Promise<T>): Promise<T>;
  /**
   * Listens on a notification channel over a connection of its own (outside the pool), opened
   * again with backoff whenever it drops (a server restart). `resumed` is called each time the
   * listener is (re)connected: notifications sent while it was away are lost, so the caller
   * catches up by reading. Stopped with the pool.
   */
  listen(channel: string, notified: (payload: string) => void, resumed: () => void): void;
  /** Where the server is, without credentials (for messages). */
  readonly where: string;
}

export interface PostgresMigration {
  readonly version: number;
  readonly name: string;
  readonly up: string;
}

/** PostgreSQL could not be reached (or refused us) when the node started. */
export class DatabaseUnreachableError extends Error {
  override readonly name = 'DatabaseUnreachableError';
  constructor(where: string, reason: string) {
    super(`cannot reach the PostgreSQL server at ${where} named by database.url: ${reason}`);
  }
}

/** host:port/database of a postgres:// URL, never its password. */
export function describeDatabaseUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname || 'localhost'}:${u.port || '5432'}${u.pathname && u.pathname !== '/' ? u.pathname : ''}`;
  } catch {
    return '(an unparsable URL)';
  }
}

const INT8 = 20;
const NUMERIC = 1700;
/** BIGINT and sums come back as numbers: the stores keep counts and millisecond times, far below 2^53. */
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8 || oid === NUMERIC ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
};

const RETRYABLE = new Set(['40001', '40P01']);
const RETRIES = 5;
const LISTEN_RETRY_MS = [100, 250, 500, 1000, 2000, 5000];
/** Serialises migrations across replicas starting at once (any constant; "dchat" in ASCII). */
const MIGRATION_LOCK = 0x6463686174;

function reasonOf(err: unknown): string {
  const e = err as NodeJS.ErrnoException & { errors?: Error[] };
  // A host name resolving to several addresses fails with an AggregateError of each attempt.
  const inner = e.errors?.[0] as NodeJS.ErrnoException | undefined;
  const code = e.code ?? inner?.code;
  if (code === 'ECONNREFUSED') return 'connection refused (is PostgreSQL running and listening there?)';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'the host name does not resolve';
  if (code === 'ETIMEDOUT' || /timeout/i.test(e.message)) return 'no answer within database.connection_timeout_secs';
  return e.message || inner?.message || String(err);
}

export function createPostgresPool(options: PostgresPoolOptions): PostgresPool {
  const log = options.logger.child({ component: 'postgres' });
  const where = describeDatabaseUrl(options.url);
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.maxConnections,
    connectionTimeoutMillis: options.connectionTimeoutSecs * 1000,
    idleTimeoutMillis: options.idleTimeoutSecs * 1000,
    application_name: 'dchat',
    types,
  });
  // An idle connection that dies (a server restart) is dropped from the pool and replaced on the
  // next query; without a listener the error would end the process.
  pool.on('error', (err) => log.warn({ err: reasonOf(err) }, 'an idle PostgreSQL connection failed; the pool replaces it'));

  const t = options.telemetry;
  t.gauge({ name: 'database_connections_active', help: 'PostgreSQL connections in use (open minus idle)', read: () => pool.totalCount - pool.idleCount });
  t.gauge({ name: 'database_connections_open', help: 'PostgreSQL connections open in the pool', read: () => pool.totalCount });
  t.gauge({ name: 'database_pool_waiting', help: 'Queries waiting for a free PostgreSQL connection', read: () => pool.waitingCount });
  const waits = t.counter({ name: 'database_pool_waits_total', help: 'Times a query had to wait for a free PostgreSQL connection' });
  const latency = t.histogram<'op'>({
    name: 'database_query_duration_seconds',
    help: 'PostgreSQL query and transaction latency, by operation',
    labels: ['op'],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
  });

  // Named statements are prepared on each connection the first time it runs them.
  const names = new Map<string, string | undefined>();
  const nameOf = (s: Statement): string | undefined => {
    if (!names.has(s.text)) names.set(s.text, names.size < options.statementCacheSize ? `dchat_${names.size}_${s.op}` : undefined);
    return names.get(s.text);
  };
  const run = async <R extends pg.QueryResultRow>(client: pg.Pool | pg.PoolClient, s: Statement, values?: readonly unknown[]): Promise<R[]> => {
    const result = await client.query<R>({ name: nameOf(s), text: s.text, values: values as unknown[] | undefined });
    return result.rows;
  };
  // A statement on its own is its own transaction: one that lost a deadlock was undone entirely
  // and is run again, as a transaction would be.
  const runAlone = async <R extends pg.QueryResultRow>(s: Statement, values?: readonly unknown[]): Promise<R[]> => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await run<R>(pool, s, values);
      } catch (err) {
        if (attempt < RETRIES && RETRYABLE.has((err as { code?: string }).code ?? '')) continue;
        throw err;
      }
    }
  };

  const listeners = { connected: 0, stopped: false, clients: new Set<pg.Client>(), timers: new Set<NodeJS.Timeout>() };
  t.gauge({ name: 'database_listeners_connected', help: 'PostgreSQL notification listeners (relay cluster pushes) connected', read: () => listeners.connected });
  function listen(channel: string, notified: (payload: string) => void, resumed: () => void, failures = 0): void {
    if (listeners.stopped) return;
    if (!/^[a-z_][a-z0-9_]*$/.test(channel)) throw new Error(`not a channel name: ${channel}`);
    const client = new pg.Client({ connectionString: options.url, connectionTimeoutMillis: options.connectionTimeoutSecs * 1000, application_name: 'dchat-listen', types });
    listeners.clients.add(client);
    let up = false;
    let retried = false;
    const again = (err?: Error) => {
      if (retried) return;
      retried = true;
      listeners.clients.delete(client);
      if (up) listeners.connected--;
      if (listeners.stopped) return;
      client.end().catch(() => undefined);
      const delay = LISTEN_RETRY_MS[Math.min(failures, LISTEN_RETRY_MS.length - 1)]!;
      log.warn({ err: err ? reasonOf(err) : 'connection closed', retry_ms: delay }, 'the PostgreSQL notification listener lost its connection; reconnecting');
      const timer = setTimeout(() => {
        listeners.timers.delete(timer);
        listen(channel, notified, resumed, up ? 0 : failures + 1);
      }, delay);
      listeners.timers.add(timer);
    };
    client.on('notification', (message) => {
      if (message.channel === channel && message.payload !== undefined) notified(message.payload);
    });
    client.on('error', again);
    client.on('end', () => again());
    client
      .connect()
      .then(() => client.query(`LISTEN ${channel}`))
      .then(() => {
        if (retried) return;
        up = true;
        listeners.connected++;
        resumed();
      })
      .catch(again);
  }
  const timed = async <T>(op: string, work: () => Promise<T>): Promise<T> => {
    const started = performance.now();
    try {
      return await work();
    } finally {
      latency.observe((performance.now() - started) / 1000, { op });
    }
  };
  /** Counts a wait when every connection is busy and the pool is full. */
  const noteWait = () => {
    if (pool.idleCount === 0 && pool.totalCount >= options.maxConnections) waits.inc();
  };

  async function migrate(migrations: readonly PostgresMigration[], component: string): Promise<void> {
    migrations.forEach((m, i) => {
      if (m.version !== i + 1) throw new Error(`${component} PostgreSQL migrations are out of order at ${m.name} (version ${m.version})`);
    });
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      // Replicas starting together queue here; each then sees what the first applied.
      await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
      await client.query(`CREATE TABLE IF NOT EXISTS schema_version (
        component TEXT NOT NULL, version INTEGER NOT NULL, name TEXT NOT NULL,
        applied_at TIMESTAMPTZ NOT NULL DEFAULT now(), PRIMARY KEY (component, version))`);
      const { rows } = await client.query<{ v: number }>('SELECT coalesce(max(version), 0)::int AS v FROM schema_version WHERE component = $1', [component]);
      const from = rows[0]!.v;
      if (from > migrations.length) throw new DatabaseTooNewError(`the ${component} schema in PostgreSQL at ${where} (database.url)`, from, migrations.length);
      for (const m of migrations.slice(from)) {
        await client.query(m.up);
        await client.query('INSERT INTO schema_version (component, version, name) VALUES ($1, $2, $3)', [component, m.version, m.name]);
      }
      await client.query('COMMIT');
      if (from < migrations.length) log.info({ component, from, to: migrations.length }, 'PostgreSQL schema migrated');
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  return {
    where,
    async start(migrations, component) {
      try {
        const client = await pool.connect();
        client.release();
      } catch (err) {
        await pool.end().catch(() => undefined);
        throw new DatabaseUnreachableError(where, reasonOf(err));
      }
      await migrate(migrations, component);
      log.info({ where, max_connections: options.maxConnections }, 'using PostgreSQL');
    },
    async stop() {
      listeners.stopped = true;
      for (const timer of listeners.timers) clearTimeout(timer);
      listeners.timers.clear();
      await Promise.all([...listeners.clients].map((c) => c.end().catch(() => undefined)));
      listeners.clients.clear();
      listeners.connected = 0;
      await pool.end();
    },
    listen: (channel, notified, resumed) => listen(channel, notified, resumed),
    query: (s, values) =>
      timed(s.op, () => {
        noteWait();
        return runAlone(s, values);
      }),
    async transaction(op, work) {
      return timed(op, async () => {
        for (let attempt = 1; ; attempt++) {
          noteWait();
          const client = await pool.connect();
          // A connection that failed mid-transaction is closed, not handed to the next query.
          let broken: Error | undefined;
          try {
            await client.query('BEGIN');
          } catch (err) {
            // Nothing was done yet: a connection that died in the pool (a server restart) is
            // dropped and the transaction starts again on another.
            client.release(err as Error);
            if (attempt < RETRIES) continue;
            throw err;
          }
          try {
            const result = await work({ query: (s, values) => run(client, s, values) });
            await client.query('COMMIT');
            return result;
          } catch (err) {
            await client.query('ROLLBACK').catch((e: Error) => (broken = e));
            if (attempt < RETRIES && RETRYABLE.has((err as { code?: string }).code ?? '')) continue;
            throw err;
          } finally {
            client.release(broken);
          }
        }
      });
    },
  };
}
