import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { InviteShare } from '../components/InviteShare.tsx';
import { useApp } from '../state/store.ts';
import { ChainUsername } from './identity/ChainUsername.tsx';

export function ContactsView() {
  const { t } = useTranslation(['people', 'common']);
  const contacts = useApp((s) => s.contacts);
  const groups = useApp((s) => s.groups);
  const loadPeople = useApp((s) => s.loadPeople);
  const openChat = useApp((s) => s.openChat);
  const openDialog = useApp((s) => s.openDialog);

  useEffect(() => {
    void loadPeople();
  }, [loadPeople]);

  return (
    <main className="page" id="main" tabIndex={-1}>
      <div className="page-header">
        <h1>{t('contacts.title')}</h1>
        <button type="button" className="primary" onClick={() => openDialog('addContact')}>
          {t('contacts.add')}
        </button>
        <button type="button" className="secondary" onClick={() => openDialog('newGroup')}>
          {t('contacts.newGroup')}
        </button>
      </div>
      <section aria-labelledby="your-invite-title">
        <h2 id="your-invite-title">{t('addContact.yourInvite')}</h2>
        <InviteShare id="page-invite" withQr />
      </section>
      <ChainUsername />
      <h2>{t('contacts.list')}</h2>
      {contacts.length === 0 ? (
        <p className="empty">{t('contacts.empty')}</p>
      ) : (
        <table className="data-table">
          <caption className="sr-only">{t('contacts.title')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('contacts.name')}</th>
              <th scope="col">{t('contacts.verification')}</th>
              <th scope="col">
                <span className="sr-only">{t('contacts.actions')}</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {contacts.map((c) => (
              <tr key={`${c.local_identity}-${c.identity_key}`}>
                <th scope="row">
                  <span className="contact-name">{c.display_name}</span> <span className="contact-username">@{c.username}</span>
                </th>
                <td>{c.verified ? t('contacts.verified') : t('contacts.unverified')}</td>
                <td className="row-actions">
                  <button type="button" className="link-button" onClick={() => void openChat(c.chat_id)} aria-label={t('contacts.message', { name: c.display_name })}>
                    {t('contacts.messageShort')}
                  </button>
                  <button type="button" className="link-button" onClick={() => openDialog('safetyNumber', c.identity_key)} aria-label={t('contacts.safety', { name: c.display_name })}>
                    {t('contacts.safetyShort')}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h2>{t('groups.title')}</h2>
      {groups.length === 0 ? (
        <p className="empty">{t('groups.empty')}</p>
      ) : (
        <ul className="simple-list">
          {groups.map((g) => (
            <li key={g.group_id}>
              <button type="button" className="link-button" onClick={() => void openChat(g.chat_id)}>
                {g.title}
              </button>{' '}
              <span className="hint">{t('groups.memberCount', { count: g.members.length })}</span>
              {g.removed && <span className="chip">{t('groups.removed')}</span>}
            </li>
          ))}
        </ul>
      )}
    </main>
  );
}
