import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useApp } from '../state/store.ts';
import { Composer, pendingFiles, type PendingFile } from './Composer.tsx';
import { ConversationHeader, TypingIndicator } from './messages/ConversationParts.tsx';
import { KeyChangeNotices } from './messages/KeyChangeNotices.tsx';
import { MessageList, type People } from './messages/MessageList.tsx';

/** Who is who in a chat: display names by identity key, our own keys and usernames. */
function usePeople(): People {
  const identities = useApp((s) => s.identities);
  const contacts = useApp((s) => s.contacts);
  return useMemo(() => {
    const names = new Map<string, string>();
    for (const c of contacts) names.set(c.identity_key, c.display_name);
    for (const i of identities) names.set(i.id, i.profile.display_name);
    return { names, mine: new Set(identities.map((i) => i.id)), usernames: identities.map((i) => i.username.toLowerCase()) };
  }, [contacts, identities]);
}

/** One chat: its header, the message list, who is typing, and the composer (files may be dropped anywhere on it). */
export function Conversation(props: { readonly chatId: string }) {
  const { t } = useTranslation('chat');
  const { chatId } = props;
  const chat = useApp((s) => s.chats.find((c) => c.chat_id === chatId));
  const people = usePeople();
  const [dropping, setDropping] = useState(false);
  const [files, setFiles] = useState<readonly PendingFile[]>([]);
  // The unread count as the chat was opened (opening marks it read): where the unread separator goes.
  const [unreadAtOpen] = useState(() => chat?.unread_count ?? 0);

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
      {chat.kind === 'direct' && <KeyChangeNotices chatId={chatId} />}
      <MessageList chatId={chatId} unreadAtOpen={unreadAtOpen} people={people} />
      <TypingIndicator chatId={chatId} names={people.names} />
      <Composer chatId={chatId} files={files} setFiles={setFiles} names={people.names} />
    </section>
  );
}
