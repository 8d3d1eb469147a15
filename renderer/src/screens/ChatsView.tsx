import { useEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import { useShallow } from 'zustand/react/shallow';
import { focusIfShown, isSinglePane } from '../layout.ts';
import { selectVisibleChats, useApp } from '../state/store.ts';
import { Conversation } from './Conversation.tsx';
import { ArchivedButton, ChatRow, NewChatButton } from './messages/ChatRow.tsx';
import { MessageSearchResults } from './messages/Search.tsx';

/**
 * The chat list and the open conversation: side by side where there is room, one at a time in the
 * single-pane layout (narrow windows, browser zoom), with a back button from the conversation to
 * the list. Both panes are inside one main landmark, so the page keeps it whichever pane shows.
 */
export function ChatsView() {
  const { t } = useTranslation(['chat', 'common']);
  const chats = useApp((s) => s.chats);
  const visible = useApp(useShallow(selectVisibleChats));
  const filter = useApp((s) => s.chatFilter);
  const setFilter = useApp((s) => s.setFilter);
  const currentChatId = useApp((s) => s.currentChatId);
  const openChat = useApp((s) => s.openChat);
  const openDialog = useApp((s) => s.openDialog);
  const chatPane = useApp((s) => s.chatPane);
  const setChatPane = useApp((s) => s.setChatPane);
  const pane = currentChatId ? chatPane : 'list';
  const backButton = useRef<HTMLButtonElement>(null);
  const shownPane = useRef(pane);

  // In the single-pane layout a pane switch hides what had focus: move it into the pane now shown
  // (the back button in a conversation, the chat one came from in the list).
  useEffect(() => {
    if (shownPane.current === pane) return;
    shownPane.current = pane;
    if (!isSinglePane()) return;
    // Unless a shortcut already put focus there (Alt+M in the message field, Ctrl+K in the search).
    if (document.querySelector(pane === 'conversation' ? '.conversation-pane' : '.chat-list-pane')?.contains(document.activeElement)) return;
    if (pane === 'conversation') focusIfShown(backButton.current);
    else if (!focusIfShown(document.querySelector<HTMLElement>(`[data-chat-id="${currentChatId}"]`))) focusIfShown(document.getElementById('chat-search'));
  }, [pane, currentChatId]);

  return (
    <main className="chats-layout" id="main" tabIndex={-1} data-pane={pane}>
      <section className="chat-list-pane" aria-labelledby="chat-list-title">
        <div className="pane-header">
          <h1 id="chat-list-title">{t('list.title')}</h1>
          <div className="pane-actions">
            <button type="button" className="secondary" onClick={() => openDialog('addContact')} aria-keyshortcuts="Alt+N">
              {t('list.addContact')}
            </button>
            <button type="button" className="secondary" onClick={() => openDialog('newGroup')}>
              {t('list.newGroup')}
            </button>
            <NewChatButton />
          </div>
        </div>
        <div className="search">
          <label htmlFor="chat-search" className="sr-only">
            {t('list.search')}
          </label>
          <input id="chat-search" type="search" placeholder={t('list.search')} value={filter} onChange={(e) => setFilter(e.target.value)} aria-keyshortcuts="Control+K" />
        </div>
        {visible.length === 0 ? (
          <p className="empty">{chats.length === 0 ? t('list.empty') : t('list.noMatch')}</p>
        ) : (
          <ul className="chat-list" aria-label={t('list.title')}>
            {visible.map((chat) => (
              <li key={chat.chat_id}>
                <ChatRow chat={chat} current={chat.chat_id === currentChatId} onOpen={() => void openChat(chat.chat_id)} />
              </li>
            ))}
          </ul>
        )}
        <MessageSearchResults query={filter} />
        <ArchivedButton />
      </section>
      <div className="conversation-pane">
        {currentChatId && (
          <div className="pane-back">
            <button ref={backButton} type="button" className="secondary back-button" onClick={() => setChatPane('list')}>
              <svg aria-hidden="true" focusable="false" className="back-arrow" width="16" height="16" viewBox="0 0 16 16" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round">
                <path d="M14 8H2M7 3L2 8l5 5" />
              </svg>
              {t('list.back')}
            </button>
          </div>
        )}
        {currentChatId ? <Conversation key={currentChatId} chatId={currentChatId} /> : <p className="empty">{t('conversation.none')}</p>}
      </div>
    </main>
  );
}
