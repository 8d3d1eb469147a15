import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Dialog } from '../../components/Dialog.tsx';
import { describeError } from '../../components/errors.ts';
import { FieldError } from '../../components/FieldError.tsx';

/** Asks before an action that cannot be undone; Cancel comes first, so it has focus when the dialog opens. */
export function ConfirmDialog(props: { readonly title: string; readonly text: string; readonly confirm: string; readonly onConfirm: () => Promise<void>; readonly onClose: () => void }) {
  const { t } = useTranslation(['bots', 'common']);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const run = async () => {
    setBusy(true);
    setError(null);
    try {
      await props.onConfirm();
    } catch (err) {
      setError(describeError(err, t));
      setBusy(false);
    }
  };
  return (
    <Dialog title={props.title} onClose={props.onClose}>
      <p>{props.text}</p>
      <FieldError error={error} />
      <div className="dialog-actions">
        <button type="button" className="secondary" onClick={props.onClose}>
          {t('common:cancel')}
        </button>
        <button type="button" className="primary danger" disabled={busy} onClick={() => void run()}>
          {props.confirm}
        </button>
      </div>
    </Dialog>
  );
}
