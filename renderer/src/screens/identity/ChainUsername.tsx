import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { MethodOutput } from '../../../../node-core/api/contract.ts';
import { FieldError } from '../../components/FieldError.tsx';
import { formatNumber } from '../../i18n/index.ts';
import { useApp } from '../../state/store.ts';
import { fitsChatChain, useDirectoryRegistration } from './use-directory-registration.ts';

type DirectoryAnswer = MethodOutput<'directory.lookup'>;

/**
 * Your username in the chat chain's directory, where others look up your key: whether it is
 * registered (and at which height, or by someone else), and a button to register it. The
 * answer is the chain's: the height of the final block, or the error it named (UsernameTaken).
 */
export function ChainUsername() {
  const { t, i18n } = useTranslation(['people', 'wallet', 'common']);
  const client = useApp((s) => s.client)!;
  const me = useApp((s) => s.identities.find((i) => i.is_default) ?? s.identities[0]);
  const [record, setRecord] = useState<DirectoryAnswer | null>(null);
  const { submission, register: registerUsername } = useDirectoryRegistration(t);
  const username = me?.username ?? '';
  const valid = fitsChatChain(username);
  const lang = i18n.language;
  const state = useRef<HTMLParagraphElement>(null);

  useEffect(() => {
    if (!valid || submission.phase === 'pending') return;
    let current = true;
    client.call('directory.lookup', { username }).then(
      (answer) => current && setRecord(answer),
      () => current && setRecord(null),
    );
    return () => {
      current = false;
    };
  }, [client, username, valid, submission.phase]);

  // Once registered the button goes away: focus moves to the sentence that says so, not to the page's start.
  useEffect(() => {
    if (submission.phase === 'done') state.current?.focus();
  }, [submission.phase]);

  if (!me) return null;
  const owner = record?.record ?? null;
  const mine = owner !== null && owner.identity_key.toLowerCase() === me.id.toLowerCase();
  const register = () => registerUsername(me.id, username);

  return (
    <section aria-labelledby="chain-username-title">
      <h2 id="chain-username-title">{t('directory.title')}</h2>
      <p className="hint">{t('directory.help')}</p>
      <p ref={state} role="status" tabIndex={-1} data-testid="chain-username-state">
        {!valid
          ? t('directory.notEligible', { username })
          : mine
            ? t('directory.registered', { username, height: formatNumber(owner.registered_height, lang) })
            : owner
              ? t('directory.takenByOther', { username })
              : record
                ? t('directory.notRegistered', { username })
                : ''}
      </p>
      {valid && !mine && (
        <button type="button" className="secondary" aria-disabled={submission.phase === 'pending' || undefined} onClick={() => submission.phase !== 'pending' && void register()}>
          {t('directory.register', { username })}
        </button>
      )}{' '}
      <span role="status" className="hint">
        {submission.phase === 'pending' && t('wallet:tx.pending')}
        {submission.phase === 'done' &&
          (submission.height === null ? t('directory.submitted', { username }) : t('directory.registeredNow', { username, height: formatNumber(submission.height, lang) }))}
      </span>
      <FieldError error={submission.phase === 'failed' ? submission.error : null} />
      {valid && !mine && <p className="hint">{t('directory.fee')}</p>}
    </section>
  );
}
