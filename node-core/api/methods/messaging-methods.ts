import type { MessagingService } from '../../messaging/messaging-service.ts';
import * as S from '../schemas.ts';
import { bind, rest, type SpecsOf } from './define.ts';

export const messagingSpecs = {
  'chats.list': { schema: S.listChats, rest: rest.get('/api/chats', 'query') },
  'chats.create': { schema: S.createChat, rest: rest.post('/api/chats', 'body', 201) },
  'chats.get': { schema: S.chatRef, rest: rest.get('/api/chats/:chat_id') },
  'chats.markRead': { schema: S.chatRef, rest: rest.post('/api/chats/:chat_id/read') },
  'messages.send': { schema: S.sendMessage, rest: rest.post('/api/messages/send', 'body', 201) },
  'messages.list': { schema: S.listMessages, rest: rest.get('/api/messages', 'query') },
  'messages.search': { schema: S.searchMessages, rest: rest.get('/api/messages/search', 'query') },
  'messages.get': { schema: S.messageRef, rest: rest.get('/api/messages/:id') },
  'messages.edit': { schema: S.editMessage, rest: rest.patch('/api/messages/:id', 'body') },
  'messages.delete': { schema: S.messageRef, rest: rest.delete('/api/messages/:id') },
} as const satisfies SpecsOf<
  'chats.list' | 'chats.get' | 'chats.create' | 'chats.markRead' | 'messages.send' | 'messages.list' | 'messages.get' | 'messages.search' | 'messages.edit' | 'messages.delete'
>;

export const messagingMethods = (messaging: MessagingService) =>
  bind(messagingSpecs, {
    'chats.list': (i) => messaging.listChats(i),
    'chats.get': (i) => messaging.getChat(i.chat_id),
    'chats.create': (i) => messaging.createChat(i),
    'chats.markRead': (i) => messaging.markRead(i.chat_id),
    'messages.send': (i) => messaging.send(i),
    'messages.list': (i) => messaging.list(i),
    'messages.get': (i) => messaging.get(i.id),
    'messages.search': (i) => messaging.search(i),
    'messages.edit': (i) => messaging.edit(i),
    'messages.delete': (i) => messaging.delete(i.id),
  });
