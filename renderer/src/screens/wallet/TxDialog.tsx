import { Fragment, useEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import { Dialog } from '../../components/Dialog.tsx';
import { FieldError } from '../../components/FieldError.tsx';
import { formatNumber } from '../../i18n/index.ts';
import { useSubmission, type Submission } from './use-submission.ts';

export interface TxRow {
  readonly label: string;
  readonly value: string;
  /** An address: shown whole, in a monospace font, left to right. */
  readonly code?: boolean;
}

/**
 * Confirms a write to the ledger, then follows it: what will happen (rows), Cancel and Confirm
 * (Cancel first, so it has focus when the dialog opens); while the node waits for a final block
 * a status says so; then the block it is final in, or the node's refusal. Focus moves to the
 * status and then to the result, so a screen reader hears each step. Closed while waiting, the
 * write goes on and its outcome is announced (onLate).
 */
export function TxDialog(props: {
  readonly title: string;
  readonly rows: readonly TxRow[];
  readonly confirm: string;
  readonly done: (height: number | null) => string;
  readonly write: () => Promise<{ readonly height: number | null }>;
  readonly onClose: () => void;
  readonly onLate: (outcome: Submission) => void;
}) {
  const { t, i18n } = useTranslation(['wallet', 'common']);
  const { submission, run, reset } = useSubmission(t, props.onLate);
  const status = useRef<HTMLParagraphElement>(null);
  const closeButton = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    if (submission.phase === 'pending') status.current?.focus();
    if (submission.phase === 'done' || submission.phase === 'failed') closeButton.current?.focus();
  }, [submission.phase]);

  return (
    <Dialog title={props.title} onClose={props.onClose}>
      <dl className="figures tx-rows">
        {props.rows.map((row) => (
          <Fragment key={row.label}>
            <dt>{row.label}</dt>
            <dd>{row.code ? <code dir="ltr">{row.value}</code> : row.value}</dd>
          </Fragment>
        ))}
      </dl>
      <p ref={status} className="tx-status" role="status" tabIndex={-1} aria-live="polite">
        {submission.phase === 'pending' && t('tx.pending')}
        {submission.phase === 'done' && props.done(submission.height)}
      </p>
      {submission.phase === 'done' && submission.height !== null && <p className="hint">{t('tx.finalAt', { height: formatNumber(submission.height, i18n.language) })}</p>}
      <FieldError error={submission.phase === 'failed' ? submission.error : null} />
      <div className="dialog-actions">
        {submission.phase === 'idle' || submission.phase === 'pending' ? (
          <>
            <button type="button" className="secondary" onClick={props.onClose}>
              {submission.phase === 'pending' ? t('tx.closeWaiting') : t('common:cancel')}
            </button>
            <button type="button" className="primary" disabled={submission.phase === 'pending'} onClick={() => void run(props.write)}>
              {props.confirm}
            </button>
          </>
        ) : (
          <>
            {submission.phase === 'failed' && (
              <button type="button" className="secondary" onClick={reset}>
                {t('tx.retry')}
              </button>
            )}
            <button ref={closeButton} type="button" className="primary" onClick={props.onClose}>
              {t('common:close')}
            </button>
          </>
        )}
      </div>
    </Dialog>
  );
}
