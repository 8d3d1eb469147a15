import type { Logger } from 'pino';
import type { LoadedConfig } from '../config/load.ts';
import type { DchatConfig } from '../config/schema.ts';
import type { DchatNode } from '../node.ts';

/**
 * What every way of starting a node says about it: the `dchat` command and the desktop app
 * (windowed or `--headless`) share these, so operators read the same lines from both.
 */

export function logConfigWarnings(loaded: LoadedConfig, logger: Logger): void {
  for (const warning of loaded.warnings) logger.warn(warning);
  if (loaded.config.database.url && !loaded.config.server.p2p_enabled) {
    logger.warn('database.url is set, but server.p2p_enabled = false: no relay runs, so nothing is kept in PostgreSQL');
  }
}

/** Errors whose message is the whole story for an operator: no stack trace needed. */
const OPERATOR_ERRORS = new Set([
  'ListenError',
  'P2pListenError',
  'DataDirLockedError',
  'DatabaseTooNewError',
  'NodeSecretMissingError',
  'NodeSecretMismatchError',
  'DatabaseDamagedError',
  'DatabaseUnreachableError',
]);

/**
 * The error that stopped the start. A component that fails inside the node's lifecycle arrives
 * wrapped ("network-services did not start: ..."); the operator needs what it wrapped.
 */
export function rootStartupError(err: unknown): unknown {
  let e = err;
  while ((e as Error | undefined)?.name === 'ComponentStartError' && (e as Error).cause !== undefined) e = (e as Error).cause;
  return e;
}

/** Whether the error's message is all an operator needs (it is then printed and logged without a stack). */
export const isOperatorError = (err: unknown): boolean => OPERATOR_ERRORS.has((rootStartupError(err) as Error | undefined)?.name ?? '');

/**
 * Errors that no restart cures: the data directory itself needs the operator (a node-secret that
 * does not belong to dchat.db, a damaged dchat.db). The CLI exits with this code for them, so a
 * supervisor can stop restarting (systemd: RestartPreventExitStatus).
 */
export const EXIT_NEEDS_OPERATOR = 3;
const NEEDS_OPERATOR = new Set(['NodeSecretMissingError', 'NodeSecretMismatchError', 'DatabaseDamagedError']);

/** The exit code for a failed start or --init-db: 3 when the data directory needs an operator, else 1. */
export function startupExitCode(err: unknown): number {
  const e = rootStartupError(err) as NodeJS.ErrnoException;
  return NEEDS_OPERATOR.has(e.name) || e.code === 'SQLITE_NOTADB' || e.code?.startsWith('SQLITE_CORRUPT') ? EXIT_NEEDS_OPERATOR : 1;
}

export function describeStartupError(err: unknown): string {
  const e = rootStartupError(err) as NodeJS.ErrnoException;
  if (isOperatorError(e)) return e.message;
  if (e.code === 'EACCES' || e.code === 'EPERM') return `permission denied: ${e.path ?? e.message}`;
  if (e.code === 'ENOSPC') return `no space left on the device holding ${e.path ?? 'the data directory'}`;
  if (e.code === 'EROFS') return `read-only file system: ${e.path ?? e.message}`;
  if (e.code === 'SQLITE_NOTADB' || e.code?.startsWith('SQLITE_CORRUPT')) {
    return `the database file is not a dchat database or is damaged (${e.message}): run "dchat check", then restore dchat.db from a backup together with its node-secret`;
  }
  // Unforeseen: the whole story, the wrapper's "<component> did not start" included.
  return (err as Error | undefined)?.stack ?? String(err);
}

/** The "ready" line with where everything is, a warning for an exposed API without TLS, and the web UI link. */
export function announceReady(node: DchatNode, config: DchatConfig, logger: Logger, version: string): void {
  if (!node.apiUrl) {
    logger.info({ data_dir: node.dataDir, peer_id: node.p2p?.peerId ?? null, p2p_addresses: node.p2p?.addresses ?? [] }, `dchat ${version} ready`);
    return;
  }
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
    `dchat ${version} ready on ${node.apiUrl}`,
  );
  // The web UI signs in with this link once (the token then leaves the address bar). Its field,
  // like api_token_file above, stands out in the terminal's log (observability/pretty-log.ts).
  logger.info({ web_ui: `${node.apiUrl}/?token=${node.apiToken}` }, 'open the web UI with this link');
}
