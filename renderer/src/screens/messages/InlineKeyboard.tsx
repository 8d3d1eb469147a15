import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Message } from '../../../../node-core/api/contract.ts';
import { Dialog } from '../../components/Dialog.tsx';
import { closeAnswerAlert, pressButton, usePresses } from '../../state/button-presses.ts';

type Button = NonNullable<Message['keyboard']>[number][number];

/** A link button: the address is shown and confirmed before the browser opens it (a bot chooses it). */
function LinkButton(props: { readonly button: Button & { readonly url: string } }) {
  const { t } = useTranslation('keyboards');
  const [confirming, setConfirming] = useState(false);
  const { button } = props;
  return (
    <>
      <a
        className="keyboard-button"
        href={button.url}
        target="_blank"
        rel="noopener noreferrer"
        aria-label={t('link', { text: button.text })}
        onClick={(e) => {
          e.preventDefault();
          setConfirming(true);
        }}
      >
        {button.text}
        <span aria-hidden="true"> ↗</span>
      </a>
      {confirming && (
        <Dialog title={t('confirmTitle')} onClose={() => setConfirming(false)}>
          <p>{t('confirmText')}</p>
          <p className="keyboard-url">{button.url}</p>
          <div className="dialog-actions">
            <button type="button" className="secondary" onClick={() => setConfirming(false)}>
              {t('cancel')}
            </button>
            <button
              type="button"
              className="primary"
              onClick={() => {
                // The same as the link's rel: the page gets no handle on this window, nor a referrer.
                window.open(button.url, '_blank', 'noopener,noreferrer');
                setConfirming(false);
              }}
            >
              {t('open')}
            </button>
          </div>
        </Dialog>
      )}
    </>
  );
}

/**
 * A bot's inline keyboard under its message: rows of real buttons. A press sends the button's
 * data to the bot and shows "waiting" until it answers (or a while passes); the answer's text is
 * announced and shown under the keyboard, or opens a dialog when the bot asks for an alert.
 */
export function InlineKeyboard(props: { readonly message: Message }) {
  const { t } = useTranslation('keyboards');
  const { message } = props;
  const pending = usePresses((s) => s.pending.get(message.id));
  const notice = usePresses((s) => s.notices.get(message.id));
  const alert = usePresses((s) => (s.alert?.message_id === message.id ? s.alert : null));
  const rows = message.keyboard ?? [];
  if (rows.length === 0) return null;
  return (
    <div className="inline-keyboard" role="group" aria-label={t('label')} aria-busy={pending ? true : undefined}>
      {rows.map((row, r) => (
        <div className="keyboard-row" key={r}>
          {row.map((button, b) =>
            button.url !== undefined ? (
              <LinkButton key={b} button={{ ...button, url: button.url }} />
            ) : (
              <button
                key={b}
                type="button"
                className="keyboard-button"
                aria-disabled={pending ? true : undefined}
                onClick={() => {
                  if (!pending && button.data !== undefined) void pressButton(message.id, button.data);
                }}
              >
                {button.text}
                {pending?.data === button.data && <span className="keyboard-pending"> {t('pending')}</span>}
              </button>
            ),
          )}
        </div>
      ))}
      {notice && <p className="keyboard-notice">{notice}</p>}
      {alert && (
        <Dialog title={t('alertTitle')} onClose={closeAnswerAlert}>
          <p>{alert.text}</p>
          <div className="dialog-actions">
            <button type="button" className="primary" onClick={closeAnswerAlert} autoFocus>
              {t('ok')}
            </button>
          </div>
        </Dialog>
      )}
    </div>
  );
}
