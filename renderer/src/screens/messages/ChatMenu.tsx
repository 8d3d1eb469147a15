import { useTranslation } from 'react-i18next';
import type { Chat } from '../../../../node-core/api/contract.ts';
import { Menu, type MenuItem } from '../../components/Menu.tsx';
import { formatTime } from '../../i18n/index.ts';
import { openMessagingDialog, updateChat } from '../../state/messaging.ts';

/** `muted_until` for "always" (the API's MUTED_FOREVER). */
export const MUTED_FOREVER = Number.MAX_SAFE_INTEGER;
const HOUR = 3600_000;

/** Mutes a chat for a while (null: always). */
function mute(chatId: string, ms: number | null, announcement: string) {
  void updateChat({ chat_id: chatId, muted_until: ms === null ? MUTED_FOREVER : Date.now() + ms }, announcement);
}
/** The mute choices, as in Signal. */
export const MUTE_CHOICES = [
  { id: 'hour', ms: HOUR },
  { id: 'eightHours', ms: 8 * HOUR },
  { id: 'week', ms: 7 * 24 * HOUR },
  { id: 'always', ms: null },
] as const;

/** Signal's timer presets, in seconds (0 = off). */
export const DISAPPEARING_PRESETS = [0, 30, 300, 3600, 8 * 3600, 86400, 7 * 86400, 28 * 86400] as const;

/** A timer as people say it: "30 seconds", "1 hour", "4 weeks" (through Intl, in the UI's language). */
export function formatTimer(seconds: number, language: string): string {
  const units = [
    ['week', 7 * 86400],
    ['day', 86400],
    ['hour', 3600],
    ['minute', 60],
    ['second', 1],
  ] as const;
  const [unit, size] = units.find(([, size]) => seconds % size === 0 && seconds >= size) ?? units[4];
  return new Intl.NumberFormat(language, { style: 'unit', unit, unitDisplay: 'long' }).format(seconds / size);
}

/** What the chat's mute is, for the header and the chat list. */
export function describeMute(chat: Chat, language: string, t: (key: string, options?: Record<string, unknown>) => string): string | null {
  if (!chat.muted || chat.muted_until === null) return null;
  return chat.muted_until >= MUTED_FOREVER ? t('mute.always') : t('mute.until', { time: formatTime(chat.muted_until, language) });
}

/** The conversation's menu: search in it, the disappearing timer, mute, pin, archive. */
export function ChatMenu(props: { readonly chat: Chat }) {
  const { t } = useTranslation('messaging');
  const { chat } = props;
  const id = chat.chat_id;
  const items: MenuItem[] = [
    { id: 'search', label: t('chatMenu.search'), onSelect: () => openMessagingDialog('chatSearch', { chatId: id }) },
    { id: 'disappearing', label: t('chatMenu.disappearing'), onSelect: () => openMessagingDialog('disappearing', { chatId: id }) },
    ...MUTE_CHOICES.map((c) => ({ id: `mute-${c.id}`, label: t(`chatMenu.mute.${c.id}`), onSelect: () => mute(id, c.ms, t('announce.muted')) })),
    { id: 'unmute', label: t('chatMenu.unmute'), disabled: !chat.muted, onSelect: () => void updateChat({ chat_id: id, muted_until: null }, t('announce.unmuted')) },
    {
      id: 'pin',
      label: chat.pinned ? t('chatMenu.unpin') : t('chatMenu.pin'),
      onSelect: () => void updateChat({ chat_id: id, pinned: !chat.pinned }, chat.pinned ? t('announce.unpinned') : t('announce.pinned')),
    },
    {
      id: 'archive',
      label: chat.archived ? t('chatMenu.unarchive') : t('chatMenu.archive'),
      onSelect: () => void updateChat({ chat_id: id, archived: !chat.archived }, chat.archived ? t('announce.unarchived') : t('announce.archived', { chat: chat.title })),
    },
  ];
  return (
    <Menu label={t('chatMenu.label', { chat: chat.title })} items={items} className="chat-menu">
      {t('chatMenu.button')}
    </Menu>
  );
}
