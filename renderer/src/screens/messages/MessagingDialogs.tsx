import { closeMessagingDialog, useMessaging } from '../../state/messaging.ts';
import { useApp } from '../../state/store.ts';
import { ArchivedDialog, DisappearingDialog, NewChatDialog } from './ChatDialogs.tsx';
import { DeleteDialog, HistoryDialog, InfoDialog, ReactDialog } from './MessageDialogs.tsx';
import { ChatSearchDialog } from './Search.tsx';

/** The messaging slice's dialogs (one at a time); a dialog whose message or chat is gone closes. */
export function MessagingDialogs() {
  const dialog = useMessaging((s) => s.dialog);
  const message = useApp((s) => (dialog?.chatId && dialog.messageId ? s.messages[dialog.chatId]?.items.find((m) => m.id === dialog.messageId) : undefined));
  const chat = useApp((s) => (dialog?.chatId ? s.chats.find((c) => c.chat_id === dialog.chatId) : undefined));
  if (!dialog) return null;
  if (dialog.messageId && !message) {
    queueMicrotask(closeMessagingDialog);
    return null;
  }
  switch (dialog.name) {
    case 'react':
      return <ReactDialog message={message!} />;
    case 'delete':
      return <DeleteDialog message={message!} />;
    case 'history':
      return <HistoryDialog message={message!} />;
    case 'info':
      return <InfoDialog message={message!} />;
    case 'disappearing':
      return chat ? <DisappearingDialog chat={chat} /> : null;
    case 'chatSearch':
      return chat ? <ChatSearchDialog chatId={chat.chat_id} title={chat.title} /> : null;
    case 'newChat':
      return <NewChatDialog />;
    case 'archived':
      return <ArchivedDialog />;
  }
}
