import { useTranslation } from 'react-i18next';
import { FieldError } from '../../components/FieldError.tsx';
import { formatNumber } from '../../i18n/index.ts';
import { useApp } from '../../state/store.ts';
import { useWallet, type Wallet } from '../../state/wallet.ts';
import { money } from './amount-checks.ts';
import { useSubmission } from './use-submission.ts';

/** "Get test coins": a devnet's faucet (shown only where faucet_amount > 0), with its pending state and the node's answer. */
export function Faucet(props: { readonly wallet: Wallet }) {
  const { t, i18n } = useTranslation('wallet');
  const client = useApp((s) => s.client)!;
  const submit = useWallet((s) => s.submit);
  const { submission, run } = useSubmission(t);
  const gift = money(t, props.wallet.faucet_amount, i18n.language, props.wallet);
  return (
    <section aria-labelledby="faucet-title">
      <h2 id="faucet-title">{t('faucet.title')}</h2>
      <p className="hint">{t('faucet.help', { amount: gift })}</p>
      {/* aria-disabled rather than disabled while waiting: a disabled button would drop the keyboard focus. */}
      <button
        type="button"
        className="secondary"
        aria-disabled={submission.phase === 'pending' || undefined}
        onClick={() => submission.phase !== 'pending' && void run(() => submit(client, { kind: 'faucet' }))}
      >
        {t('faucet.button', { amount: gift })}
      </button>{' '}
      <span role="status" className="hint">
        {submission.phase === 'pending' && t('tx.pending')}
        {submission.phase === 'done' &&
          (submission.height === null ? t('faucet.doneNoHeight', { amount: gift }) : t('faucet.done', { amount: gift, height: formatNumber(submission.height, i18n.language) }))}
      </span>
      <FieldError error={submission.phase === 'failed' ? submission.error : null} />
    </section>
  );
}
