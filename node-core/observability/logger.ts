import pino, { type Logger } from 'pino';
import type { DchatConfig } from '../config/schema.ts';

export interface NodeLogger {
  readonly logger: Logger;
  /** Reopens the log file after logrotate moved it (wired to SIGHUP). */
  reopen(): void;
  /** Writes out buffered lines; call before exiting. */
  flush(): void;
}

export function createLogger(config: DchatConfig['logging'], version: string): NodeLogger {
  const destination =
    config.output === 'file'
      ? pino.destination({ dest: config.file_path!, mkdir: true, sync: false })
      : pino.destination({ dest: config.output === 'stderr' ? 2 : 1, sync: false });
  const logger = pino(
    {
      level: config.level,
      base: { service: 'dchat', version, pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
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
  };
}
