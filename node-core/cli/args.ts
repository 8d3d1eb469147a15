import { parseArgs } from 'node:util';
import type { FlagOverride } from '../config/load.ts';

/** Bad command-line usage; the CLI prints it and exits with code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** What to do: run the node (the default), or check a data directory's database and exit. */
export type CliCommand = 'run' | 'check';

export interface CliArgs {
  readonly command: CliCommand;
  readonly help: boolean;
  readonly version: boolean;
  readonly initDb: boolean;
  readonly headless: boolean;
  readonly config: string | undefined;
  readonly overrides: readonly FlagOverride[];
}

/** Flags that set a config key, and which key (so errors name both). */
const KEY_FLAGS = {
  'data-dir': { key: 'node.data_dir', type: 'string' },
  'api-host': { key: 'server.host', type: 'string' },
  'api-port': { key: 'server.api_port', type: 'int' },
  'metrics-port': { key: 'server.metrics_port', type: 'int' },
  'p2p-port': { key: 'server.p2p_port', type: 'int' },
  'p2p-ws-port': { key: 'server.p2p_ws_port', type: 'int' },
  'log-level': { key: 'logging.level', type: 'string' },
  'log-format': { key: 'logging.format', type: 'string' },
  role: { key: 'node.role', type: 'string' },
} as const satisfies Record<string, Pick<FlagOverride, 'key' | 'type'>>;

export const HELP = `Usage: dchat [options]
       dchat check [--data-dir DIR] [--config FILE]
       dchat devnet init --dir DIR [--validators N] [--full-nodes M]   (dchat devnet --help)
       dchat devnet up --dir DIR

Runs a dchat full node: the local store, identities, messaging and the HTTP/WebSocket API.
On a server it runs headless (as here); the desktop app runs the same node behind its window.

Commands:
  check                 Check the data directory without starting a node: a full SQLite
                        integrity check and foreign key check of dchat.db (read-only, safe beside
                        a running node), and whether node-secret belongs to it.
                        Exit status 0 clean, 1 damaged or not matching, 2 bad usage or no database

Options:
  --headless            Run without a window (always the case for this command)
  --init-db             Create or upgrade the database and the node's secrets, then exit
  --config FILE         Read settings from FILE (default: $DCHAT_CONFIG, else <data dir>/config.toml)
  --data-dir DIR        Keep dchat.db, api-token and keys in DIR
                        (default: $XDG_DATA_HOME/dchat, i.e. ~/.local/share/dchat)
  --api-host HOST       Address the API listens on (default 127.0.0.1)
  --api-port PORT       Port of the API (default 8080; 0 picks a free port)
  --metrics-port PORT   Also serve /health, /ready and /metrics on PORT (default: API port only)
  --p2p-port PORT       libp2p TCP port (default 30333; 0 picks a free port)
  --p2p-ws-port PORT    libp2p WebSocket port (default 30334; 0 picks a free port)
  --log-level LEVEL     trace, debug, info, warn, error, fatal or silent (default info)
  --log-format FORMAT   pretty (lines for a person), json (pino's JSON lines) or auto:
                        pretty on a terminal, json otherwise (the default)
  --role ROLE           user; relay to hold mail for offline peers; validator to sign the
                        chains' blocks (the key must be in the genesis; default user)
  -v, --version         Print the version and exit
  -h, --help            Print this help and exit

Settings apply in this order, later winning: defaults, config file, DCHAT_* environment, flags.
Exit status: 0 success, 1 runtime failure (port in use, data directory locked, ...),
2 bad usage or bad configuration, 3 the data directory needs an operator (node-secret missing
or not the one dchat.db was sealed under, dchat.db damaged): see the message, run "dchat check".
`;

export function parseCli(argv: readonly string[]): CliArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: true,
      options: {
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
        'init-db': { type: 'boolean' },
        headless: { type: 'boolean' },
        config: { type: 'string' },
        ...Object.fromEntries(Object.keys(KEY_FLAGS).map((flag) => [flag, { type: 'string' as const }])),
      },
    });
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS')) {
      throw new UsageError((err as Error).message.split('\n')[0]!.replace(/\. To specify.*$/, ''));
    }
    throw err;
  }
  const values = parsed.values as Record<string, string | boolean | undefined>;
  const [command, ...extra] = parsed.positionals;
  if (command !== undefined && command !== 'check') throw new UsageError(`unknown command "${command}" (the commands are "check" and "devnet")`);
  if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`);
  const overrides: FlagOverride[] = [];
  for (const [flag, binding] of Object.entries(KEY_FLAGS)) {
    const value = values[flag];
    if (typeof value === 'string') {
      if (value === '') throw new UsageError(`--${flag} needs a value`);
      overrides.push({ flag: `--${flag}`, key: binding.key, value, type: binding.type });
    }
  }
  if (values.config === '') throw new UsageError('--config needs a file name');
  if (command === 'check' && values['init-db'] === true) throw new UsageError('check and --init-db do not go together');
  return {
    command: command ?? 'run',
    help: values.help === true,
    version: values.version === true,
    initDb: values['init-db'] === true,
    headless: values.headless === true,
    config: values.config as string | undefined,
    overrides,
  };
}

/**
 * The dchat flags within a longer command line: Electron's also holds Chromium switches, the app
 * path and dchat:// links, which are not ours to judge. Unknown tokens are left out; the flags
 * then go through parseCli like the CLI's.
 */
export function pickDchatArgs(argv: readonly string[]): string[] {
  const withValue = new Set<string>(['config', ...Object.keys(KEY_FLAGS)]);
  const bare = new Set(['headless', 'init-db', 'help', 'version']);
  const picked: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) continue;
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    if (withValue.has(name)) {
      picked.push(arg);
      if (eq < 0 && i + 1 < argv.length) picked.push(argv[++i]!);
    } else if (bare.has(name)) picked.push(arg);
  }
  return picked;
}
