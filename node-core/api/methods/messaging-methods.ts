import type { MessagingService } from '../../messaging/messaging-service.ts';
import * as S from '../schemas.ts';
import { define, type MethodsOf } from './define.ts';

export const messagingMethods = (messaging: MessagingService) =>
  ({
    'chats.list': define(S.listChats, (i) => messaging.listChats(i)),
    'chats.get': define(S.chatRef, (i) => messaging.getChat(i.chat_id)),
    'chats.create': define(S.createChat, (i) => messaging.createChat(i)),
    'chats.markRead': define(S.chatRef, (i) => messaging.markRead(i.chat_id)),
    'messages.send': define(S.sendMessage, (i) => messaging.send(i)),
    'messages.list': define(S.listMessages, (i) => messaging.list(i)),
    'messages.get': define(S.messageRef, (i) => messaging.get(i.id)),
    'messages.search': define(S.searchMessages, (i) => messaging.search(i)),
    'messages.edit': define(S.editMessage, (i) => messaging.edit(i)),
    'messages.delete': define(S.messageRef, (i) => messaging.delete(i.id)),
  }) satisfies MethodsOf<
    'chats.list' | 'chats.get' | 'chats.create' | 'chats.markRead' | 'messages.send' | 'messages.list' | 'messages.get' | 'messages.search' | 'messages.edit' | 'messages.delete'
  >;
