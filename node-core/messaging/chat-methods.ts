import { bytesToHex, randomBytes } from '@noble/hashes/utils.js';
import { ChatExistsError, IdentityNotFoundError, NoIdentityError, ValidationError } from '../domain/errors.ts';
import type { Chat } from '../domain/model.ts';
import type { Repositories } from '../store/store.ts';
import type { ConversationCursor } from '../store/repositories/conversations.ts';
import type { CreateChatInput } from '../domain/inputs.ts';
import { requireChat, type MessagingContext, type MessagingService } from './messaging-context.ts';

type ChatMethods = Pick<MessagingService, 'createChat' | 'listChats' | 'getChat' | 'markRead'>;

const encodeCursor = (c: ConversationCursor) => Buffer.from(JSON.stringify([c.activity_at, c.id])).toString('base64url');

function decodeCursor(cursor: string): ConversationCursor {
  try {
    const [activity_at, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString()) as unknown[];
    if (typeof activity_at === 'number' && typeof id === 'string') return { activity_at, id };
  } catch {
    // fall through to the error below
  }
  throw new ValidationError('cursor: not a cursor this node handed out');
}

function insertChat(repos: Repositories, input: CreateChatInput, now: number): Chat {
  const identity = input.identity_id ? repos.identities.get(input.identity_id) : repos.identities.getDefault();
  if (!identity) {
    if (input.identity_id) throw new IdentityNotFoundError(`no local identity with id ${input.identity_id}`);
    throw new NoIdentityError('create an identity first (POST /api/identities)');
  }
  const chatId = input.chat_id ?? `c-${bytesToHex(randomBytes(8))}`;
  if (repos.conversations.exists(chatId)) throw new ChatExistsError(`a chat with chat_id "${chatId}" already exists`);
  const title = input.title ?? (input.kind === 'self' ? repos.profiles.get(identity.id)?.display_name ?? identity.username : chatId);
  repos.conversations.insert({ id: chatId, kind: input.kind, title, identity_id: identity.id, created_at: now });
  return requireChat(repos, chatId);
}

export function chatMethods(context: MessagingContext): ChatMethods {
  const { store, events } = context;
  return {
    async createChat(input) {
      const chat = await store.write((repos) => insertChat(repos, input, context.now()));
      events.emit('chat.created', chat);
      return chat;
    },

    listChats(input) {
      const archived = input.archived ?? false;
      const after = input.cursor === undefined ? undefined : decodeCursor(input.cursor);
      // Pinned chats lead the first page (there are at most MAX_PINNED_CHATS); pages go on through the rest.
      const pinned = after ? [] : store.repos.conversations.pinned(archived);
      const rows = store.repos.conversations.list(input.limit + 1, archived, after);
      const more = rows.length > input.limit;
      const page = more ? rows.slice(0, input.limit) : rows;
      return {
        chats: [...pinned, ...page.map(({ cursor: _cursor, ...chat }) => chat)],
        next_cursor: more ? encodeCursor(page[page.length - 1]!.cursor) : null,
      };
    },

    getChat: (chatId) => requireChat(store.repos, chatId),

    async markRead(chatId) {
      const { chat, after } = await store.write((repos) => {
        const current = requireChat(repos, chatId);
        repos.conversations.markRead(chatId);
        const after = context.outbound(current)?.markRead(repos, current);
        return { chat: requireChat(repos, chatId), after };
      });
      after?.();
      events.emit('chat.updated', chat);
      return chat;
    },
  };
}
