import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { Wallet, WalletAction } from '../../state/wallet.ts';
import { amountForInput } from '../../wallet-amounts.ts';
import { checkAmount, checkFee, checkRecipient, money } from './amount-checks.ts';
import { TextField } from './TextField.tsx';

interface Errors {
  readonly to: string | null;
  readonly amount: string | null;
  readonly fee: string | null;
}
const NO_ERRORS: Errors = { to: null, amount: null, fee: null };

/**
 * Send: a recipient's address, an amount and a fee (prefilled with the chain's minimum). Checked
 * here first — readable, more than zero, within the balance after the fee — so the confirmation
 * shows only what the node can carry out; the node checks again.
 */
export function SendForm(props: { readonly wallet: Wallet; readonly onReview: (action: Extract<WalletAction, { kind: 'transfer' }>) => void }) {
  const { t, i18n } = useTranslation('wallet');
  const { wallet } = props;
  const language = i18n.language;
  const [to, setTo] = useState('');
  const [amount, setAmount] = useState('');
  const [fee, setFee] = useState(() => amountForInput(wallet.min_fee, language, wallet.decimals));
  const [errors, setErrors] = useState<Errors>(NO_ERRORS);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const recipient = checkRecipient(t, to, wallet);
    const feeChecked = checkFee(t, fee, language, wallet);
    const amountChecked = checkAmount(t, amount, language, wallet, wallet.balance - (feeChecked.ok ? feeChecked.value : wallet.min_fee), 'send');
    const found: Errors = {
      to: recipient.ok ? null : recipient.error,
      amount: amountChecked.ok ? null : amountChecked.error,
      fee: feeChecked.ok ? null : feeChecked.error,
    };
    setErrors(found);
    if (recipient.ok && amountChecked.ok && feeChecked.ok) {
      props.onReview({ kind: 'transfer', to: recipient.value, amount: amountChecked.value, fee: feeChecked.value });
      return;
    }
    // The first field in error gets focus, so its message is read with it.
    const first = (['to', 'amount', 'fee'] as const).find((field) => found[field]);
    if (first) document.getElementById(`send-${first}`)?.focus();
  };

  return (
    <form onSubmit={submit} noValidate aria-labelledby="send-title">
      <h2 id="send-title">{t('send.title')}</h2>
      <TextField id="send-to" label={t('send.recipient')} help={t('send.recipientHelp')} value={to} onChange={setTo} error={errors.to} multiline />
      <TextField
        id="send-amount"
        label={t('send.amount', { symbol: wallet.symbol })}
        help={t('send.available', { amount: money(t, Math.max(0, wallet.balance - wallet.min_fee), language, wallet) })}
        value={amount}
        onChange={setAmount}
        error={errors.amount}
        inputMode="decimal"
      />
      <TextField
        id="send-fee"
        label={t('send.fee', { symbol: wallet.symbol })}
        help={t('send.feeHelp', { min: money(t, wallet.min_fee, language, wallet) })}
        value={fee}
        onChange={setFee}
        error={errors.fee}
        inputMode="decimal"
      />
      <button type="submit" className="primary">
        {t('send.review')}
      </button>
    </form>
  );
}
