import { useTranslation } from 'react-i18next';
import type { Chat } from '../../../../node-core/api/contract.ts';
import { formatTime } from '../../i18n/index.ts';
import { openMessagingDialog } from '../../state/messaging.ts';
import { useApp } from '../../state/store.ts';

/** A chat list row: title, pin and mute, the last message (or the draft) and its time, unread count. */
export function ChatRow(props: { readonly chat: Chat; readonly current: boolean; readonly onOpen: () => void }) {
  const { t, i18n } = useTranslation(['chat', 'messaging']);
  const { chat } = props;
  const sender = useApp((s) => {
    const last = chat.last_message;
    if (!last) return null;
    if (s.identities.some((i) => i.id === last.sender)) return t('messaging:you');
    return chat.kind === 'group' ? (s.contacts.find((c) => c.identity_key === last.sender)?.display_name ?? null) : null;
  });
  const last = chat.last_message;
  const preview = chat.draft ? t('messaging:row.draft', { text: chat.draft }) : last ? (last.deleted ? t('messaging:row.deleted') : last.text) : '';
  const at = last?.at ?? chat.last_message_at;
  return (
    <button type="button" className="chat-item" aria-current={props.current ? 'true' : undefined} onClick={props.onOpen} data-chat-id={chat.chat_id}>
      <span className="chat-title">
        {chat.pinned && (
          <span className="row-icon" title={t('messaging:row.pinned')}>
            <span aria-hidden="true">📌</span>
            <span className="sr-only">{t('messaging:row.pinned')}</span>
          </span>
        )}
        {chat.title}
        {chat.muted && (
          <span className="row-icon" title={t('messaging:row.muted')}>
            <span aria-hidden="true">🔕</span>
            <span className="sr-only">{t('messaging:row.muted')}</span>
          </span>
        )}
      </span>
      <span className="chat-meta">
        <span className="chat-kind">{t(`kind.${chat.kind}`)}</span>
        {at !== null && <time dateTime={new Date(at).toISOString()}>{formatTime(at, i18n.language)}</time>}
      </span>
      {preview && (
        <span className={chat.draft ? 'chat-preview draft' : 'chat-preview'}>
          {sender && !chat.draft ? `${sender}: ` : ''}
          {preview}
        </span>
      )}
      {chat.unread_count > 0 && (
        <span className="badge">
          <span aria-hidden="true">{chat.unread_count}</span>
          <span className="sr-only">{t('list.unread', { count: chat.unread_count })}</span>
        </span>
      )}
    </button>
  );
}

/** The chat list's own actions: a local channel or note to self, and the archived chats. */
export function NewChatButton() {
  const { t } = useTranslation('messaging');
  return (
    <button type="button" className="secondary" onClick={() => openMessagingDialog('newChat')}>
      {t('newChat.button')}
    </button>
  );
}
export function ArchivedButton() {
  const { t } = useTranslation('messaging');
  return (
    <button type="button" className="link-button archived-button" onClick={() => openMessagingDialog('archived')}>
      {t('archived.button')}
    </button>
  );
}
