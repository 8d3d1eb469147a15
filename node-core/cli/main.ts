import { ConfigError, loadConfig } from '../config/load.ts';
import { createNode, initDataDir } from '../node.ts';
import { createLogger } from '../observability/logger.ts';
import { VERSION } from '../version.ts';
import { HELP, parseCli, UsageError } from './args.ts';

export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

const processIo: CliIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

const SHUTDOWN_DEADLINE_MS = 30_000;

/** Errors whose message is the whole story for an operator: no stack trace needed. */
const OPERATOR_ERRORS = new Set(['ListenError', 'DataDirLockedError', 'DatabaseTooNewError']);

function describeStartupError(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  if (OPERATOR_ERRORS.has(e.name)) return e.message;
  if (e.code === 'EACCES' || e.code === 'EPERM') return `permission denied: ${e.path ?? e.message}`;
  if (e.code === 'ENOSPC') return `no space left on the device holding ${e.path ?? 'the data directory'}`;
  if (e.code === 'EROFS') return `read-only file system: ${e.path ?? e.message}`;
  if (e.code === 'SQLITE_NOTADB' || e.code === 'SQLITE_CORRUPT') return `the database file is not a dchat database or is damaged: ${e.message}`;
  return e.stack ?? String(err);
}

/** Runs the dchat command; resolves with the process exit code. */
export async function main(argv: readonly string[], env: NodeJS.ProcessEnv = process.env, io: CliIo = processIo): Promise<number> {
  let args;
  try {
    args = parseCli(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    io.stderr(`dchat: ${err.message}\nRun "dchat --help" for usage.\n`);
    return 2;
  }
  if (args.help) {
    io.stdout(HELP);
    return 0;
  }
  if (args.version) {
    io.stdout(`dchat ${VERSION}\n`);
    return 0;
  }

  let loaded;
  try {
    loaded = loadConfig({ configPath: args.config, env, flags: args.overrides });
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    io.stderr(`dchat: ${err.message}\n`);
    return 2;
  }

  const { logger, flush, reopen } = createLogger(loaded.config.logging, VERSION);
  for (const warning of loaded.warnings) logger.warn(warning);
  if (loaded.config.database.url) {
    logger.warn(`database.url is set, but this version keeps its state in SQLite at ${loaded.dataDir}/dchat.db`);
  }

  if (args.initDb) {
    try {
      const result = initDataDir(loaded.dataDir, logger);
      const what = result.from === 0 ? 'created' : result.from === result.to ? 'already up to date' : `upgraded from version ${result.from}`;
      logger.info({ file: result.databaseFile, schema_version: result.to }, `database ${what}`);
      io.stdout(`dchat: ${result.databaseFile}: ${what} (schema version ${result.to}); api token in ${loaded.dataDir}/api-token\n`);
      flush();
      return 0;
    } catch (err) {
      io.stderr(`dchat: cannot initialize ${loaded.dataDir}: ${describeStartupError(err)}\n`);
      logger.fatal({ err }, 'init-db failed');
      flush();
      return 1;
    }
  }

  const node = createNode({ loaded, logger, version: VERSION });
  try {
    await node.start();
  } catch (err) {
    io.stderr(`dchat: cannot start: ${describeStartupError(err)}\n`);
    logger.fatal({ err }, 'startup failed');
    flush();
    return 1;
  }

  const config = loaded.config;
  if (!['127.0.0.1', '::1', 'localhost'].includes(config.server.host) && !config.security.tls_enabled) {
    logger.warn(`the API listens on ${config.server.host} without TLS: put it behind a TLS proxy or set security.tls_enabled`);
  }
  logger.info(
    {
      api: node.apiUrl,
      metrics: node.metricsUrl ?? `${node.apiUrl}/metrics`,
      data_dir: node.dataDir,
      api_token_file: `${node.dataDir}/api-token`,
      role: config.node.role,
      network: config.node.network,
      peer_id: node.p2p?.peerId ?? null,
      p2p_addresses: node.p2p?.addresses ?? [],
    },
    `dchat ${VERSION} ready on ${node.apiUrl}`,
  );
  // The web UI signs in with this link once (the token then leaves the address bar).
  logger.info({ url: `${node.apiUrl}/?token=${node.apiToken}` }, 'open the web UI with this link');

  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    const onSignal = (sig: NodeJS.Signals) => resolve(sig);
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
    process.on('SIGHUP', () => {
      reopen();
      logger.info('log file reopened (SIGHUP)');
    });
  });

  logger.info({ signal }, 'shutting down: finishing in-flight requests');
  const deadline = setTimeout(() => {
    logger.fatal(`shutdown took longer than ${SHUTDOWN_DEADLINE_MS / 1000} s; exiting anyway`);
    flush();
    process.exit(1);
  }, SHUTDOWN_DEADLINE_MS);
  deadline.unref();
  // A second signal means "now": committed writes are already durable, so this loses nothing acknowledged.
  process.once(signal, () => {
    logger.warn({ signal }, 'second signal: exiting immediately');
    flush();
    process.exit(1);
  });
  await node.stop();
  clearTimeout(deadline);
  flush();
  return 0;
}
