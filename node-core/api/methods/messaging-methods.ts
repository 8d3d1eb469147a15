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
  'messages.delete': { schema: S.deleteMessage, rest: rest.delete('/api/messages/:id', 'query') },
  'messages.react': { schema: S.react, rest: rest.post('/api/messages/:id/reactions', 'body') },
  'messages.unreact': { schema: S.messageRef, rest: rest.delete('/api/messages/:id/reactions') },
  'messages.history': { schema: S.messageRef, rest: rest.get('/api/messages/:id/history') },
  'chats.update': { schema: S.updateChat, rest: rest.patch('/api/chats/:chat_id', 'body') },
  'chats.typing': { schema: S.setTyping, rest: rest.post('/api/chats/:chat_id/typing', 'body') },
  'settings.get': { schema: S.empty, rest: rest.get('/api/settings') },
  'settings.update': { schema: S.updateSettings, rest: rest.patch('/api/settings', 'body') },
} as const satisfies SpecsOf<
  | 'chats.list'
  | 'chats.get'
  | 'chats.create'
  | 'chats.markRead'
  | 'chats.update'
  | 'chats.typing'
  | 'messages.send'
  | 'messages.list'
  | 'messages.get'
  | 'messages.search'
  | 'messages.edit'
  | 'messages.delete'
  | 'messages.react'
  | 'messages.unreact'
  | 'messages.history'
  | 'settings.get'
  | 'settings.update'
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
    'messages.delete': (i) => messaging.delete(i),
    'messages.react': (i) => messaging.react(i),
    'messages.unreact': (i) => messaging.unreact(i.id),
    'messages.history': (i) => messaging.history(i.id),
    'chats.update': (i) => messaging.updateChat(i),
    'chats.typing': (i) => messaging.setTyping(i),
    'settings.get': () => messaging.privacy(),
    'settings.update': (i) => messaging.updatePrivacy(i),
  });
