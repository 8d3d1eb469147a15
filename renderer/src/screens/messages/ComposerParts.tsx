import { useCallback, useEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import type { Message } from '../../../../node-core/api/contract.ts';
import { setReplyTo, updateChat, useMessaging } from '../../state/messaging.ts';
import { useApp } from '../../state/store.ts';

const DRAFT_DELAY_MS = 600;
const TYPING_REFRESH_MS = 3000;

/** The message being answered, above the composer, with a way to cancel the reply (Escape in the field too). */
export function ReplyPreview(props: { readonly message: Message; readonly names: ReadonlyMap<string, string> }) {
  const { t } = useTranslation('messaging');
  const { message } = props;
  const mine = useApp((s) => s.identities.some((i) => i.id === message.sender));
  const sender = mine ? t('you') : (props.names.get(message.sender) ?? message.sender.slice(0, 8));
  const text = message.text || t('quote.attachments', { count: message.attachments?.length ?? 0 });
  return (
    <div className="reply-preview" id="reply-preview">
      <p>
        <span className="sr-only">{t('reply.to', { sender })} </span>
        <span className="quote-sender" aria-hidden="true">
          {sender}
        </span>
        <span className="quote-text">{text}</span>
      </p>
      <button type="button" className="link-button" onClick={() => setReplyTo(message.chat_id, undefined)} aria-label={t('reply.cancelLabel', { sender })}>
        {t('reply.cancel')}
      </button>
    </div>
  );
}

export const useReplyTo = (chatId: string) => useMessaging((s) => s.replyTo[chatId]);

/**
 * Keeps the text of a chat's composer as its draft (saved a moment after typing stops, and when
 * leaving the chat), and tells the other side while we type: at most every 3 s, and "stopped"
 * once the text is cleared or sent.
 */
export function useDraftAndTyping(chatId: string, text: string) {
  const saved = useRef(useApp.getState().chats.find((c) => c.chat_id === chatId)?.draft ?? '');
  const latest = useRef(text);
  const lastTyping = useRef(0);
  // A restored draft is not typing: only a change from it is.
  const initial = useRef(text);
  useEffect(() => {
    latest.current = text;
  });

  const saveDraft = useCallback(() => {
    if (latest.current === saved.current) return;
    saved.current = latest.current;
    void updateChat({ chat_id: chatId, draft: latest.current });
  }, [chatId]);

  useEffect(() => {
    const timer = setTimeout(saveDraft, DRAFT_DELAY_MS);
    return () => clearTimeout(timer);
  }, [text, saveDraft]);
  useEffect(() => saveDraft, [saveDraft]);

  useEffect(() => {
    const client = useApp.getState().client;
    if (!client) return;
    const now = Date.now();
    if (text === initial.current && lastTyping.current === 0) return;
    if (text.trim() === '') {
      if (lastTyping.current > 0) {
        lastTyping.current = 0;
        void client.call('chats.typing', { chat_id: chatId, typing: false }).catch(() => undefined);
      }
    } else if (now - lastTyping.current > TYPING_REFRESH_MS) {
      lastTyping.current = now;
      void client.call('chats.typing', { chat_id: chatId, typing: true }).catch(() => undefined);
    }
  }, [text, chatId]);
}
