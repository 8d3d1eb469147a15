import { useEffect, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { GroupInfo } from '../../../node-core/api/contract.ts';
import { Dialog } from '../components/Dialog.tsx';
import { describeError } from '../components/errors.ts';
import { FieldError } from '../components/FieldError.tsx';
import { useApp } from '../state/store.ts';

/** The members with their roles; the admin adds, removes and renames; anyone else may leave. */
export function GroupDetailsDialog(props: { readonly groupId: string }) {
  const { t } = useTranslation(['people', 'messaging', 'common']);
  const client = useApp((s) => s.client)!;
  const close = useApp((s) => s.closeDialog);
  const identities = useApp((s) => s.identities);
  const [group, setGroup] = useState<GroupInfo | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    client.call('groups.get', { group_id: props.groupId }).then(setGroup, (err: unknown) => setError(describeError(err, t)));
  }, [client, props.groupId, t]);

  const admin = group !== null && identities.some((i) => i.id === group.admin);
  const run = async (action: () => Promise<GroupInfo>, announcement: string) => {
    setError(null);
    try {
      const now = await action();
      setGroup(now);
      useApp.getState().upsertGroup(now);
      useApp.getState().announce(announcement);
      return true;
    } catch (err) {
      setError(describeError(err, t));
      return false;
    }
  };

  return (
    <Dialog title={group ? t('members.title', { group: group.title }) : t('members.loading')} onClose={close} wide>
      <FieldError error={error} />
      {group && (
        <>
          {admin && <RenameForm group={group} run={run} />}
          <h3>{t('messaging:group.members', { count: group.members.length })}</h3>
          <ul className="member-list">
            {group.members.map((m) => (
              <li key={m.identity_key}>
                <span>{identities.some((i) => i.id === m.identity_key) ? t('messaging:group.you', { name: m.display_name }) : m.display_name}</span>
                <span className="chip">{m.identity_key === group.admin ? t('messaging:group.admin') : t('messaging:group.member')}</span>
                {admin && m.identity_key !== group.admin && (
                  <button
                    type="button"
                    className="link-button"
                    onClick={() => void run(() => client.call('groups.removeMember', { group_id: group.group_id, identity_key: m.identity_key }), t('messaging:group.removed', { name: m.display_name }))}
                    aria-label={t('members.remove', { name: m.display_name })}
                  >
                    {t('common:remove')}
                  </button>
                )}
              </li>
            ))}
          </ul>
          {admin && <AddMemberForm group={group} run={run} />}
          {!admin && !group.removed && (
            <button
              type="button"
              className="secondary danger"
              onClick={() =>
                void run(() => client.call('groups.leave', { group_id: group.group_id }), t('messaging:group.left', { group: group.title })).then((ok) => ok && close())
              }
            >
              {t('messaging:group.leave')}
            </button>
          )}
        </>
      )}
    </Dialog>
  );
}

type Run = (action: () => Promise<GroupInfo>, announcement: string) => Promise<boolean>;

function RenameForm(props: { readonly group: GroupInfo; readonly run: Run }) {
  const { t } = useTranslation('messaging');
  const client = useApp((s) => s.client)!;
  const [title, setTitle] = useState(props.group.title);
  const rename = (event: FormEvent) => {
    event.preventDefault();
    if (title.trim() && title.trim() !== props.group.title) void props.run(() => client.call('groups.rename', { group_id: props.group.group_id, title: title.trim() }), t('group.renamed', { group: title.trim() }));
  };
  return (
    <form onSubmit={rename} className="inline-form">
      <label htmlFor="group-title">{t('group.name')}</label>
      <input id="group-title" value={title} maxLength={100} onChange={(e) => setTitle(e.target.value)} />
      <button type="submit" className="secondary" disabled={!title.trim() || title.trim() === props.group.title}>
        {t('group.rename')}
      </button>
    </form>
  );
}

function AddMemberForm(props: { readonly group: GroupInfo; readonly run: Run }) {
  const { t } = useTranslation(['people', 'messaging']);
  const client = useApp((s) => s.client)!;
  const contacts = useApp((s) => s.contacts);
  const [add, setAdd] = useState('');
  const candidates = contacts.filter((c) => !props.group.members.some((m) => m.identity_key === c.identity_key));
  if (candidates.length === 0) return null;
  return (
    <form
      className="inline-form"
      onSubmit={(e) => {
        e.preventDefault();
        const name = candidates.find((c) => c.identity_key === add)?.display_name ?? '';
        if (add) void props.run(() => client.call('groups.addMembers', { group_id: props.group.group_id, members: [add] }), t('messaging:group.added', { name })).then(() => setAdd(''));
      }}
    >
      <label htmlFor="add-member">{t('members.add')}</label>
      <select id="add-member" value={add} onChange={(e) => setAdd(e.target.value)}>
        <option value="">{t('members.choose')}</option>
        {candidates.map((c) => (
          <option key={c.identity_key} value={c.identity_key}>
            {c.display_name}
          </option>
        ))}
      </select>
      <button type="submit" className="secondary" disabled={!add}>
        {t('members.addButton')}
      </button>
    </form>
  );
}
