import tty from 'node:tty';
import pino, { type DestinationStream, type Logger } from 'pino';
import type { DchatConfig, LogFormat } from '../config/schema.ts';
import { createPrettify } from './pretty-log.ts';

export interface NodeLogger {
  readonly logger: Logger;
  /** Reopens the log file after logrotate moved it (wired to SIGHUP). */
  reopen(): void;
  /** Writes out buffered lines; call before exiting. */
  flush(): void;
  /** Calls the listener on each failed write (a full disk, a closed pipe); returns an unsubscribe. */
  onError(listener: (err: Error) => void): () => void;
}

export interface LoggerEnvironment {
  /** Whether a file descriptor is a terminal; default: node:tty's isatty. */
  readonly isTerminal?: (fd: number) => boolean;
  /** NO_COLOR (https://no-color.org) turns colours off in the readable format. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/**
 * "auto" is readable lines on a terminal and JSON everywhere else: journald, a log file, a pipe
 * into jq or a collector all read JSON, and a person starting dchat by hand reads the lines.
 */
export function resolveLogFormat(config: DchatConfig['logging'], isTerminal: (fd: number) => boolean = tty.isatty): Exclude<LogFormat, 'auto'> {
  if (config.format !== 'auto') return config.format;
  if (config.output === 'file') return 'json';
  return isTerminal(config.output === 'stderr' ? 2 : 1) ? 'pretty' : 'json';
}

export function createLogger(config: DchatConfig['logging'], version: string, environment: LoggerEnvironment = {}): NodeLogger {
  const isTerminal = environment.isTerminal ?? tty.isatty;
  const fd = config.output === 'stderr' ? 2 : 1;
  const destination =
    config.output === 'file'
      ? pino.destination({ dest: config.file_path!, mkdir: true, sync: false })
      : pino.destination({ dest: fd, sync: false });
  // A failed write (ENOSPC, EPIPE) is an 'error' event: without a listener it would end the
  // process; with one, the line is lost, the node goes on and the failure is counted
  // (observability_errors_total{kind="log_write"}, through onError).
  const errorListeners = new Set<(err: Error) => void>();
  destination.on('error', (err: Error) => {
    for (const listener of errorListeners) listener(err);
  });
  let stream: DestinationStream = destination;
  if (resolveLogFormat(config, isTerminal) === 'pretty') {
    // Colours only where a terminal shows them; "pretty" into a file or pipe stays plain text.
    const colorize = config.output !== 'file' && isTerminal(fd) && !(environment.env ?? process.env).NO_COLOR;
    const prettify = createPrettify({ colorize });
    stream = { write: (line: string) => void destination.write(prettify(line)) };
  }
  const logger = pino(
    {
      level: config.level,
      base: { service: 'dchat', version, pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    stream,
  );
  return {
    logger,
    reopen: () => destination.reopen(),
    flush: () => {
      try {
        destination.flushSync();
      } catch {
        // Nothing buffered, or the destination is already closed.
      }
    },
    onError(listener) {
      errorListeners.add(listener);
      return () => errorListeners.delete(listener);
    },
  };
}
