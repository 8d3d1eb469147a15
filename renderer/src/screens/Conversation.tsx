import { useVirtualizer } from '@tanstack/react-virtual';
import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useApp } from '../state/store.ts';
import { Composer, pendingFiles, type PendingFile } from './Composer.tsx';
import { MessageItem } from './MessageItem.tsx';

const EMPTY: never[] = [];

/**
 * One chat: a virtualized message list (only what is on screen is in the DOM, so 100,000
 * messages scroll as smoothly as 10), older pages loaded when scrolling up, and the composer.
 */
export function Conversation(props: { readonly chatId: string }) {
  const { t } = useTranslation(['chat', 'common']);
  const { chatId } = props;
  const chat = useApp((s) => s.chats.find((c) => c.chat_id === chatId));
  const entry = useApp((s) => s.messages[chatId]);
  const items = entry?.items ?? EMPTY;
  const loadOlder = useApp((s) => s.loadOlder);
  const openDialog = useApp((s) => s.openDialog);
  const identities = useApp((s) => s.identities);
  const contacts = useApp((s) => s.contacts);
  const client = useApp((s) => s.client);
  const scrollRef = useRef<HTMLDivElement>(null);
  const [dropping, setDropping] = useState(false);
  const [files, setFiles] = useState<readonly PendingFile[]>([]);
  const atBottom = useRef(true);
  const previous = useRef({ first: undefined as string | undefined, count: 0 });

  const names = useMemo(() => {
    const map = new Map<string, string>();
    for (const c of contacts) map.set(c.identity_key, c.display_name);
    for (const i of identities) map.set(i.id, i.profile.display_name);
    return map;
  }, [contacts, identities]);
  const mine = useMemo(() => new Set(identities.map((i) => i.id)), [identities]);

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
    if (previousFirst && first !== previousFirst && items.length > previousCount) {
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

  const onScroll = useCallback(() => {
    const el = scrollRef.current;
    if (!el) return;
    atBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < 80;
    if (el.scrollTop < 300 && entry?.nextBefore !== null) void loadOlder(chatId);
  }, [chatId, entry?.nextBefore, loadOlder]);

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
      <div className="message-scroller" ref={scrollRef} onScroll={onScroll} tabIndex={0} aria-label={t('conversation.messages')} role="region">
        {entry?.loadingOlder && <p className="loading">{t('conversation.loadingOlder')}</p>}
        {items.length === 0 && entry && <p className="empty">{t('conversation.empty')}</p>}
        <ol className="message-list" style={{ height: virtualizer.getTotalSize() }} aria-label={t('conversation.messages')}>
          {virtualizer.getVirtualItems().map((row) => {
            const message = items[row.index]!;
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
                <MessageItem message={message} mine={mine.has(message.sender)} senderName={names.get(message.sender) ?? message.sender.slice(0, 8)} client={client} />
              </li>
            );
          })}
        </ol>
      </div>
      <Composer chatId={chatId} files={files} setFiles={setFiles} />
    </section>
  );
}
