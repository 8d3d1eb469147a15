import { useVirtualizer } from '@tanstack/react-virtual';
import { useCallback, useEffect, useLayoutEffect, useRef, useState, type RefObject } from 'react';
import { useTranslation } from 'react-i18next';
import type { Message } from '../../../../node-core/api/contract.ts';
import { loadNewer, useMessaging } from '../../state/messaging.ts';
import { useApp } from '../../state/store.ts';
import { MessageItem } from '../MessageItem.tsx';
import { dayLabel, firstUnreadOf, sameDay } from './ConversationParts.tsx';

const focusComposer = () => document.getElementById('composer-input')?.focus();

export interface People {
  readonly names: ReadonlyMap<string, string>;
  readonly mine: ReadonlySet<string>;
  readonly usernames: readonly string[];
}

/**
 * The virtualizer, kept anchored: at the bottom for new messages, on the same message when older
 * ones load above; and `reveal`, which scrolls a message into view and gives it focus (a jump's
 * target, the first unread), following the messaging slice's jump target.
 */
function useAnchoredList(chatId: string, items: readonly Message[], scrollRef: RefObject<HTMLDivElement | null>, olderLeft: boolean, newerLeft: boolean) {
  const loadOlder = useApp((s) => s.loadOlder);
  const atBottom = useRef(true);
  const previous = useRef({ first: undefined as string | undefined, count: 0 });
  const virtualizer = useVirtualizer({
    count: items.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => 64,
    overscan: 8,
    getItemKey: (index) => items[index]!.id,
    // Row measurements are applied once per frame and rendered in React's batches, not one
    // synchronous render per measured row (which made jumps through long chats drop frames).
    useAnimationFrameWithResizeObserver: true,
    useFlushSync: false,
  });
  useLayoutEffect(() => {
    const first = items[0]?.id;
    const { first: previousFirst, count: previousCount } = previous.current;
    if (previousFirst && first !== previousFirst && items.length > previousCount && items[items.length - previousCount]?.id === previousFirst) {
      virtualizer.scrollToIndex(items.length - previousCount, { align: 'start' });
    } else if (atBottom.current && items.length > 0) {
      virtualizer.scrollToIndex(items.length - 1, { align: 'end' });
    }
    previous.current = { first, count: items.length };
  }, [items, virtualizer]);
  useEffect(() => {
    atBottom.current = true;
    previous.current = { first: undefined, count: 0 };
    // The desktop app does not notify about the chat on screen.
    window.dchat?.setFocusedChat(chatId);
    return () => window.dchat?.setFocusedChat(null);
  }, [chatId]);
  const target = useMessaging((s) => s.target);
  const reveal = useCallback(
    (id: string) => {
      const index = items.findIndex((m) => m.id === id);
      if (index < 0) return;
      atBottom.current = false;
      virtualizer.scrollToIndex(index, { align: 'center' });
      let tries = 0;
      const focus = () => {
        const el = scrollRef.current?.querySelector<HTMLElement>(`[data-message-id="${id}"]`);
        if (el) {
          el.focus();
          el.classList.add('targeted');
          setTimeout(() => el.classList.remove('targeted'), 2000);
        } else if (tries++ < 20) requestAnimationFrame(focus);
      };
      requestAnimationFrame(focus);
    },
    [items, virtualizer, scrollRef],
  );
  useEffect(() => {
    if (!target || target.chatId !== chatId || !items.some((m) => m.id === target.id)) return;
    useMessaging.setState({ target: null });
    reveal(target.id);
  }, [target, chatId, items, reveal]);
  const onScroll = useCallback(() => {
    const el = scrollRef.current;
    if (!el) return;
    const fromBottom = el.scrollHeight - el.scrollTop - el.clientHeight;
    atBottom.current = fromBottom < 80 && !newerLeft;
    if (el.scrollTop < 300 && olderLeft) void loadOlder(chatId);
    if (newerLeft && fromBottom < 300) void loadNewer(chatId);
  }, [chatId, olderLeft, loadOlder, newerLeft, scrollRef]);
  return { virtualizer, reveal, onScroll };
}

/**
 * The messages of one chat, virtualized (only what is on screen is in the DOM, so 100,000
 * messages scroll as smoothly as 10), with day separators and the unread separator; older pages
 * load when scrolling up, newer ones too after a jump back in history.
 */
export function MessageList(props: { readonly chatId: string; readonly unreadAtOpen: number; readonly people: People }) {
  const { t, i18n } = useTranslation(['chat', 'messaging']);
  const { chatId, unreadAtOpen, people } = props;
  const entry = useApp((s) => s.messages[chatId]);
  const items = entry?.items ?? (EMPTY as readonly Message[]);
  const client = useApp((s) => s.client);
  const editing = useMessaging((s) => s.editing);
  const newerLeft = useMessaging((s) => (s.nextAfter[chatId] ?? null) !== null);
  const scrollRef = useRef<HTMLDivElement>(null);
  const { virtualizer, reveal, onScroll } = useAnchoredList(chatId, items, scrollRef, entry !== undefined && entry.nextBefore !== null, newerLeft);
  // Where the unread messages start, found once the first page is here (and kept as new ones arrive).
  const [firstUnread, setFirstUnread] = useState<string | null | undefined>(undefined);
  if (firstUnread === undefined && items.length > 0) setFirstUnread(firstUnreadOf(items, unreadAtOpen, people.mine));

  return (
    <>
      {firstUnread && (
        <div className="unread-bar">
          <button type="button" className="link-button" onClick={() => reveal(firstUnread)}>
            {t('messaging:unread.jump', { count: unreadAtOpen })}
          </button>
        </div>
      )}
      <div className="message-scroller" ref={scrollRef} onScroll={onScroll} tabIndex={0} aria-label={t('conversation.messages')} role="region">
        {entry?.loadingOlder && <p className="loading">{t('conversation.loadingOlder')}</p>}
        {items.length === 0 && entry && <p className="empty">{t('conversation.empty')}</p>}
        <ol className="message-list" style={{ height: virtualizer.getTotalSize() }} aria-label={t('conversation.messages')}>
          {virtualizer.getVirtualItems().map((row) => {
            const message = items[row.index]!;
            const before = items[row.index - 1];
            return (
              <li key={row.key} data-index={row.index} ref={virtualizer.measureElement} className="message-row" style={{ transform: `translateY(${row.start}px)` }} aria-setsize={items.length} aria-posinset={row.index + 1}>
                {(!before || !sameDay(before.sent_at, message.sent_at)) && <h2 className="day-separator">{dayLabel(message.sent_at, i18n.language, (k) => t(`messaging:${k}`))}</h2>}
                {message.id === firstUnread && <p className="unread-separator">{t('messaging:unread.separator', { count: unreadAtOpen })}</p>}
                <MessageItem
                  message={message}
                  mine={people.mine.has(message.sender)}
                  senderName={people.names.get(message.sender) ?? message.sender.slice(0, 8)}
                  client={client}
                  names={people.names}
                  me={people.mine}
                  ownUsernames={people.usernames}
                  editing={editing === message.id}
                  focusComposer={focusComposer}
                />
              </li>
            );
          })}
        </ol>
      </div>
      {newerLeft && (
        <div className="unread-bar">
          <button type="button" className="link-button" onClick={() => void loadNewer(chatId)}>
            {t('messaging:newer')}
          </button>
        </div>
      )}
    </>
  );
}
const EMPTY: never[] = [];
