/**
 * Currency amounts between the node's integers and what people read and type. The node counts
 * in the smallest unit (millionths for decimals = 6); the UI shows and reads decimal numbers in
 * the UI's language. Parsing never goes through floating point, and it refuses what could be
 * misread: a group separator ("1,5" in English is not 15), a second decimal separator, more
 * decimals than the currency has.
 */

export type AmountProblem = 'empty' | 'format' | 'tooManyDecimals' | 'notPositive' | 'tooLarge';
export type ParsedAmount = { readonly ok: true; readonly value: number } | { readonly ok: false; readonly problem: AmountProblem };

/** Arabic-Indic and Extended Arabic-Indic digits, as Intl writes them for Arabic and Persian. */
const NATIVE_DIGITS = /[\u0660-\u0669\u06f0-\u06f9]/g;
const toAsciiDigits = (text: string) => text.replace(NATIVE_DIGITS, (d) => String((d.codePointAt(0)! - 0x0660) % 0x90));
/** Spaces of every kind (a pasted "1 000" or a non-breaking space) carry no meaning here. */
const SPACES = /[\s\u00a0\u202f\u2009]/g;

/** The language's decimal and group separators, as Intl.NumberFormat writes them. */
export function separatorsOf(language: string): { readonly decimal: string; readonly group: string } {
  const parts = new Intl.NumberFormat(language, { useGrouping: true }).formatToParts(12345.5);
  return { decimal: parts.find((p) => p.type === 'decimal')?.value ?? '.', group: parts.find((p) => p.type === 'group')?.value ?? ',' };
}

/**
 * Reads a typed amount in the UI's language: its own decimal separator, or "." where "." is not
 * its group separator (people type it on Latin keyboards); zero is refused unless allowZero.
 */
export function parseAmount(text: string, language: string, decimals: number, options: { allowZero?: boolean } = {}): ParsedAmount {
  const cleaned = toAsciiDigits(text.replace(SPACES, ''));
  if (cleaned === '') return { ok: false, problem: 'empty' };
  const { decimal, group } = separatorsOf(language);
  const accepted = new Set([decimal, '\u066b', ...(group === '.' ? [] : ['.'])]);
  let whole = '';
  let fraction: string | null = null;
  for (const char of cleaned) {
    if (char >= '0' && char <= '9') {
      if (fraction === null) whole += char;
      else fraction += char;
    } else if (accepted.has(char) && fraction === null) fraction = '';
    else return { ok: false, problem: 'format' };
  }
  if (whole === '' && (fraction === null || fraction === '')) return { ok: false, problem: 'format' };
  const digits = fraction ?? '';
  if (digits.length > decimals) return { ok: false, problem: 'tooManyDecimals' };
  const value = BigInt(whole || '0') * 10n ** BigInt(decimals) + BigInt(digits.padEnd(decimals, '0') || '0');
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) return { ok: false, problem: 'tooLarge' };
  if (value === 0n && !options.allowZero) return { ok: false, problem: 'notPositive' };
  return { ok: true, value: Number(value) };
}

/** The amount as an exact decimal string ("12.000345"), for Intl to format without rounding through a float. */
export function toDecimalString(units: number, decimals: number): `${number}` {
  const negative = units < 0;
  const digits = String(Math.abs(Math.trunc(units))).padStart(decimals + 1, '0');
  const whole = digits.slice(0, digits.length - decimals);
  const fraction = decimals > 0 ? `.${digits.slice(digits.length - decimals)}` : '';
  return `${negative ? '-' : ''}${whole}${fraction}` as `${number}`;
}

const formats = new Map<string, Intl.NumberFormat>();

/** An amount in the UI's language, with as many decimals as it has (up to the currency's). */
export function formatAmount(units: number, language: string, decimals: number, options: { grouping?: boolean } = {}): string {
  const key = `${language}|${decimals}|${options.grouping ?? true}`;
  let format = formats.get(key);
  if (!format) formats.set(key, (format = new Intl.NumberFormat(language, { minimumFractionDigits: 0, maximumFractionDigits: decimals, useGrouping: options.grouping ?? true })));
  // Intl formats a decimal string exactly (ES2023), where units / 10^decimals could round.
  return format.format(toDecimalString(units, decimals));
}

/** An amount to prefill a field with: no group separators, so parseAmount reads it back as it is. */
export const amountForInput = (units: number, language: string, decimals: number): string => formatAmount(units, language, decimals, { grouping: false });

/** A 64-hex account address (an identity's Ed25519 key), as the node's schema wants it. */
export const isAddress = (text: string): boolean => /^[0-9a-fA-F]{64}$/.test(text.trim());
