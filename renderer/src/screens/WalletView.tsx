import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { describeError } from '../components/errors.ts';
import { FieldError } from '../components/FieldError.tsx';
import { useApp } from '../state/store.ts';
import { useWallet, type WalletAction } from '../state/wallet.ts';
import { BridgeForm } from './wallet/BridgeForm.tsx';
import { BridgeOperations } from './wallet/BridgeOperations.tsx';
import { Faucet } from './wallet/Faucet.tsx';
import { SendForm } from './wallet/SendForm.tsx';
import { StakeForm } from './wallet/StakeForm.tsx';
import { reviewOf } from './wallet/review.ts';
import { TxDialog } from './wallet/TxDialog.tsx';
import type { Submission } from './wallet/use-submission.ts';
import { WalletHistory, WalletPending } from './wallet/WalletHistory.tsx';
import { WalletSummary } from './wallet/WalletSummary.tsx';

/** The currency chain gives a final block every moment; two seconds keeps the screen current without a flood of calls. */
const REFRESH_MS = 2000;

/**
 * The account on the currency chain: holdings (and what it holds on the chat chain) and address,
 * send, stake, unstake, moving funds between the chains, test coins on a devnet, pending and past
 * transactions and bridge operations. Everything is read from the node again every two seconds
 * while the screen is open (there is no ledger event to listen to), which also carries a bridge
 * operation through its states.
 */
export function WalletView() {
  const { t, i18n } = useTranslation(['wallet', 'common']);
  const client = useApp((s) => s.client)!;
  const announce = useApp((s) => s.announce);
  const { wallet, history, bridge, refresh, submit } = useWallet();
  const [error, setError] = useState<string | null>(null);
  const [review, setReview] = useState<Exclude<WalletAction, { kind: 'faucet' }> | null>(null);

  useEffect(() => {
    let current = true;
    const load = () =>
      refresh(client).then(
        () => current && setError(null),
        (err: unknown) => current && setError(describeError(err, t)),
      );
    void load();
    const timer = setInterval(() => void load(), REFRESH_MS);
    return () => {
      current = false;
      clearInterval(timer);
    };
  }, [client, refresh, t]);

  const close = useCallback(() => setReview(null), []);
  const announceLate = useCallback((outcome: Submission) => announce(outcome.phase === 'failed' ? outcome.error : t('tx.doneLate')), [announce, t]);
  const shown = review && wallet ? reviewOf(review, wallet, t, i18n.language) : null;

  return (
    <main className="page wallet-page" id="main" tabIndex={-1}>
      <h1>{t('title')}</h1>
      <p className="hint">{t('intro')}</p>
      <FieldError error={error} />
      {!wallet && !error && <p className="loading">{t('loading')}</p>}
      {wallet && (
        <>
          <WalletSummary wallet={wallet} />
          {wallet.faucet_amount > 0 && <Faucet wallet={wallet} />}
          <div className="wallet-forms">
            <SendForm wallet={wallet} onReview={setReview} />
            <StakeForm kind="stake" wallet={wallet} onReview={setReview} />
            <StakeForm kind="unstake" wallet={wallet} onReview={setReview} />
            <BridgeForm wallet={wallet} onReview={setReview} />
          </div>
          <BridgeOperations wallet={wallet} packets={bridge ?? []} />
          <WalletPending wallet={wallet} />
          <WalletHistory wallet={wallet} entries={history ?? []} />
        </>
      )}
      {review && shown && (
        <TxDialog
          title={shown.title}
          rows={shown.rows}
          confirm={shown.confirm}
          done={shown.done}
          write={() => submit(client, review)}
          onClose={close}
          onLate={announceLate}
        />
      )}
    </main>
  );
}
