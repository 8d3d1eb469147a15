import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Chat, Message } from '../../../../node-core/api/contract.ts';
import { useMessaging } from '../../state/messaging.ts';
import { useApp } from '../../state/store.ts';
import { ChatMenu, describeMute, formatTimer } from './ChatMenu.tsx';

const dayFormats = new Map<string, Intl.DateTimeFormat>();
/** "Today", "Yesterday", or the date in full. */
export function dayLabel(ms: number, language: string, t: (key: string) => string): string {
  const day = new Date(ms).toDateString();
  if (day === new Date().toDateString()) return t('day.today');
  if (day === new Date(Date.now() - 86400_000).toDateString()) return t('day.yesterday');
  let format = dayFormats.get(language);
  if (!format) dayFormats.set(language, (format = new Intl.DateTimeFormat(language, { dateStyle: 'full' })));
  return format.format(ms);
}
export const sameDay = (a: number, b: number) => new Date(a).toDateString() === new Date(b).toDateString();

/** The header: title, kind, timer and mute state, the people in it, search and the chat's menu. */
export function ConversationHeader(props: { readonly chat: Chat }) {
  const { t, i18n } = useTranslation(['chat', 'messaging']);
  const { chat } = props;
  const openDialog = useApp((s) => s.openDialog);
  const muted = describeMute(chat, i18n.language, (k, o) => t(`messaging:${k}`, o ?? {}));
  return (
    <div className="conversation-top">
      <div className="conversation-header">
        <h1 id="conversation-title">{chat.title}</h1>
        <span className="chat-kind">{t(`kind.${chat.kind}`)}</span>
        {chat.kind === 'direct' && chat.peer_identity && (
          <button type="button" className="secondary" onClick={() => openDialog('safetyNumber', chat.peer_identity!)}>
            {t('conversation.safetyNumber')}
          </button>
        )}
        {chat.kind === 'group' && chat.group_id && (
          <button type="button" className="secondary" onClick={() => openDialog('groupMembers', chat.group_id!)}>
            {t('conversation.members')}
          </button>
        )}
      </div>
      <div className="conversation-toolbar">
        {chat.disappearing_seconds > 0 && (
          <span className="chip timer-chip">
            <span aria-hidden="true">⏱ </span>
            {t('messaging:disappearing.chip', { time: formatTimer(chat.disappearing_seconds, i18n.language) })}
          </span>
        )}
        {muted && <span className="chip">{muted}</span>}
        <ChatMenu chat={chat} />
      </div>
    </div>
  );
}

/** "Bob is typing…" while someone types (each indicator fades 5 s after its last refresh). */
export function TypingIndicator(props: { readonly chatId: string; readonly names: ReadonlyMap<string, string> }) {
  const { t } = useTranslation('messaging');
  const typing = useMessaging((s) => s.typing[props.chatId]);
  const [now, setNow] = useState(() => Date.now());
  const active = Object.entries(typing ?? {}).filter(([, until]) => until > now);
  useEffect(() => {
    if (active.length === 0) return;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [active.length]);
  const who = active.map(([k]) => props.names.get(k) ?? k.slice(0, 8));
  return <p className="typing">{who.length > 0 ? t('typing', { count: who.length, names: who.join(', ') }) : ''}</p>;
}

/** The message where the unread ones start, as the chat was when opened; null when all were read. */
export function firstUnreadOf(items: readonly Message[], unread: number, mine: ReadonlySet<string>): string | null {
  if (unread <= 0) return null;
  let left = unread;
  for (let i = items.length - 1; i >= 0; i--) {
    if (mine.has(items[i]!.sender)) continue;
    if (--left === 0) return items[i]!.id;
  }
  return items[0]?.id ?? null;
}
