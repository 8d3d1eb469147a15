import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useApp } from '../../state/store.ts';

/**
 * A value to take elsewhere (a token, an invite, a URL): shown read-only and selectable, with a
 * Copy button. The result is announced through the app's live region and shown next to the
 * button; without clipboard access the value is selected so Ctrl+C copies it.
 */
export function CopyField(props: { readonly id: string; readonly label: string; readonly value: string; readonly rows?: number; readonly help?: string }) {
  const { t } = useTranslation('bots');
  const announce = useApp((s) => s.announce);
  const [copied, setCopied] = useState<'yes' | 'failed' | null>(null);

  const copy = async () => {
    try {
      if (!navigator.clipboard) throw new Error('no clipboard');
      await navigator.clipboard.writeText(props.value);
      setCopied('yes');
      announce(t('copy.done', { what: props.label }));
    } catch {
      const field = document.getElementById(props.id);
      if (field instanceof HTMLTextAreaElement) field.select();
      setCopied('failed');
      announce(t('copy.failed'));
    }
  };

  return (
    <div className="copy-field">
      <label htmlFor={props.id}>{props.label}</label>
      <textarea id={props.id} rows={props.rows ?? 2} readOnly value={props.value} spellCheck={false} aria-describedby={props.help ? `${props.id}-help` : undefined} />
      {props.help && (
        <p id={`${props.id}-help`} className="hint">
          {props.help}
        </p>
      )}
      <button type="button" className="secondary" onClick={() => void copy()}>
        {t('copy.button', { what: props.label })}
      </button>{' '}
      <span className="hint">{copied === 'yes' ? t('copy.done', { what: props.label }) : copied === 'failed' ? t('copy.failed') : ''}</span>
    </div>
  );
}
