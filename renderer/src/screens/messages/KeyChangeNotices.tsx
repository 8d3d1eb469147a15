import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import type { KeyChange } from '../../../../node-core/api/contract.ts';
import { describeError } from '../../components/errors.ts';
import { loadKeyChanges, useKeyChanges } from '../../state/key-changes.ts';
import { useApp } from '../../state/store.ts';

const NONE: readonly KeyChange[] = [];

/**
 * Signal's "Your safety number with … has changed" in the conversation: one notice per change
 * of the contact's key in the chat chain's directory (a rotation signed by the key we knew, or a
 * reset), with the way to compare the new safety number.
 */
export function KeyChangeNotices(props: { readonly chatId: string }) {
  const { t, i18n } = useTranslation('chat');
  const changes = useKeyChanges((s) => s.byChat[props.chatId] ?? NONE);
  const openDialog = useApp((s) => s.openDialog);
  const setError = useApp((s) => s.setError);
  useEffect(() => {
    loadKeyChanges(props.chatId).catch((err: unknown) => setError(describeError(err, t)));
  }, [props.chatId, setError, t]);
  if (changes.length === 0) return null;
  const when = new Intl.DateTimeFormat(i18n.language, { dateStyle: 'medium', timeStyle: 'short' });
  return (
    <ul className="key-change-notices" aria-label={t('keyChange.listLabel')}>
      {changes.map((change) => (
        <li key={change.id} className="key-change-notice">
          <p>
            <strong>{t('keyChange.changed', { name: change.display_name })}</strong>{' '}
            {change.kind === 'reset' ? t('keyChange.reset', { username: change.username }) : t('keyChange.rotated', { username: change.username })}{' '}
            <time dateTime={new Date(change.at).toISOString()}>{when.format(change.at)}</time>
          </p>
          <button type="button" className="secondary" onClick={() => openDialog('safetyNumber', change.new_key)}>
            {t('keyChange.view', { name: change.display_name })}
          </button>
        </li>
      ))}
    </ul>
  );
}
