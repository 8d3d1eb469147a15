import { useTranslation } from 'react-i18next';
import { useShallow } from 'zustand/react/shallow';
import { selectVisibleChats, useApp } from '../state/store.ts';
import { Conversation } from './Conversation.tsx';
import { ArchivedButton, ChatRow, NewChatButton } from './messages/ChatRow.tsx';
import { MessageSearchResults } from './messages/Search.tsx';

export function ChatsView() {
  const { t } = useTranslation(['chat', 'common']);
  const chats = useApp((s) => s.chats);
  const visible = useApp(useShallow(selectVisibleChats));
  const filter = useApp((s) => s.chatFilter);
  const setFilter = useApp((s) => s.setFilter);
  const currentChatId = useApp((s) => s.currentChatId);
  const openChat = useApp((s) => s.openChat);
  const openDialog = useApp((s) => s.openDialog);

  return (
    <div className="chats-layout">
      <aside className="chat-list-pane" aria-labelledby="chat-list-title">
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
      </aside>
      <main className="conversation-pane" id="main" tabIndex={-1}>
        {currentChatId ? <Conversation key={currentChatId} chatId={currentChatId} /> : <p className="empty">{t('conversation.none')}</p>}
      </main>
    </div>
  );
}
