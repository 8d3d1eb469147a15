import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { Wallet, WalletAction } from '../../state/wallet.ts';
import { checkAmount, money } from './amount-checks.ts';
import { TextField } from './TextField.tsx';

/**
 * Stake or unstake an amount, for the chain's minimum fee. Staking is limited by the balance
 * after the fee; unstaking by what is staked (and it starts the unbonding period).
 */
export function StakeForm(props: { readonly kind: 'stake' | 'unstake'; readonly wallet: Wallet; readonly onReview: (action: Extract<WalletAction, { kind: 'stake' | 'unstake' }>) => void }) {
  const { t, i18n } = useTranslation('wallet');
  const { wallet, kind } = props;
  const language = i18n.language;
  const [amount, setAmount] = useState('');
  const [error, setError] = useState<string | null>(null);
  const max = kind === 'stake' ? wallet.balance - wallet.min_fee : wallet.staked;
  const id = `${kind}-amount`;

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const checked = checkAmount(t, amount, language, wallet, max, kind);
    if (!checked.ok) {
      setError(checked.error);
      document.getElementById(id)?.focus();
      return;
    }
    setError(null);
    props.onReview({ kind, amount: checked.value, fee: wallet.min_fee });
  };

  return (
    <form onSubmit={submit} noValidate aria-labelledby={`${kind}-title`}>
      <h2 id={`${kind}-title`}>{t(`${kind}.title`)}</h2>
      <p className="hint">{t(`${kind}.help`)}</p>
      <TextField
        id={id}
        label={t(`${kind}.amount`, { symbol: wallet.symbol })}
        help={t(`${kind}.available`, { amount: money(t, Math.max(0, max), language, wallet), fee: money(t, wallet.min_fee, language, wallet) })}
        value={amount}
        onChange={setAmount}
        error={error}
        inputMode="decimal"
      />
      <button type="submit" className="primary">
        {t(`${kind}.review`)}
      </button>
    </form>
  );
}
