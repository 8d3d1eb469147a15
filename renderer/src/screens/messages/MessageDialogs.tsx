import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Message, MessageRevision } from '../../../../node-core/api/contract.ts';
import { Dialog } from '../../components/Dialog.tsx';
import { describeError } from '../../components/errors.ts';
import { FieldError } from '../../components/FieldError.tsx';
import { formatTime } from '../../i18n/index.ts';
import { closeMessagingDialog, deleteMessage, react, unreact } from '../../state/messaging.ts';
import { useApp } from '../../state/store.ts';
import { canChange } from './MessageParts.tsx';

/** The quick reactions, as in Signal; each is named for screen readers in the UI's language. */
export const QUICK_REACTIONS = [
  { emoji: '👍', name: 'thumbsUp' },
  { emoji: '❤️', name: 'heart' },
  { emoji: '😂', name: 'laugh' },
  { emoji: '😮', name: 'surprised' },
  { emoji: '😢', name: 'sad' },
  { emoji: '🙏', name: 'thanks' },
] as const;

const useMine = (message: Message) => useApp((s) => s.identities.some((i) => i.id === message.sender));

export function ReactDialog(props: { readonly message: Message }) {
  const { t } = useTranslation('messaging');
  const { message } = props;
  const identities = useApp((s) => s.identities);
  const current = message.reactions?.find((r) => r.reactors.some((k) => identities.some((i) => i.id === k)))?.emoji;
  const choose = (emoji: string) => {
    closeMessagingDialog();
    void (emoji === current ? unreact(message.id) : react(message.id, emoji));
  };
  return (
    <Dialog title={t('react.title')} onClose={closeMessagingDialog}>
      <div className="reaction-picker" role="group" aria-label={t('react.choices')}>
        {QUICK_REACTIONS.map((r) => (
          <button key={r.emoji} type="button" className="reaction-choice" aria-pressed={current === r.emoji} aria-label={t(`react.names.${r.name}`)} onClick={() => choose(r.emoji)}>
            <span aria-hidden="true">{r.emoji}</span>
          </button>
        ))}
      </div>
      {current && (
        <button
          type="button"
          className="secondary"
          onClick={() => {
            closeMessagingDialog();
            void unreact(message.id);
          }}
        >
          {t('react.remove', { emoji: current })}
        </button>
      )}
    </Dialog>
  );
}

export function DeleteDialog(props: { readonly message: Message }) {
  const { t } = useTranslation('messaging');
  const { message } = props;
  const forEveryone = canChange(message, useMine(message));
  const run = (scope: 'everyone' | 'me') => {
    closeMessagingDialog();
    void deleteMessage(message, scope);
  };
  return (
    <Dialog title={t('delete.title')} onClose={closeMessagingDialog}>
      <p>{forEveryone ? t('delete.explainBoth') : t('delete.explainMe')}</p>
      <div className="dialog-actions">
        <button type="button" className="secondary" onClick={closeMessagingDialog}>
          {t('delete.cancel')}
        </button>
        <button type="button" className="secondary danger" onClick={() => run('me')}>
          {t('delete.forMe')}
        </button>
        {forEveryone && (
          <button type="button" className="primary danger" onClick={() => run('everyone')}>
            {t('delete.forEveryone')}
          </button>
        )}
      </div>
    </Dialog>
  );
}

export function HistoryDialog(props: { readonly message: Message }) {
  const { t, i18n } = useTranslation('messaging');
  const client = useApp((s) => s.client)!;
  const [revisions, setRevisions] = useState<readonly MessageRevision[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    client.call('messages.history', { id: props.message.id }).then((r) => setRevisions(r.revisions), (err: unknown) => setError(describeError(err, t)));
  }, [client, props.message.id, t]);
  return (
    <Dialog title={t('history.title')} onClose={closeMessagingDialog}>
      <FieldError error={error} />
      <h3>{t('history.now')}</h3>
      <p className="history-text">{props.message.text}</p>
      {revisions && revisions.length > 0 && (
        <>
          <h3>{t('history.earlier')}</h3>
          <ol className="history-list">
            {[...revisions].reverse().map((r) => (
              <li key={r.replaced_at}>
                <p className="history-text">{r.text}</p>
                <p className="hint">{t('history.replacedAt', { time: formatTime(r.replaced_at, i18n.language) })}</p>
              </li>
            ))}
          </ol>
        </>
      )}
    </Dialog>
  );
}

export function InfoDialog(props: { readonly message: Message }) {
  const { t, i18n } = useTranslation(['messaging', 'chat']);
  const { message } = props;
  const time = (ms: number | null) => (ms === null ? '—' : formatTime(ms, i18n.language));
  const rows: Array<[string, string]> = [
    [t('info.sent'), time(message.sent_at)],
    [t('info.received'), time(message.received_at)],
    [t('info.status'), t(`chat:status.${message.status}`)],
    [t('info.edited'), time(message.edited_at)],
    [t('info.expires'), time(message.expires_at)],
    [t('info.id'), message.id],
  ];
  return (
    <Dialog title={t('info.title')} onClose={closeMessagingDialog}>
      <dl className="figures message-info">
        {rows.map(([label, value]) => (
          <div key={label}>
            <dt>{label}</dt>
            <dd>{value}</dd>
          </div>
        ))}
      </dl>
    </Dialog>
  );
}
