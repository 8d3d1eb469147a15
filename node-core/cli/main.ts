import type { Logger } from 'pino';
import { ConfigError, loadConfig, type LoadedConfig } from '../config/load.ts';
import { createNode, initDataDir } from '../node.ts';
import { createLogger } from '../observability/logger.ts';
import { VERSION } from '../version.ts';
import { HELP, parseCli, UsageError } from './args.ts';
import { runCheck } from './check.ts';
import { runDevnet } from './devnet.ts';
import { UnsafeQuorumError } from '../chain/genesis.ts';
import { announceReady, describeStartupError, isOperatorError, logConfigWarnings, rootStartupError, startupExitCode } from './startup.ts';

export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

const processIo: CliIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

const SHUTDOWN_DEADLINE_MS = 30_000;

/** An error the operator fixes from its message is logged without a stack; anything else with one. */
const logFields = (err: unknown) => {
  const root = rootStartupError(err) as Error;
  return isOperatorError(err) || startupExitCode(err) !== 1 ? { error: root.name, reason: root.message } : { err };
};

async function devnet(argv: readonly string[], io: CliIo): Promise<number> {
  try {
    return await runDevnet(argv, io);
  } catch (err) {
    const usage = err instanceof UsageError || err instanceof UnsafeQuorumError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
    if (!usage) throw err;
    io.stderr(`dchat devnet: ${(err as Error).message}\n`);
    return 2;
  }
}

/** Runs the dchat command; resolves with the process exit code. */
export async function main(argv: readonly string[], env: NodeJS.ProcessEnv = process.env, io: CliIo = processIo): Promise<number> {
  if (argv[0] === 'devnet') return devnet(argv.slice(1), io);
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

  if (args.command === 'check') return runCheck(loaded.dataDir, io);

  const { logger, flush, reopen, onError } = createLogger(loaded.config.logging, VERSION);
  logConfigWarnings(loaded, logger);

  if (args.initDb) return initDb(loaded, logger, flush, io);

  const node = createNode({ loaded, logger, version: VERSION, onLogError: onError });
  try {
    await node.start();
  } catch (err) {
    io.stderr(`dchat: cannot start: ${describeStartupError(err)}\n`);
    logger.fatal(logFields(err), 'startup failed');
    flush();
    return startupExitCode(err);
  }

  announceReady(node, loaded.config, logger, VERSION);

  const stopped = await untilSignal(logger, flush, reopen);
  await node.stop();
  stopped();
  flush();
  return 0;
}

/** `dchat --init-db`: create or upgrade the database and the node's secrets, then exit. */
function initDb(loaded: LoadedConfig, logger: Logger, flush: () => void, io: CliIo): number {
  try {
    const result = initDataDir(loaded.dataDir, logger);
    const what = result.from === 0 ? 'created' : result.from === result.to ? 'already up to date' : `upgraded from version ${result.from}`;
    logger.info({ file: result.databaseFile, schema_version: result.to }, `database ${what}`);
    io.stdout(`dchat: ${result.databaseFile}: ${what} (schema version ${result.to}); api token in ${loaded.dataDir}/api-token\n`);
    flush();
    return 0;
  } catch (err) {
    io.stderr(`dchat: cannot initialize ${loaded.dataDir}: ${describeStartupError(err)}\n`);
    logger.fatal(logFields(err), 'init-db failed');
    flush();
    return startupExitCode(err);
  }
}

/**
 * Resolves on SIGTERM or SIGINT (SIGHUP reopens the log file meanwhile); from then on a
 * shutdown that overruns its deadline, or a second signal, exits at once. Resolves to what to
 * call once the node stopped in time.
 */
async function untilSignal(logger: Logger, flush: () => void, reopen: () => void): Promise<() => void> {
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
  return () => clearTimeout(deadline);
}
