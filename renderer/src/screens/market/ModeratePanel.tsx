import { useCallback, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { FieldError } from '../../components/FieldError.tsx';
import { useApp } from '../../state/store.ts';
import { amountForInput, parseAmount } from '../../wallet-amounts.ts';
import { useSubmission } from '../wallet/use-submission.ts';
import { TextField } from '../wallet/TextField.tsx';
import { price, type Currency } from './market-format.ts';
import { usePolled } from './use-polled.ts';

/** Moderate: this identity's terms as a moderator on the currency chain (a fixed fee, a percentage or both), and what they are now. */
export function ModeratePanel(props: { readonly identityId: string; readonly currency: Currency }) {
  const { t, i18n } = useTranslation('market');
  const client = useApp((s) => s.client)!;
  const { currency } = props;
  const language = i18n.language;
  const load = useCallback(() => client.call('market.moderators', {}), [client]);
  const moderators = usePolled(load, 'moderators');
  const mine = moderators.data?.moderators.find((m) => m.key === props.identityId) ?? null;
  const { submission, run } = useSubmission(t);
  const [fixed, setFixed] = useState('0');
  const [percent, setPercent] = useState('1');
  const [description, setDescription] = useState('');
  const [errors, setErrors] = useState<{ fixed?: string; percent?: string }>({});
  const percentText = (bp: number) => new Intl.NumberFormat(language, { style: 'percent', maximumFractionDigits: 2 }).format(bp / 10_000);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (submission.phase === 'pending') return;
    const fee = parseAmount(fixed, language, currency.decimals, { allowZero: true });
    // A percentage with up to two decimals is a whole number of basis points.
    const pct = parseAmount(percent, language, 2, { allowZero: true });
    const found = {
      ...(fee.ok ? {} : { fixed: t('moderate.fixedError', { example: amountForInput(500_000, language, currency.decimals) }) }),
      ...(pct.ok && pct.value <= 5_000 ? {} : { percent: t('moderate.percentError', { max: percentText(5_000) }) }),
    };
    setErrors(found);
    if (!fee.ok || !pct.ok || pct.value > 5_000) {
      document.getElementById(found.fixed ? 'moderate-fixed' : 'moderate-percent')?.focus();
      return;
    }
    const outcome = await run(() => client.call('market.moderate', { identity_id: props.identityId, fee_fixed: fee.value, fee_bp: pct.value, description }));
    if (outcome.phase === 'done') void moderators.reload();
  };

  return (
    <section aria-labelledby="market-moderate-title">
      <h2 id="market-moderate-title" tabIndex={-1}>
        {t('moderate.title')}
      </h2>
      <p className="hint">{t('moderate.help')}</p>
      <p data-testid="moderator-terms">{mine ? t('moderate.current', { fixed: price(t, mine.fee_fixed, language, currency), percent: percentText(mine.fee_bp) }) : t('moderate.none')}</p>
      <form onSubmit={(e) => void submit(e)} noValidate aria-labelledby="market-moderate-title" className="market-form">
        <TextField id="moderate-fixed" label={t('moderate.fixed', { symbol: currency.symbol })} value={fixed} onChange={setFixed} error={errors.fixed ?? null} inputMode="decimal" />
        <TextField id="moderate-percent" label={t('moderate.percent')} help={t('moderate.percentHelp', { max: percentText(5_000) })} value={percent} onChange={setPercent} error={errors.percent ?? null} inputMode="decimal" />
        <div className="form-row">
          <label htmlFor="moderate-description">{t('moderate.description')}</label>
          <textarea id="moderate-description" rows={2} maxLength={500} value={description} onChange={(e) => setDescription(e.target.value)} />
        </div>
        <button type="submit" className="primary" aria-disabled={submission.phase === 'pending' || undefined}>
          {mine ? t('moderate.update') : t('moderate.submit')}
        </button>
        <p role="status" className="hint">
          {submission.phase === 'pending' && t('moderate.pending')}
          {submission.phase === 'done' && t('moderate.done')}
        </p>
        <FieldError error={submission.phase === 'failed' ? submission.error : null} />
      </form>
    </section>
  );
}
