import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useApp } from '../state/store.ts';
import { describeError } from './errors.ts';
import { FieldError } from './FieldError.tsx';
import { QrCode } from './QrCode.tsx';

/**
 * Your own invite, to give to people: the dchat:// link (selectable), a copy button that says
 * when it copied, and on the Contacts page a QR code of the same link for a phone to scan.
 * `id` names the link's field (each place that shows the invite has its own).
 */
export function InviteShare(props: { readonly id: string; readonly withQr?: boolean; readonly labelHidden?: boolean }) {
  const { t } = useTranslation(['people', 'common']);
  const client = useApp((s) => s.client);
  const [link, setLink] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [copied, setCopied] = useState<'yes' | 'failed' | null>(null);

  useEffect(() => {
    if (!client) return;
    let current = true;
    client.call('contacts.invite', {}).then(
      (r) => current && setLink(r.link),
      (err: unknown) => current && setError(describeError(err, t)),
    );
    return () => {
      current = false;
    };
  }, [client, t]);

  const copy = async () => {
    try {
      if (!navigator.clipboard) throw new Error('no clipboard');
      await navigator.clipboard.writeText(link);
      setCopied('yes');
    } catch {
      // Without clipboard access (an insecure origin, a denied permission), select the link so Ctrl+C copies it.
      const field = document.getElementById(props.id);
      if (field instanceof HTMLTextAreaElement) field.select();
      setCopied('failed');
    }
  };

  return (
    <div className={props.withQr ? 'invite-share with-qr' : 'invite-share'}>
      <div className="invite-link">
        <label htmlFor={props.id} className={props.labelHidden ? 'sr-only' : undefined}>
          {t('invite.link')}
        </label>
        <textarea id={props.id} rows={3} readOnly value={link} spellCheck={false} aria-describedby={`${props.id}-help`} />
        <p id={`${props.id}-help`} className="hint">
          {t('invite.help')}
        </p>
        <FieldError error={error} />
        <button type="button" className="secondary" disabled={!link} onClick={() => void copy()}>
          {t('addContact.copy')}
        </button>{' '}
        <span role="status" className="hint">
          {copied === 'yes' ? t('addContact.copied') : copied === 'failed' ? t('invite.copyFailed') : ''}
        </span>
      </div>
      {props.withQr && link && <QrCode className="invite-qr" text={link} label={t('invite.qr')} />}
    </div>
  );
}
