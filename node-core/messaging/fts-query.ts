import { SNIPPET_CLOSE, SNIPPET_OPEN } from '../store/repositories/messages.ts';

/**
 * Turns what a person typed into a safe FTS5 expression: every word becomes a quoted term (so
 * FTS operators and quotes in the input are plain text) and all words must match. With `prefix`,
 * the last word also matches longer words (search as you type); that costs more, since a short
 * prefix can stand for thousands of indexed words. Returns undefined when nothing is searchable.
 */
export function toFtsQuery(text: string, options: { prefix?: boolean } = {}): string | undefined {
  const words = text.normalize('NFKC').match(/[\p{L}\p{N}]+/gu);
  if (!words || words.length === 0) return undefined;
  return words
    .slice(0, 16)
    .map((word, i, all) => `"${word}"${options.prefix && i === all.length - 1 ? '*' : ''}`)
    .join(' ');
}

/** Splits a snippet marked by SQLite into plain text and the [start, end) ranges of the matches. */
export function parseMarkedSnippet(marked: string): { snippet: string; highlights: Array<[number, number]> } {
  let snippet = '';
  const highlights: Array<[number, number]> = [];
  let start = -1;
  for (const ch of marked) {
    if (ch === SNIPPET_OPEN) start = snippet.length;
    else if (ch === SNIPPET_CLOSE) {
      if (start >= 0) highlights.push([start, snippet.length]);
      start = -1;
    } else snippet += ch;
  }
  return { snippet, highlights };
}
