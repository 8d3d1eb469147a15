import { prettyFactory } from 'pino-pretty';

/**
 * The log as a person at a terminal reads it: the time, the level, `[component]` and the message
 * on one short line, each field on its own line below it; the values someone starting a node
 * came to find (where the API token is, the link that signs the web UI in) stand out.
 * Machines (journald, files, pipes) get pino's JSON lines instead: see logger.ts.
 */

/** Fields that matter to whoever reads JSON (collectors, `jq`), not to a person: not shown. */
const NOT_SHOWN = ['pid', 'hostname', 'service', 'version', 'component'];

/** Fields whose value is what a person came to the terminal for. */
export const STAND_OUT_FIELDS = ['api_token_file', 'web_ui'] as const;

/** Turns one JSON log line (as pino writes it) into the lines shown on a terminal. */
export type Prettify = (jsonLine: string) => string;

export function createPrettify(options: { readonly colorize: boolean }): Prettify {
  const standOut = (value: unknown, _key: string, _log: object, { colors }: { colors: Colors }) => colors.bold(colors.yellow(String(value)));
  return prettyFactory({
    colorize: options.colorize,
    translateTime: 'SYS:HH:MM:ss',
    ignore: NOT_SHOWN.join(','),
    messageFormat: (log, messageKey, _levelLabel, { colors }) => {
      const component = typeof log.component === 'string' ? colors.gray(`[${log.component}] `) : '';
      return `${component}${String(log[messageKey] ?? '')}`;
    },
    customPrettifiers: Object.fromEntries(STAND_OUT_FIELDS.map((field) => [field, standOut])),
  }) as Prettify;
}

type Colors = { bold(text: string): string; yellow(text: string): string; gray(text: string): string };
