/**
 * The path of the first string in a value that is not well-formed Unicode (a lone UTF-16
 * surrogate), or undefined. Such text cannot be stored or sent as UTF-8 without being changed,
 * so it is refused at the boundary instead of being replaced silently.
 */
export function illFormedStringPath(value: unknown, depth = 0): string | undefined {
  if (typeof value === 'string') return value.isWellFormed() ? undefined : '';
  if (depth > 32 || typeof value !== 'object' || value === null || ArrayBuffer.isView(value)) return undefined;
  const entries: Array<[string, unknown]> = Array.isArray(value) ? value.map((v, i) => [String(i), v]) : Object.entries(value);
  for (const [key, child] of entries) {
    if (!key.isWellFormed()) return key.toWellFormed();
    const inner = illFormedStringPath(child, depth + 1);
    if (inner !== undefined) return inner === '' ? key : `${key}.${inner}`;
  }
  return undefined;
}

const graphemes = new Intl.Segmenter('en', { granularity: 'grapheme' });
// Emoji_Component holds the joiner, the variation selector, the keycap, skin tones and flag letters.
const EMOJI_PARTS = /^[\p{Extended_Pictographic}\p{Emoji_Component}]+$/u;
const PICTOGRAPH = /\p{Extended_Pictographic}|\p{Regional_Indicator}/u;

/**
 * One emoji: a single grapheme cluster made of pictographs, modifiers, joiners, variation
 * selectors or flag letters, with at least one pictograph or flag letter (so "1" or "#" alone,
 * which are emoji components, are not reactions).
 */
export function isOneEmoji(text: string, maxLength = 32): boolean {
  if (text.length === 0 || text.length > maxLength || !EMOJI_PARTS.test(text) || !PICTOGRAPH.test(text)) return false;
  let count = 0;
  for (const _ of graphemes.segment(text)) if (++count > 1) return false;
  return true;
}
