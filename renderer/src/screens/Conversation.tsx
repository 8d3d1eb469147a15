import { useVirtualizer } from '@tanstack/react-virtual';
import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { loadNewer, useMessaging } from '../state/messaging.ts';
import { useApp } from '../state/store.ts';
import { Composer, pendingFiles, type PendingFile } from './Composer.tsx';
import { MessageItem } from './MessageItem.tsx';
import { ConversationHeader, dayLabel, firstUnreadOf, sameDay, TypingIndicator } from './messages/ConversationParts.tsx';

const EMPTY: never[] = [];
const focusComposer = () => document.getElementById('composer-input')?.focus();

/** Who is who in a chat: display names by identity key, our own keys and usernames. */
function usePeople() {
  const identities = useApp((s) => s.identities);
  const contacts = useApp((s) => s.contacts);
  return useMemo(() => {
    const names = new Map<string, string>();
    for (const c of contacts) names.set(c.identity_key, c.display_name);
    for (const i of identities) names.set(i.id, i.profile.display_name);
    return { names, mine: new Set(identities.map((i) => i.id)), usernames: identities.map((i) => i.username.toLowerCase()) };
  }, [contacts, identities]);
}

/**
 * One chat: a virtualized message list (only what is on screen is in the DOM, so 100,000
 * messages scroll as smoothly as 10) with day separators and an unread separator, older pages
 * loaded when scrolling up (newer ones too after a jump back in history), and the composer.
 */
export function Conversation(props: { readonly chatId: string }) {
  const { t, i18n } = useTranslation(['chat', 'common', 'messaging']);
  const { chatId } = props;
  const chat = useApp((s) => s.chats.find((c) => c.chat_id === chatId));
  const entry = useApp((s) => s.messages[chatId]);
  const items = entry?.items ?? EMPTY;
  const loadOlder = useApp((s) => s.loadOlder);
  const client = useApp((s) => s.client);
  const editing = useMessaging((s) => s.editing);
  const target = useMessaging((s) => s.target);
  const newerLeft = useMessaging((s) => (s.nextAfter[chatId] ?? null) !== null);
  const { names, mine, usernames } = usePeople();
  const scrollRef = useRef<HTMLDivElement>(null);
  const [dropping, setDropping] = useState(false);
  const [files, setFiles] = useState<readonly PendingFile[]>([]);
  const atBottom = useRef(true);
  const previous = useRef({ first: undefined as string | undefined, count: 0 });
  // The unread count as the chat was opened (opening marks it read), and where those messages start.
  const [unreadAtOpen] = useState(() => chat?.unread_count ?? 0);
  const [firstUnread, setFirstUnread] = useState<string | null>(null);
  useEffect(() => {
    if (firstUnread === null && items.length > 0) setFirstUnread(firstUnreadOf(items, unreadAtOpen, mine));
  }, [firstUnread, items, unreadAtOpen, mine]);

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

  // Keep the view anchored: at the bottom for new messages, on the same message when older ones load above.
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

  /** Scrolls a message into view and moves focus to it (a jump's target, the first unread). */
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
    [items, virtualizer],
  );
  useEffect(() => {
    if (!target || target.chatId !== chatId || !items.some((m) => m.id === target.id)) return;
    useMessaging.setState({ target: null });
    reveal(target.id);
  }, [target, chatId, items, reveal]);

  useEffect(() => {
    atBottom.current = true;
    previous.current = { first: undefined, count: 0 };
    // The desktop app does not notify about the chat on screen.
    window.dchat?.setFocusedChat(chatId);
    return () => window.dchat?.setFocusedChat(null);
  }, [chatId]);

  const onScroll = useCallback(() => {
    const el = scrollRef.current;
    if (!el) return;
    atBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < 80 && !newerLeft;
    if (el.scrollTop < 300 && entry?.nextBefore !== null) void loadOlder(chatId);
    if (newerLeft && el.scrollHeight - el.scrollTop - el.clientHeight < 300) void loadNewer(chatId);
  }, [chatId, entry?.nextBefore, loadOlder, newerLeft]);

  if (!chat) return <p className="empty">{t('conversation.none')}</p>;

  return (
    <section
      className={dropping ? 'conversation dropping' : 'conversation'}
      aria-labelledby="conversation-title"
      onDragOver={(e) => {
        e.preventDefault();
        setDropping(true);
      }}
      onDragLeave={() => setDropping(false)}
      onDrop={(e) => {
        e.preventDefault();
        setDropping(false);
        const dropped = pendingFiles(Array.from(e.dataTransfer.files));
        setFiles((current) => [...current, ...dropped]);
      }}
    >
      <ConversationHeader chat={chat} />
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
              <li
                key={row.key}
                data-index={row.index}
                ref={virtualizer.measureElement}
                className="message-row"
                style={{ transform: `translateY(${row.start}px)` }}
                aria-setsize={items.length}
                aria-posinset={row.index + 1}
              >
                {(!before || !sameDay(before.sent_at, message.sent_at)) && <h2 className="day-separator">{dayLabel(message.sent_at, i18n.language, (k) => t(`messaging:${k}`))}</h2>}
                {message.id === firstUnread && <p className="unread-separator">{t('messaging:unread.separator', { count: unreadAtOpen })}</p>}
                <MessageItem
                  message={message}
                  mine={mine.has(message.sender)}
                  senderName={names.get(message.sender) ?? message.sender.slice(0, 8)}
                  client={client}
                  names={names}
                  me={mine}
                  ownUsernames={usernames}
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
      <TypingIndicator chatId={chatId} names={names} />
      <Composer chatId={chatId} files={files} setFiles={setFiles} names={names} />
    </section>
  );
}
