import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { amountForInput, formatAmount, isAddress, parseAmount, toDecimalString } from '../../renderer/src/wallet-amounts.ts';

/** The Wallet screen's amounts: millionths to text in the UI's language and back, refusing what could be misread. */

const ok = (value: number) => ({ ok: true, value });
const bad = (problem: string) => ({ ok: false, problem });

describe('parseAmount', () => {
  it('reads whole and decimal amounts in millionths, without float rounding', () => {
    assert.deepEqual(parseAmount('12', 'en', 6), ok(12_000_000));
    assert.deepEqual(parseAmount('12.5', 'en', 6), ok(12_500_000));
    assert.deepEqual(parseAmount('0.000001', 'en', 6), ok(1));
    assert.deepEqual(parseAmount('.25', 'en', 6), ok(250_000));
    assert.deepEqual(parseAmount('0.1', 'en', 6), ok(100_000));
    assert.deepEqual(parseAmount(' 3 ', 'en', 6), ok(3_000_000));
    assert.deepEqual(parseAmount('9007199254.740991', 'en', 6), ok(Number.MAX_SAFE_INTEGER));
  });

  it("takes the language's decimal separator, and '.' only where it is not the group separator", () => {
    assert.deepEqual(parseAmount('12,5', 'de', 6), ok(12_500_000));
    // In German "1.500" is fifteen hundred: refused rather than guessed.
    assert.deepEqual(parseAmount('1.5', 'de', 6), bad('format'));
    assert.deepEqual(parseAmount('12.5', 'ar', 6), ok(12_500_000));
    assert.deepEqual(parseAmount('١٢٫٥', 'ar', 6), ok(12_500_000));
    assert.deepEqual(parseAmount('۱۲', 'ar', 6), ok(12_000_000));
  });

  it('refuses group separators, letters, signs and a second separator', () => {
    assert.deepEqual(parseAmount('1,5', 'en', 6), bad('format'));
    assert.deepEqual(parseAmount('1,000', 'en', 6), bad('format'));
    assert.deepEqual(parseAmount('1.2.3', 'en', 6), bad('format'));
    assert.deepEqual(parseAmount('-1', 'en', 6), bad('format'));
    assert.deepEqual(parseAmount('1e3', 'en', 6), bad('format'));
    assert.deepEqual(parseAmount('.', 'en', 6), bad('format'));
    assert.deepEqual(parseAmount('', 'en', 6), bad('empty'));
    assert.deepEqual(parseAmount('   ', 'en', 6), bad('empty'));
  });

  it('refuses more decimals than the currency has, zero (unless allowed) and amounts past the safe integers', () => {
    assert.deepEqual(parseAmount('0.0000001', 'en', 6), bad('tooManyDecimals'));
    assert.deepEqual(parseAmount('1.25', 'en', 1), bad('tooManyDecimals'));
    assert.deepEqual(parseAmount('0', 'en', 6), bad('notPositive'));
    assert.deepEqual(parseAmount('0.000', 'en', 6), bad('notPositive'));
    assert.deepEqual(parseAmount('0', 'en', 6, { allowZero: true }), ok(0));
    assert.deepEqual(parseAmount('9007199254.740992', 'en', 6), bad('tooLarge'));
    assert.deepEqual(parseAmount('99999999999999999999', 'en', 6), bad('tooLarge'));
  });
});

describe('formatAmount', () => {
  it('writes exact decimals in the UI language, up to the currency’s', () => {
    assert.equal(toDecimalString(12_000_345, 6), '12.000345');
    assert.equal(toDecimalString(1, 6), '0.000001');
    assert.equal(toDecimalString(-2_500_000, 6), '-2.500000');
    assert.equal(formatAmount(12_500_000, 'en', 6), '12.5');
    assert.equal(formatAmount(1_234_567_891_234, 'en', 6), '1,234,567.891234');
    assert.equal(formatAmount(1_234_567_891_234, 'de', 6), '1.234.567,891234');
    assert.equal(formatAmount(Number.MAX_SAFE_INTEGER, 'en', 6), '9,007,199,254.740991');
    assert.equal(formatAmount(0, 'en', 6), '0');
  });

  it('prefills fields with text parseAmount reads back as the same amount', () => {
    for (const language of ['en', 'de', 'ar']) {
      for (const units of [1, 999_999, 1_000_000, 12_345_678_901, Number.MAX_SAFE_INTEGER]) {
        assert.deepEqual(parseAmount(amountForInput(units, language, 6), language, 6), ok(units), `${language} ${units}`);
      }
    }
  });
});

describe('isAddress', () => {
  it('is 64 hex digits', () => {
    assert.ok(isAddress('ab'.repeat(32)));
    assert.ok(isAddress('AB'.repeat(32)));
    assert.ok(!isAddress('ab'.repeat(31)));
    assert.ok(!isAddress(`${'ab'.repeat(31)}zz`));
  });
});
