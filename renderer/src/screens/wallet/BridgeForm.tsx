import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { ChainKind, Wallet, WalletAction } from '../../state/wallet.ts';
import { checkAmount, money } from './amount-checks.ts';
import { TextField } from './TextField.tsx';

/** What can leave a chain: its balance there after the minimum fee (both chains charge the same minimum on a devnet). */
export const movable = (wallet: Wallet, toChain: ChainKind): number => Math.max(0, (toChain === 'chat' ? wallet.balance : wallet.chat_balance) - wallet.min_fee);

/**
 * "Move funds between chains": to the same account on the chat chain (where its fees and bridged
 * funds live) or back to the currency chain. The amount is checked against what the source chain
 * holds after the fee; the confirmation and the node's answer follow as for a transfer, and the
 * operation's way to the other chain is listed under it (BridgeOperations).
 */
export function BridgeForm(props: { readonly wallet: Wallet; readonly onReview: (action: Extract<WalletAction, { kind: 'bridge' }>) => void }) {
  const { t, i18n } = useTranslation('wallet');
  const { wallet } = props;
  const language = i18n.language;
  const [toChain, setToChain] = useState<ChainKind>('chat');
  const [amount, setAmount] = useState('');
  const [error, setError] = useState<string | null>(null);
  const max = movable(wallet, toChain);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const checked = checkAmount(t, amount, language, wallet, max, toChain === 'chat' ? 'toChat' : 'toCurrency');
    if (!checked.ok) {
      setError(checked.error);
      document.getElementById('bridge-amount')?.focus();
      return;
    }
    setError(null);
    props.onReview({ kind: 'bridge', to_chain: toChain, amount: checked.value, fee: wallet.min_fee });
  };

  return (
    <form onSubmit={submit} noValidate aria-labelledby="bridge-title" className="bridge-form">
      <h2 id="bridge-title">{t('bridge.title')}</h2>
      <p className="hint">{t('bridge.help')}</p>
      <div className="form-row">
        <label htmlFor="bridge-to">{t('bridge.direction')}</label>
        <select
          id="bridge-to"
          value={toChain}
          onChange={(e) => {
            setToChain(e.target.value === 'currency' ? 'currency' : 'chat');
            setError(null);
          }}
        >
          <option value="chat">{t('bridge.toChat')}</option>
          <option value="currency">{t('bridge.toCurrency')}</option>
        </select>
      </div>
      <TextField
        id="bridge-amount"
        label={t('bridge.amount', { symbol: wallet.symbol })}
        help={t(toChain === 'chat' ? 'bridge.availableChat' : 'bridge.availableCurrency', { amount: money(t, max, language, wallet), fee: money(t, wallet.min_fee, language, wallet) })}
        value={amount}
        onChange={setAmount}
        error={error}
        inputMode="decimal"
      />
      <button type="submit" className="primary">
        {t('bridge.review')}
      </button>
    </form>
  );
}
