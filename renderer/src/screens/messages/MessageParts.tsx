import { useState, type KeyboardEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { Message, MessageQuote, Reaction } from '../../../../node-core/api/contract.ts';
import { Menu, type MenuItem } from '../../components/Menu.tsx';
import { editMessage, jumpTo, openMessagingDialog, react, setEditing, setReplyTo, unreact } from '../../state/messaging.ts';
import { useApp } from '../../state/store.ts';

/** Edits and deletes for everyone are open for 24 hours after sending, as in Signal. */
export const CHANGE_WINDOW_MS = 24 * 60 * 60 * 1000;
export const canChange = (message: Message, mine: boolean) => mine && message.deleted_at === null && Date.now() - message.sent_at < CHANGE_WINDOW_MS;

export type Names = ReadonlyMap<string, string>;

/** The answered message inside a reply: a button that jumps to it (or says why it cannot). */
export function QuoteBlock(props: { readonly quote: MessageQuote; readonly chatId: string; readonly names: Names }) {
  const { t } = useTranslation('messaging');
  const { quote } = props;
  if (!quote.found) return <p className="quote quote-missing">{t('quote.notFound')}</p>;
  const sender = props.names.get(quote.sender) ?? quote.sender.slice(0, 8);
  const text = quote.deleted ? t('quote.deleted') : quote.text || t('quote.attachments', { count: quote.attachments });
  return (
    <button type="button" className="quote" onClick={() => void jumpTo(props.chatId, quote.id)}>
      <span className="sr-only">{t('quote.before')} </span>
      <span className="quote-sender">{sender}</span>
      <span className={quote.deleted ? 'quote-text deleted' : 'quote-text'}>{text}</span>
      <span className="sr-only"> {t('quote.after')}</span>
    </button>
  );
}

/** Reaction counts as toggle buttons: pressed when one is yours (pressing again takes it back). */
export function ReactionBar(props: { readonly message: Message; readonly reactions: readonly Reaction[]; readonly names: Names; readonly me: ReadonlySet<string> }) {
  const { t } = useTranslation('messaging');
  return (
    <ul className="reactions" aria-label={t('reactions.label')}>
      {props.reactions.map((r) => {
        const mine = r.reactors.some((k) => props.me.has(k));
        const who = r.reactors.map((k) => (props.me.has(k) ? t('you') : (props.names.get(k) ?? k.slice(0, 8)))).join(', ');
        return (
          <li key={r.emoji}>
            <button
              type="button"
              className="reaction"
              aria-pressed={mine}
              title={who}
              onClick={() => void (mine ? unreact(props.message.id) : react(props.message.id, r.emoji))}
            >
              {r.emoji} {r.count}
              <span className="sr-only"> {t('reactions.who', { count: r.count, who })}</span>
            </button>
          </li>
        );
      })}
    </ul>
  );
}

/** The labelled actions menu of one message: reply, react, edit, delete, copy, info (and history once edited). */
export function MessageActions(props: { readonly message: Message; readonly mine: boolean; readonly senderName: string; readonly focusComposer: () => void }) {
  const { t } = useTranslation('messaging');
  const { message, mine } = props;
  const deleted = message.deleted_at !== null;
  const subject = { messageId: message.id, chatId: message.chat_id };
  const items: MenuItem[] = [
    {
      id: 'reply',
      label: t('actions.reply'),
      disabled: deleted,
      onSelect: () => {
        setReplyTo(message.chat_id, message);
        props.focusComposer();
      },
    },
    { id: 'react', label: t('actions.react'), disabled: deleted, onSelect: () => openMessagingDialog('react', subject) },
    { id: 'edit', label: t('actions.edit'), disabled: !canChange(message, mine) || message.text === '', onSelect: () => setEditing(message.id) },
    { id: 'history', label: t('actions.history'), disabled: message.edited_at === null || deleted, onSelect: () => openMessagingDialog('history', subject) },
    {
      id: 'copy',
      label: t('actions.copy'),
      disabled: deleted || message.text === '',
      onSelect: () =>
        void navigator.clipboard.writeText(message.text).then(
          () => useApp.getState().announce(t('announce.copied')),
          () => useApp.getState().announce(t('announce.copyFailed')),
        ),
    },
    { id: 'info', label: t('actions.info'), onSelect: () => openMessagingDialog('info', subject) },
    { id: 'delete', label: t('actions.delete'), onSelect: () => openMessagingDialog('delete', subject) },
  ];
  return (
    <Menu label={t('actions.label', { sender: props.senderName })} items={items} className="message-actions" buttonClassName="icon-button menu-button">
      <svg aria-hidden="true" focusable="false" width="18" height="18" viewBox="0 0 24 24" fill="currentColor">
        <circle cx="5" cy="12" r="2" />
        <circle cx="12" cy="12" r="2" />
        <circle cx="19" cy="12" r="2" />
      </svg>
    </Menu>
  );
}

/** Editing a message in place: Enter saves, Shift+Enter breaks the line, Escape cancels. */
export function InlineEditor(props: { readonly message: Message }) {
  const { t } = useTranslation('messaging');
  const [text, setText] = useState(props.message.text);
  const [busy, setBusy] = useState(false);
  const finish = () => {
    setEditing(null);
    // Back to the message's own actions button, where the edit started.
    setTimeout(() => document.querySelector<HTMLElement>(`[data-message-id="${props.message.id}"] .menu-button`)?.focus(), 0);
  };
  const save = async () => {
    if (busy || text.trim() === '') return;
    if (text === props.message.text) return finish();
    setBusy(true);
    const ok = await editMessage(props.message.id, text);
    setBusy(false);
    if (ok) finish();
  };
  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      void save();
    } else if (event.key === 'Escape') {
      event.preventDefault();
      event.stopPropagation();
      finish();
    }
  };
  const id = `edit-${props.message.id}`;
  return (
    <div className="inline-editor">
      <label htmlFor={id} className="sr-only">
        {t('edit.label')}
      </label>
      <textarea id={id} autoFocus value={text} rows={2} onChange={(e) => setText(e.target.value)} onKeyDown={onKeyDown} aria-describedby={`${id}-hint`} />
      <span id={`${id}-hint`} className="hint">
        {t('edit.hint')}
      </span>
      <div className="inline-editor-actions">
        <button type="button" className="secondary" onClick={finish}>
          {t('edit.cancel')}
        </button>
        <button type="button" className="primary" disabled={busy || text.trim() === ''} onClick={() => void save()}>
          {t('edit.save')}
        </button>
      </div>
    </div>
  );
}
