import { app } from 'electron';
import type { Logger } from 'pino';
import { parseCli, pickDchatArgs, UsageError } from '../node-core/cli/args.ts';
import { describeStartupError } from '../node-core/cli/startup.ts';
import { ConfigError, loadConfig, type LoadedConfig } from '../node-core/config/load.ts';
import type { DchatNode } from '../node-core/node.ts';

/** The first dchat:// link among the arguments (the OS passes the link the app was opened with). */
export const deepLinkOf = (args: readonly string[]): string | undefined => args.find((a) => a.startsWith('dchat://'));

export interface Startup {
  readonly loaded: LoadedConfig;
  /** The node with its HTTP API and no window, exactly like the CLI. */
  readonly headless: boolean;
  readonly deepLink: string | undefined;
}

/**
 * The same flags as the dchat command (--data-dir, --api-port, --config, ...). A wrong flag or
 * config value exits with status 2 and the reason, as the CLI does; undefined then.
 */
export function readStartup(argv: readonly string[]): Startup | undefined {
  try {
    const args = parseCli(pickDchatArgs(argv));
    const loaded = loadConfig({ env: process.env, configPath: args.config, flags: args.overrides });
    return { loaded, headless: argv.includes('--headless'), deepLink: deepLinkOf(argv) };
  } catch (err) {
    if (err instanceof ConfigError || err instanceof UsageError) {
      process.stderr.write(`dchat: ${err.message}\n`);
      app.exit(2);
      return undefined;
    }
    throw err;
  }
}

/** Starts the node; a failure is told on stderr and in the log, and exits with status 1. */
export async function startNode(node: DchatNode, logger: Logger, flush: () => void): Promise<boolean> {
  try {
    await node.start();
    return true;
  } catch (err) {
    process.stderr.write(`dchat: cannot start: ${describeStartupError(err)}\n`);
    logger.fatal({ err }, 'startup failed');
    flush();
    app.exit(1);
    return false;
  }
}
