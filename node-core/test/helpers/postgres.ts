import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';

/**
 * A throwaway PostgreSQL server for tests: Debian's binaries, initdb and pg_ctl on a temporary
 * directory and a free port on 127.0.0.1, trust authentication, one database per caller. As
 * root (CI containers) the server runs as the `postgres` user, since PostgreSQL refuses root.
 * Where the binaries are missing the tests skip and say why, except under CI, which installs
 * them (.ci/run): there a missing server is a failure.
 */
export interface TestPostgres {
  readonly host: string;
  readonly port: number;
  /** The server's data directory (postmaster.pid names its main process). */
  readonly dataDir: string;
  /** Creates a fresh database and resolves to its postgres:// URL. */
  createDatabase(name?: string): Promise<string>;
  /** Stops the server (fast shutdown: clients are disconnected) and starts it again on the same port. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export type PostgresOrSkip = { readonly server: TestPostgres; readonly skip?: undefined } | { readonly server?: undefined; readonly skip: string };

/** The newest installed server's bin directory (PG_BIN overrides), or undefined. */
function findBinDir(): string | undefined {
  if (process.env.PG_BIN) return process.env.PG_BIN;
  const root = '/usr/lib/postgresql';
  if (!fs.existsSync(root)) return undefined;
  const versions = fs
    .readdirSync(root)
    .filter((v) => fs.existsSync(path.join(root, v, 'bin', 'pg_ctl')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] ? path.join(root, versions[0], 'bin') : undefined;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

let counter = 0;

/** Starts a server, or says why it cannot (a failure under CI). */
export async function startTestPostgres(): Promise<PostgresOrSkip> {
  const bin = findBinDir();
  if (!bin) {
    const why = 'PostgreSQL is not installed (apt-get install postgresql), so the PostgreSQL store tests cannot run here';
    if (process.env.CI) throw new Error(`${why}; CI installs it (.ci/run) and must run them`);
    console.log(`# skipping: ${why}`);
    return { skip: why };
  }
  const asRoot = process.getuid?.() === 0;
  const run = (tool: string, args: string[]) => {
    const command = asRoot ? ['runuser', ['-u', 'postgres', '--', path.join(bin, tool), ...args]] as const : [path.join(bin, tool), args] as const;
    return execFileSync(command[0], command[1], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dchat-pg-'));
  const data = path.join(dir, 'data');
  if (asRoot) execFileSync('chown', ['-R', 'postgres:postgres', dir]);
  run('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync', '--no-instructions']);
  const host = '127.0.0.1';
  const port = await freePort();
  // Small, fast settings for a test server; fsync stays on, as in production.
  const options = `-c listen_addresses=${host} -p ${port} -k ${dir} -c max_connections=100 -c shared_buffers=32MB`;
  const start = () => run('pg_ctl', ['-D', data, '-o', options, '-l', path.join(dir, 'server.log'), '-w', '-t', '30', 'start']);
  start();

  let stopped = false;
  const server: TestPostgres = {
    host,
    port,
    dataDir: data,
    async createDatabase(name = `dchat_test_${process.pid}_${++counter}`) {
      const client = new pg.Client({ host, port, user: 'postgres', database: 'postgres' });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${name}`);
      } finally {
        await client.end();
      }
      return `postgres://postgres@${host}:${port}/${name}`;
    },
    async restart() {
      run('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']);
      start();
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      try {
        run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  };
  return { server };
}
