import type { TFunction } from 'i18next';
import type { Wallet } from '../../state/wallet.ts';
import { amountForInput, formatAmount, isAddress, parseAmount } from '../../wallet-amounts.ts';

export type Checked = { readonly ok: true; readonly value: number } | { readonly ok: false; readonly error: string };

/** An amount with its symbol, in the UI's language ("12.5 DCT"). */
export const money = (t: TFunction, units: number, language: string, wallet: Pick<Wallet, 'decimals' | 'symbol'>): string =>
  t('wallet:money', { value: formatAmount(units, language, wallet.decimals), symbol: wallet.symbol });

/**
 * A typed amount, checked: readable in the UI's language, more than zero, at most `max`
 * (`overMax` says against what, e.g. "your balance after the fee").
 */
export function checkAmount(t: TFunction, text: string, language: string, wallet: Wallet, max: number, overMax: 'send' | 'stake' | 'unstake' | 'toChat' | 'toCurrency' | 'relayStake' | 'relayUnstake'): Checked {
  const parsed = parseAmount(text, language, wallet.decimals);
  if (!parsed.ok) {
    const example = amountForInput(12_500_000 * 10 ** (wallet.decimals - 6), language, wallet.decimals);
    return { ok: false, error: t(`wallet:amountErrors.${parsed.problem}`, { count: wallet.decimals, example }) };
  }
  if (parsed.value > max) return { ok: false, error: t(`wallet:amountErrors.over.${overMax}`, { max: money(t, Math.max(0, max), language, wallet) }) };
  return parsed;
}

/** A typed fee: at least the chain's minimum, and payable from the balance. */
export function checkFee(t: TFunction, text: string, language: string, wallet: Wallet): Checked {
  const parsed = parseAmount(text, language, wallet.decimals, { allowZero: true });
  if (!parsed.ok) {
    const example = amountForInput(wallet.min_fee, language, wallet.decimals);
    return { ok: false, error: t(`wallet:amountErrors.${parsed.problem}`, { count: wallet.decimals, example }) };
  }
  if (parsed.value < wallet.min_fee) return { ok: false, error: t('wallet:feeErrors.belowMinimum', { min: money(t, wallet.min_fee, language, wallet) }) };
  if (parsed.value > wallet.balance) return { ok: false, error: t('wallet:feeErrors.overBalance') };
  return parsed;
}

/** A recipient: a 64-hex address, and not this account's own. */
export function checkRecipient(t: TFunction, text: string, wallet: Wallet): { readonly ok: true; readonly value: string } | { readonly ok: false; readonly error: string } {
  const address = text.trim().toLowerCase();
  if (address === '') return { ok: false, error: t('wallet:send.recipientEmpty') };
  if (!isAddress(address)) return { ok: false, error: t('wallet:send.recipientFormat') };
  if (address === wallet.address.toLowerCase()) return { ok: false, error: t('wallet:send.recipientSelf') };
  return { ok: true, value: address };
}
