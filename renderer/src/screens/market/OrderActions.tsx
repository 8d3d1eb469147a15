import { useEffect, useRef, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { FieldError } from '../../components/FieldError.tsx';
import { useApp } from '../../state/store.ts';
import { amountForInput, parseAmount } from '../../wallet-amounts.ts';
import { useSubmission } from '../wallet/use-submission.ts';
import { TextField } from '../wallet/TextField.tsx';
import { price, type Currency, type Order } from './market-format.ts';

type Simple = 'deliver' | 'confirm' | 'cancel' | 'accept' | 'timeout';
const SIMPLE: readonly string[] = ['deliver', 'confirm', 'cancel', 'accept', 'timeout'];
const SCORES = ['overall', 'quality', 'description', 'delivery'] as const;

/**
 * A button for each action the order lists (the ones the chain would accept from this identity
 * now), and nothing else. Dispute, decide and rate open a short form first.
 */
export function OrderActions(props: { readonly order: Order; readonly identityId: string; readonly currency: Currency; readonly onChanged: () => void }) {
  const { t } = useTranslation('market');
  const client = useApp((s) => s.client)!;
  const { order } = props;
  const { submission, run } = useSubmission(t);
  const [form, setForm] = useState<'dispute' | 'decide' | 'rate' | null>(null);
  const pending = submission.phase === 'pending';

  const act = async (write: () => Promise<{ readonly height: number | null }>) => {
    if (pending) return;
    const outcome = await run(write);
    if (outcome.phase === 'done') {
      setForm(null);
      props.onChanged();
    }
  };
  const simple = (action: Simple) => act(() => client.call('market.act', { id: order.id, action, identity_id: props.identityId }));

  if (order.actions.length === 0 && submission.phase === 'idle') return null;
  return (
    <div className="market-actions">
      {order.actions.length > 0 && (
        <div className="button-row" role="group" aria-label={t('actions.label', { title: order.title })}>
          {order.actions.map((action) => (
            <button
              key={action}
              type="button"
              className={action === 'deliver' || action === 'confirm' ? 'primary' : 'secondary'}
              aria-disabled={pending || undefined}
              aria-expanded={SIMPLE.includes(action) ? undefined : form === action}
              onClick={() => {
                if (SIMPLE.includes(action)) void simple(action as Simple);
                else setForm(form === action ? null : (action as 'dispute' | 'decide' | 'rate'));
              }}
            >
              {t(`actions.${action}`)}
            </button>
          ))}
        </div>
      )}
      {form === 'dispute' && <DisputeForm order={order} onSubmit={(claim) => act(() => client.call('market.act', { id: order.id, action: 'dispute', claim, identity_id: props.identityId }))} />}
      {form === 'decide' && (
        <DecideForm order={order} currency={props.currency} onSubmit={(buyer, seller) => act(() => client.call('market.act', { id: order.id, action: 'decide', buyer, seller, identity_id: props.identityId }))} />
      )}
      {form === 'rate' && <RateForm order={order} onSubmit={(scores, text) => act(() => client.call('market.rate', { id: order.id, scores, text, identity_id: props.identityId }))} />}
      <p role="status" className="hint">
        {pending && t('actions.pending')}
        {submission.phase === 'done' && t('actions.done')}
      </p>
      <FieldError error={submission.phase === 'failed' ? submission.error : null} />
    </div>
  );
}

function DisputeForm(props: { readonly order: Order; readonly onSubmit: (claim: string) => Promise<void> }) {
  const { t } = useTranslation('market');
  const [claim, setClaim] = useState('');
  const [error, setError] = useState<string | null>(null);
  const id = `claim-${props.order.id}`;
  // The form opens on request: its only field takes the focus.
  const field = useRef<HTMLTextAreaElement>(null);
  useEffect(() => field.current?.focus(), []);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (claim.trim() === '') {
      setError(t('dispute.empty'));
      document.getElementById(id)?.focus();
      return;
    }
    setError(null);
    void props.onSubmit(claim.trim());
  };
  return (
    <form onSubmit={submit} noValidate className="market-form" aria-label={t('dispute.title', { title: props.order.title })}>
      <div className="form-row">
        <label htmlFor={id}>{t('dispute.claim')}</label>
        <textarea id={id} rows={3} maxLength={2000} value={claim} onChange={(e) => setClaim(e.target.value)} aria-invalid={error ? true : undefined} aria-describedby={`${id}-help${error ? ` ${id}-error` : ''}`} ref={field} />
        <p id={`${id}-help`} className="hint">
          {t('dispute.help')}
        </p>
        <FieldError id={`${id}-error`} error={error} />
      </div>
      <button type="submit" className="primary">
        {t('dispute.submit')}
      </button>
    </form>
  );
}

function DecideForm(props: { readonly order: Order; readonly currency: Currency; readonly onSubmit: (buyer: number, seller: number) => Promise<void> }) {
  const { t, i18n } = useTranslation('market');
  const { order, currency } = props;
  const language = i18n.language;
  const total = order.amount - order.moderator_fee;
  const half = Math.floor(total / 2);
  const [buyerText, setBuyerText] = useState(() => amountForInput(total - half, language, currency.decimals));
  const [sellerText, setSellerText] = useState(() => amountForInput(half, language, currency.decimals));
  const [error, setError] = useState<string | null>(null);
  const id = `decide-${order.id}`;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const buyer = parseAmount(buyerText, language, currency.decimals, { allowZero: true });
    const seller = parseAmount(sellerText, language, currency.decimals, { allowZero: true });
    if (!buyer.ok || !seller.ok || buyer.value + seller.value !== total) {
      setError(t('decide.mismatch', { total: price(t, total, language, currency) }));
      document.getElementById(`${id}-buyer`)?.focus();
      return;
    }
    setError(null);
    void props.onSubmit(buyer.value, seller.value);
  };
  return (
    <form onSubmit={submit} noValidate className="market-form" aria-label={t('decide.title', { title: order.title })}>
      <p className="hint">{t('decide.help', { total: price(t, total, language, currency), fee: price(t, order.moderator_fee, language, currency) })}</p>
      <TextField id={`${id}-buyer`} label={t('decide.buyer', { symbol: currency.symbol })} value={buyerText} onChange={setBuyerText} error={null} inputMode="decimal" />
      <TextField id={`${id}-seller`} label={t('decide.seller', { symbol: currency.symbol })} value={sellerText} onChange={setSellerText} error={error} inputMode="decimal" />
      <button type="submit" className="primary">
        {t('decide.submit')}
      </button>
    </form>
  );
}

function RateForm(props: { readonly order: Order; readonly onSubmit: (scores: Record<(typeof SCORES)[number], number>, text: string) => Promise<void> }) {
  const { t } = useTranslation('market');
  const [scores, setScores] = useState<Record<(typeof SCORES)[number], number>>({ overall: 5, quality: 5, description: 5, delivery: 5 });
  const [text, setText] = useState('');
  const id = `rate-${props.order.id}`;
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        void props.onSubmit(scores, text.trim());
      }}
      noValidate
      className="market-form"
      aria-label={t('rate.title', { title: props.order.title })}
    >
      {SCORES.map((score) => (
        <div className="form-row" key={score}>
          <label htmlFor={`${id}-${score}`}>{t(`rate.${score}`)}</label>
          <select id={`${id}-${score}`} value={scores[score]} onChange={(e) => setScores({ ...scores, [score]: Number(e.target.value) })}>
            {[5, 4, 3, 2, 1].map((n) => (
              <option key={n} value={n}>
                {t('rate.stars', { score: n })}
              </option>
            ))}
          </select>
        </div>
      ))}
      <div className="form-row">
        <label htmlFor={`${id}-text`}>{t('rate.text')}</label>
        <textarea id={`${id}-text`} rows={3} maxLength={1000} value={text} onChange={(e) => setText(e.target.value)} />
      </div>
      <button type="submit" className="primary">
        {t('rate.submit')}
      </button>
    </form>
  );
}
