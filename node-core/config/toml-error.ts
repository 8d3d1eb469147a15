import type { TomlError } from 'smol-toml';

/** Longest stretch of the offending line shown; a longer line is cut around the column. */
const SHOWN_WIDTH = 100;

/**
 * A TOML syntax error as an operator needs it: the file, line and column, the line itself and a
 * caret under the column, e.g.
 *
 *   config file /etc/dchat/config.toml: invalid TOML at line 2, column 12: invalid value
 *     2 | api_port = = 3
 *       |            ^
 *
 * smol-toml has a code block of its own, but it puts the caret in the wrong place after a tab and
 * shows neighbouring lines too; the caret line here repeats the line's tabs so it lands right.
 */
export function describeTomlError(file: string, text: string, err: TomlError): string {
  const reason = err.message.split('\n')[0]!.replace(/^Invalid TOML document:\s*/, '');
  const head = `config file ${file}: invalid TOML at line ${err.line}, column ${err.column}: ${reason}`;
  const line = text.split(/\r?\n/)[err.line - 1];
  if (line === undefined) return head;

  // Keep the column in view on a long line.
  const index = Math.max(0, err.column - 1);
  const start = line.length > SHOWN_WIDTH ? Math.max(0, Math.min(index - SHOWN_WIDTH / 2, line.length - SHOWN_WIDTH)) : 0;
  const shown = `${start > 0 ? '…' : ''}${line.slice(start, start + SHOWN_WIDTH)}${start + SHOWN_WIDTH < line.length ? '…' : ''}`;
  const before = `${start > 0 ? ' ' : ''}${line.slice(start, index)}`.replace(/[^\t]/g, ' ');

  const number = String(err.line);
  const gutter = ' '.repeat(number.length);
  return `${head}\n  ${number} | ${shown}\n  ${gutter} | ${before}^`;
}
