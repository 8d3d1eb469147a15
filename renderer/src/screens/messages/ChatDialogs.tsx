import { useEffect, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { Chat } from '../../../../node-core/api/contract.ts';
import { Dialog } from '../../components/Dialog.tsx';
import { describeError } from '../../components/errors.ts';
import { FieldError } from '../../components/FieldError.tsx';
import { closeMessagingDialog, updateChat } from '../../state/messaging.ts';
import { useApp } from '../../state/store.ts';
import { DISAPPEARING_PRESETS, formatTimer } from './ChatMenu.tsx';

/** The disappearing-messages timer: Signal's presets, as radio buttons. */
export function DisappearingDialog(props: { readonly chat: Chat }) {
  const { t, i18n } = useTranslation('messaging');
  const [seconds, setSeconds] = useState<number>(props.chat.disappearing_seconds);
  const presets: readonly number[] = DISAPPEARING_PRESETS.includes(props.chat.disappearing_seconds as never) ? DISAPPEARING_PRESETS : [...DISAPPEARING_PRESETS, props.chat.disappearing_seconds];
  const save = async (event: FormEvent) => {
    event.preventDefault();
    const label = seconds === 0 ? t('disappearing.off') : formatTimer(seconds, i18n.language);
    if (await updateChat({ chat_id: props.chat.chat_id, disappearing_seconds: seconds }, t('announce.timer', { time: label }))) closeMessagingDialog();
  };
  return (
    <Dialog title={t('disappearing.title')} onClose={closeMessagingDialog}>
      <form onSubmit={(e) => void save(e)}>
        <fieldset>
          <legend>{t('disappearing.legend')}</legend>
          <p className="hint">{t('disappearing.hint')}</p>
          {presets.map((p) => (
            <div key={p} className="radio-row">
              <input id={`timer-${p}`} type="radio" name="timer" checked={seconds === p} onChange={() => setSeconds(p)} />
              <label htmlFor={`timer-${p}`}>{p === 0 ? t('disappearing.off') : formatTimer(p, i18n.language)}</label>
            </div>
          ))}
        </fieldset>
        <button type="submit" className="primary">
          {t('disappearing.save')}
        </button>
      </form>
    </Dialog>
  );
}

/** A local chat: a channel (kind channel) or notes to self (kind self). */
export function NewChatDialog() {
  const { t } = useTranslation('messaging');
  const client = useApp((s) => s.client)!;
  const [title, setTitle] = useState('');
  const [kind, setKind] = useState<'channel' | 'self'>('channel');
  const [error, setError] = useState<string | null>(null);
  const create = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    try {
      const chat = await client.call('chats.create', { kind, ...(title.trim() ? { title: title.trim() } : {}) });
      useApp.getState().upsertChat(chat);
      closeMessagingDialog();
      await useApp.getState().openChat(chat.chat_id);
      useApp.getState().announce(t('announce.created', { chat: chat.title }));
    } catch (err) {
      setError(describeError(err, t));
    }
  };
  return (
    <Dialog title={t('newChat.title')} onClose={closeMessagingDialog}>
      <form onSubmit={(e) => void create(e)}>
        <fieldset>
          <legend>{t('newChat.kind')}</legend>
          {(['channel', 'self'] as const).map((k) => (
            <div key={k} className="radio-row">
              <input id={`new-chat-${k}`} type="radio" name="new-chat-kind" checked={kind === k} onChange={() => setKind(k)} />
              <label htmlFor={`new-chat-${k}`}>{t(`newChat.kinds.${k}`)}</label>
            </div>
          ))}
        </fieldset>
        <label htmlFor="new-chat-title">{t('newChat.name')}</label>
        <input id="new-chat-title" value={title} maxLength={100} onChange={(e) => setTitle(e.target.value)} />
        <FieldError error={error} />
        <button type="submit" className="primary">
          {t('newChat.create')}
        </button>
      </form>
    </Dialog>
  );
}

/** The archived chats: open one, or take it back to the chat list. */
export function ArchivedDialog() {
  const { t } = useTranslation('messaging');
  const client = useApp((s) => s.client)!;
  const [chats, setChats] = useState<readonly Chat[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    client.call('chats.list', { archived: true, limit: 1000 }).then((page) => setChats(page.chats), (err: unknown) => setError(describeError(err, t)));
  }, [client, t]);
  const open = (chat: Chat) => {
    closeMessagingDialog();
    useApp.getState().upsertChat(chat);
    void useApp.getState().openChat(chat.chat_id);
  };
  const unarchive = async (chat: Chat) => {
    const now = await updateChat({ chat_id: chat.chat_id, archived: false }, t('announce.unarchived'));
    if (now) setChats((list) => list?.filter((c) => c.chat_id !== chat.chat_id) ?? null);
  };
  return (
    <Dialog title={t('archived.title')} onClose={closeMessagingDialog}>
      <FieldError error={error} />
      {chats?.length === 0 && <p className="empty">{t('archived.empty')}</p>}
      <ul className="archived-list">
        {chats?.map((chat) => (
          <li key={chat.chat_id}>
            <span className="chat-title">{chat.title}</span>
            <button type="button" className="secondary" onClick={() => open(chat)} aria-label={t('archived.openLabel', { chat: chat.title })}>
              {t('archived.open')}
            </button>
            <button type="button" className="secondary" onClick={() => void unarchive(chat)} aria-label={t('archived.unarchiveLabel', { chat: chat.title })}>
              {t('archived.unarchive')}
            </button>
          </li>
        ))}
      </ul>
    </Dialog>
  );
}
