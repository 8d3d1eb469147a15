import { useRef, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { FieldError } from '../../components/FieldError.tsx';
import { formatNumber } from '../../i18n/index.ts';
import { useApp } from '../../state/store.ts';
import type { RelayListing } from '../../state/use-relay-registry.ts';
import type { Wallet } from '../../state/wallet.ts';
import { checkAmount, money } from '../wallet/amount-checks.ts';
import { TextField } from '../wallet/TextField.tsx';
import { useSubmission, type Submission } from '../wallet/use-submission.ts';

/** A status line for a write: pending, then what the node made final (or its refusal, beside it). */
function Outcome(props: { readonly submission: Submission; readonly done: (height: number | null) => string }) {
  const { t } = useTranslation('wallet');
  const { submission } = props;
  return (
    <>
      <p role="status" className="hint">
        {submission.phase === 'pending' && t('tx.pending')}
        {submission.phase === 'done' && props.done(submission.height)}
      </p>
      <FieldError error={submission.phase === 'failed' ? submission.error : null} />
    </>
  );
}

/** Stake more, or take stake back, as a relay: an amount checked against the balance after the fee (stake) or the stake (unstake). */
function StakeControl(props: { readonly kind: 'stake' | 'unstake'; readonly wallet: Wallet; readonly max: number; readonly onDone: () => void }) {
  const { t, i18n } = useTranslation(['node', 'wallet']);
  const client = useApp((s) => s.client)!;
  const { kind, wallet, max } = props;
  const lang = i18n.language;
  const [amount, setAmount] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [moved, setMoved] = useState(0);
  const { submission, run } = useSubmission(t);
  const id = `relay-${kind}-amount`;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (submission.phase === 'pending') return;
    const checked = checkAmount(t, amount, lang, wallet, max, kind === 'stake' ? 'relayStake' : 'relayUnstake');
    if (!checked.ok) {
      setError(checked.error);
      document.getElementById(id)?.focus();
      return;
    }
    setError(null);
    setMoved(checked.value);
    const outcome = await run(() => client.call(kind === 'stake' ? 'relays.stake' : 'relays.unstake', { amount: checked.value, wait: true }));
    if (outcome.phase === 'done') {
      setAmount('');
      props.onDone();
    }
  };

  return (
    <form onSubmit={(e) => void submit(e)} noValidate aria-labelledby={`${id}-title`}>
      <h3 id={`${id}-title`}>{t(`myRelay.${kind}.title`)}</h3>
      <TextField
        id={id}
        label={t(`myRelay.${kind}.amount`, { symbol: wallet.symbol })}
        help={t(`myRelay.${kind}.available`, { amount: money(t, Math.max(0, max), lang, wallet), fee: money(t, wallet.min_fee, lang, wallet) })}
        value={amount}
        onChange={setAmount}
        error={error}
        inputMode="decimal"
      />
      {/* aria-disabled rather than disabled while waiting: a disabled button would drop the keyboard focus. */}
      <button type="submit" className="primary" aria-disabled={submission.phase === 'pending' || undefined}>
        {t(`myRelay.${kind}.button`)}
      </button>
      <Outcome
        submission={submission}
        done={(height) =>
          t(`myRelay.${kind}.done`, { amount: money(t, moved, lang, wallet), height: height === null ? '—' : formatNumber(height, lang) })
        }
      />
    </form>
  );
}

/**
 * "My relay": this node as the chat chain's registry lists it (matched by its peer id) — stake and
 * whether it is enough to earn rewards, deliveries proved and paid, rewards earned — with stake
 * and unstake controls; or, when it is not listed, a button that announces it (a chat-chain
 * transaction signed by the current identity).
 */
export function MyRelay(props: { readonly listing: RelayListing | null; readonly wallet: Wallet | null; readonly relaying: boolean; readonly onChange: () => void }) {
  const { t, i18n } = useTranslation(['node', 'wallet']);
  const client = useApp((s) => s.client)!;
  const announce = useApp((s) => s.announce);
  const { listing, wallet } = props;
  const lang = i18n.language;
  const { submission, run } = useSubmission(t);
  const heading = useRef<HTMLHeadingElement>(null);
  const amount = (units: number) => (wallet ? money(t, units, lang, wallet) : formatNumber(units, lang));

  const announceSelf = async () => {
    if (submission.phase === 'pending') return;
    const outcome = await run(() => client.call('relays.announce', { wait: true }));
    if (outcome.phase === 'done') {
      announce(t('myRelay.announced'));
      props.onChange();
      // The button goes once the listing is read back: focus stays in the panel, on its heading.
      heading.current?.focus();
    }
  };

  return (
    <section aria-labelledby="my-relay-title" className="my-relay">
      <h2 id="my-relay-title" ref={heading} tabIndex={-1}>
        {t('myRelay.title')}
      </h2>
      {listing === null ? (
        <>
          <p className="hint" id="my-relay-help">
            {t('myRelay.notListed')} {!props.relaying && t('myRelay.turnOnFirst')}
          </p>
          <button type="button" className="secondary" aria-describedby="my-relay-help" aria-disabled={submission.phase === 'pending' || undefined} onClick={() => void announceSelf()}>
            {t('myRelay.announce')}
          </button>
          <Outcome submission={submission} done={(height) => (height === null ? t('myRelay.announcedPending') : t('myRelay.announcedAt', { height: formatNumber(height, lang) }))} />
        </>
      ) : (
        <>
          <dl className="figures" data-testid="my-relay">
            <dt>{t('myRelay.listedSince')}</dt>
            <dd data-testid="my-relay-listed">{t('myRelay.listedSinceValue', { height: formatNumber(listing.registered_height, lang) })}</dd>
            <dt>{t('myRelay.stakeLabel')}</dt>
            <dd data-testid="my-relay-stake">
              {amount(listing.stake)} <span className={listing.staked ? 'chip ok' : 'chip'}>{listing.staked ? t('registry.staked') : t('registry.notStaked')}</span>
            </dd>
            <dt>{t('myRelay.delivered')}</dt>
            <dd>{formatNumber(listing.delivered, lang)}</dd>
            <dt>{t('myRelay.paid')}</dt>
            <dd>{formatNumber(listing.deliveries_paid, lang)}</dd>
            <dt>{t('myRelay.rewards')}</dt>
            <dd>{amount(listing.rewards_earned)}</dd>
            <dt>{t('registry.attestations')}</dt>
            <dd>{t('registry.attestationsValue', { total: formatNumber(listing.attestations, lang), period: formatNumber(listing.period_attestations, lang) })}</dd>
          </dl>
          <p className="hint">{t('myRelay.stakeHelp')}</p>
          {wallet && (
            <div className="wallet-forms">
              <StakeControl kind="stake" wallet={wallet} max={wallet.balance - wallet.min_fee} onDone={props.onChange} />
              <StakeControl kind="unstake" wallet={wallet} max={listing.stake} onDone={props.onChange} />
            </div>
          )}
        </>
      )}
    </section>
  );
}
