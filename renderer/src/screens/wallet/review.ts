import type { TFunction } from 'i18next';
import type { Wallet, WalletAction } from '../../state/wallet.ts';
import { money } from './amount-checks.ts';
import type { TxRow } from './TxDialog.tsx';

/** What the confirmation of an action shows: its title, the rows to check, the button, and the sentence once it is final. */
export function reviewOf(action: Exclude<WalletAction, { kind: 'faucet' }>, wallet: Wallet, t: TFunction, language: string) {
  const m = (units: number) => money(t, units, language, wallet);
  const fee = { label: t('wallet:confirm.fee'), value: m(action.fee) };
  if (action.kind === 'transfer') {
    const amount = m(action.amount);
    return {
      title: t('wallet:confirm.transferTitle'),
      rows: [{ label: t('wallet:confirm.recipient'), value: action.to, code: true }, { label: t('wallet:confirm.amount'), value: amount }, fee, { label: t('wallet:confirm.total'), value: m(action.amount + action.fee) }] satisfies TxRow[],
      confirm: t('wallet:confirm.transfer'),
      done: () => t('wallet:tx.doneTransfer', { amount }),
    };
  }
  if (action.kind === 'bridge') {
    const amount = m(action.amount);
    const from = action.to_chain === 'chat' ? 'currency' : 'chat';
    return {
      title: t('wallet:confirm.bridgeTitle'),
      rows: [
        { label: t('wallet:confirm.from'), value: t(`wallet:bridge.chain.${from}`) },
        { label: t('wallet:confirm.recipient'), value: t(`wallet:bridge.chain.${action.to_chain}`) },
        { label: t('wallet:confirm.amount'), value: amount },
        fee,
      ] satisfies TxRow[],
      confirm: t('wallet:confirm.bridge'),
      done: () => t(`wallet:tx.done.bridge.${action.to_chain}`, { amount }),
    };
  }
  const amount = m(action.amount);
  return {
    title: t(`wallet:confirm.${action.kind}Title`),
    rows: [{ label: t('wallet:confirm.amount'), value: amount }, fee] satisfies TxRow[],
    confirm: t(`wallet:confirm.${action.kind}`),
    done: () => t(`wallet:tx.done.${action.kind}`, { amount }),
  };
}
