import { useEffect, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Dialog } from '../components/Dialog.tsx';
import { InviteShare } from '../components/InviteShare.tsx';
import { describeError } from '../components/errors.ts';
import { APP_SHORTCUTS, EDITING_KEYS, formatKeys } from '../shortcuts/registry.ts';
import { useApp } from '../state/store.ts';
import { FieldError } from '../components/FieldError.tsx';
import { GroupDetailsDialog } from './GroupDetails.tsx';

export function Dialogs() {
  const dialog = useApp((s) => s.dialog);
  if (!dialog) return null;
  switch (dialog.name) {
    case 'addContact':
      return <AddContactDialog initialInvite={dialog.subject} />;
    case 'safetyNumber':
      return <SafetyNumberDialog identityKey={dialog.subject!} />;
    case 'newGroup':
      return <NewGroupDialog />;
    case 'groupMembers':
      return <GroupDetailsDialog groupId={dialog.subject!} />;
    case 'shortcuts':
      return <ShortcutsDialog />;
  }
}

function AddContactDialog(props: { readonly initialInvite: string | undefined }) {
  const { t } = useTranslation(['people', 'common']);
  const client = useApp((s) => s.client)!;
  const close = useApp((s) => s.closeDialog);
  const openChat = useApp((s) => s.openChat);
  const upsertChat = useApp((s) => s.upsertChat);
  const upsertContact = useApp((s) => s.upsertContact);
  const [invite, setInvite] = useState(props.initialInvite ?? '');
  const [error, setError] = useState<string | null>(null);

  const add = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    try {
      const added = await client.call('contacts.add', { invite: invite.trim() });
      upsertContact(added.contact);
      upsertChat(added.chat);
      close();
      await openChat(added.chat_id);
    } catch (err) {
      setError(describeError(err, t));
    }
  };

  return (
    <Dialog title={t('addContact.title')} onClose={close} wide>
      <form onSubmit={(e) => void add(e)}>
        <label htmlFor="invite-input">{t('addContact.theirInvite')}</label>
        <textarea id="invite-input" rows={3} value={invite} onChange={(e) => setInvite(e.target.value)} spellCheck={false} aria-describedby="invite-help" />
        <p id="invite-help" className="hint">
          {t('addContact.theirInviteHelp')}
        </p>
        <FieldError error={error} />
        <button type="submit" className="primary" disabled={invite.trim().length < 16}>
          {t('addContact.add')}
        </button>
      </form>
      <h3>{t('addContact.yourInvite')}</h3>
      <InviteShare id="my-invite" labelHidden />
    </Dialog>
  );
}

function SafetyNumberDialog(props: { readonly identityKey: string }) {
  const { t } = useTranslation(['people', 'common']);
  const client = useApp((s) => s.client)!;
  const close = useApp((s) => s.closeDialog);
  const upsertContact = useApp((s) => s.upsertContact);
  const [safety, setSafety] = useState<{ safety_number: string; verified: boolean } | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    client.call('contacts.safetyNumber', { identity_key: props.identityKey }).then(setSafety, (err: unknown) => setError(describeError(err, t)));
  }, [client, props.identityKey, t]);

  const setVerified = async (verified: boolean) => {
    upsertContact(await client.call('contacts.verify', { identity_key: props.identityKey, verified }));
    setSafety((s) => (s ? { ...s, verified } : s));
  };

  return (
    <Dialog title={t('safety.title')} onClose={close}>
      <p>{t('safety.help')}</p>
      <FieldError error={error} />
      {safety && (
        <>
          <p className="safety-number" role="group" aria-label={t('safety.numberLabel')}>
            {safety.safety_number.split(' ').map((group, i) => (
              <span key={i}>{group}</span>
            ))}
          </p>
          <p role="status">{safety.verified ? t('safety.verified') : t('safety.notVerified')}</p>
          <button type="button" className={safety.verified ? 'secondary' : 'primary'} onClick={() => void setVerified(!safety.verified)}>
            {safety.verified ? t('safety.unmark') : t('safety.mark')}
          </button>
        </>
      )}
    </Dialog>
  );
}

function NewGroupDialog() {
  const { t } = useTranslation(['people', 'common']);
  const client = useApp((s) => s.client)!;
  const close = useApp((s) => s.closeDialog);
  const contacts = useApp((s) => s.contacts);
  const upsertChat = useApp((s) => s.upsertChat);
  const upsertGroup = useApp((s) => s.upsertGroup);
  const openChat = useApp((s) => s.openChat);
  const [title, setTitle] = useState('');
  const [members, setMembers] = useState<Set<string>>(new Set());
  const [error, setError] = useState<string | null>(null);

  const create = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    try {
      const group = await client.call('groups.create', { title: title.trim(), members: [...members] });
      upsertGroup(group);
      upsertChat(await client.call('chats.get', { chat_id: group.chat_id }));
      close();
      await openChat(group.chat_id);
    } catch (err) {
      setError(describeError(err, t));
    }
  };

  return (
    <Dialog title={t('newGroup.title')} onClose={close}>
      <form onSubmit={(e) => void create(e)}>
        <label htmlFor="group-title">{t('newGroup.name')}</label>
        <input id="group-title" value={title} onChange={(e) => setTitle(e.target.value)} required />
        <fieldset>
          <legend>{t('newGroup.members')}</legend>
          {contacts.length === 0 && <p className="hint">{t('newGroup.noContacts')}</p>}
          {contacts.map((c) => (
            <div key={c.identity_key} className="checkbox-row">
              <input
                id={`member-${c.identity_key}`}
                type="checkbox"
                checked={members.has(c.identity_key)}
                onChange={(e) =>
                  setMembers((current) => {
                    const next = new Set(current);
                    if (e.target.checked) next.add(c.identity_key);
                    else next.delete(c.identity_key);
                    return next;
                  })
                }
              />
              <label htmlFor={`member-${c.identity_key}`}>{c.display_name}</label>
            </div>
          ))}
        </fieldset>
        <FieldError error={error} />
        <button type="submit" className="primary" disabled={!title.trim() || members.size === 0}>
          {t('newGroup.create')}
        </button>
      </form>
    </Dialog>
  );
}

function ShortcutsDialog() {
  const { t } = useTranslation(['shortcuts', 'common']);
  const close = useApp((s) => s.closeDialog);
  const isMac = navigator.platform.startsWith('Mac');
  return (
    <Dialog title={t('title')} onClose={close}>
      <table className="shortcut-table">
        <caption className="sr-only">{t('title')}</caption>
        <thead>
          <tr>
            <th scope="col">{t('keys')}</th>
            <th scope="col">{t('action')}</th>
          </tr>
        </thead>
        <tbody>
          {[...APP_SHORTCUTS, ...EDITING_KEYS].map((s) => (
            <tr key={s.id}>
              <td>
                <kbd>{formatKeys(s.keys, (name) => t(`keyNames.${name}`), isMac)}</kbd>
              </td>
              <td>{t(s.description)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </Dialog>
  );
}
