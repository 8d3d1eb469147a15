import { randomBytes, bytesToHex } from '@noble/hashes/utils.js';
import type { Chat, ChatPage, Message, MessagePage, SearchResult } from '../domain/model.ts';
import {
  ChatExistsError,
  ChatNotFoundError,
  IdentityNotFoundError,
  MessageDeletedError,
  MessageIdConflictError,
  MessageNotFoundError,
  NoIdentityError,
  NotAuthorError,
  ValidationError,
} from '../domain/errors.ts';
import type { CreateChatInput, EditMessageInput, ListChatsInput, ListMessagesInput, SearchMessagesInput, SendMessageInput } from '../domain/inputs.ts';
import type { EventBus } from '../events/event-bus.ts';
import type { ConversationCursor } from '../store/repositories/conversations.ts';
import type { Repositories, Store } from '../store/store.ts';
import { parseMarkedSnippet, toFtsQuery } from './fts-query.ts';
import type { AttachmentService } from '../attachments/attachment-service.ts';
import type { AttachmentManifest } from '../delivery/payloads.ts';
import { NetworkDisabledError } from '../domain/errors.ts';

export interface MessagingService {
  createChat(input: CreateChatInput): Promise<Chat>;
  listChats(input: ListChatsInput): ChatPage;
  getChat(chatId: string): Chat;
  markRead(chatId: string): Promise<Chat>;
  send(input: SendMessageInput): Promise<Message>;
  list(input: ListMessagesInput): MessagePage;
  get(id: string): Message;
  search(input: SearchMessagesInput): SearchResult;
  edit(input: EditMessageInput): Promise<Message>;
  delete(id: string): Promise<Message>;
}

/** How messages leave this node: set for networked chats (direct, group). */
export interface Outbound {
  /** Queues a new message of ours (inside its transaction); returns what to do after commit. */
  queue(repos: Repositories, chat: Chat, message: Message, manifests: readonly AttachmentManifest[]): () => void;
  markRead(repos: Repositories, chat: Chat): () => void;
}

export interface MessagingServiceInit {
  readonly store: Store;
  readonly events: EventBus;
  readonly now?: () => number;
  readonly newMessageId?: () => string;
  /** Delivery for direct and group chats; without it they cannot send. */
  readonly outbound?: (chat: Chat) => Outbound | undefined;
  readonly attachments?: AttachmentService;
}

export function createMessagingService(init: MessagingServiceInit): MessagingService {
  const { store, events } = init;
  const now = init.now ?? Date.now;
  const newMessageId = init.newMessageId ?? (() => crypto.randomUUID());

  const requireChat = (repos: Repositories, chatId: string): Chat => {
    const chat = repos.conversations.get(chatId);
    if (!chat) throw new ChatNotFoundError(`no chat with chat_id "${chatId}"`);
    return chat;
  };

  const requireMessage = (repos: Repositories, id: string): Message => {
    const message = repos.messages.get(id);
    if (!message) throw new MessageNotFoundError(`no message with id ${id}`);
    return message;
  };

  /** Only the author of a message, speaking through one of this node's identities, may change it. */
  const requireOwnMessage = (repos: Repositories, id: string): Message => {
    const message = requireMessage(repos, id);
    if (!repos.identities.get(message.sender)) throw new NotAuthorError('only the author of a message can change it');
    return message;
  };

  /** Adds attachment details to messages that have any (one query per page). */
  const withAttachmentsAll = (messages: Message[]): Message[] => (init.attachments ? init.attachments.withAttachments(store.repos, messages) : messages);
  const withAttachments = (message: Message): Message => withAttachmentsAll([message])[0]!;

  const encodeCursor = (c: ConversationCursor) => Buffer.from(JSON.stringify([c.activity_at, c.id])).toString('base64url');
  const decodeCursor = (cursor: string): ConversationCursor => {
    try {
      const [activity_at, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString()) as unknown[];
      if (typeof activity_at === 'number' && typeof id === 'string') return { activity_at, id };
    } catch {
      // fall through to the error below
    }
    throw new ValidationError('cursor: not a cursor this node handed out');
  };

  return {
    async createChat(input) {
      const chat = await store.write((repos) => {
        const identity = input.identity_id ? repos.identities.get(input.identity_id) : repos.identities.getDefault();
        if (!identity) {
          if (input.identity_id) throw new IdentityNotFoundError(`no local identity with id ${input.identity_id}`);
          throw new NoIdentityError('create an identity first (POST /api/identities)');
        }
        const chatId = input.chat_id ?? `c-${bytesToHex(randomBytes(8))}`;
        if (repos.conversations.exists(chatId)) throw new ChatExistsError(`a chat with chat_id "${chatId}" already exists`);
        const title = input.title ?? (input.kind === 'self' ? repos.profiles.get(identity.id)?.display_name ?? identity.username : chatId);
        repos.conversations.insert({ id: chatId, kind: input.kind, title, identity_id: identity.id, created_at: now() });
        return requireChat(repos, chatId);
      });
      events.emit('chat.created', chat);
      return chat;
    },

    listChats(input) {
      const after = input.cursor === undefined ? undefined : decodeCursor(input.cursor);
      const rows = store.repos.conversations.list(input.limit + 1, after);
      const more = rows.length > input.limit;
      const page = more ? rows.slice(0, input.limit) : rows;
      return {
        chats: page.map(({ cursor: _cursor, ...chat }) => chat),
        next_cursor: more ? encodeCursor(page[page.length - 1]!.cursor) : null,
      };
    },

    getChat: (chatId) => requireChat(store.repos, chatId),

    async markRead(chatId) {
      const { chat, after } = await store.write((repos) => {
        const current = requireChat(repos, chatId);
        repos.conversations.markRead(chatId);
        const after = init.outbound?.(current)?.markRead(repos, current);
        return { chat: requireChat(repos, chatId), after };
      });
      after?.();
      events.emit('chat.updated', chat);
      return chat;
    },

    async send(input) {
      const chatBefore = requireChat(store.repos, input.chat_id);
      const networked = chatBefore.kind === 'direct' || chatBefore.kind === 'group';
      const outbound = networked ? init.outbound?.(chatBefore) : undefined;
      if (networked && !outbound) throw new NetworkDisabledError('this node has peer-to-peer networking switched off (server.p2p_enabled)');
      if (input.id) {
        const existing = store.repos.messages.get(input.id);
        if (existing) {
          if (existing.chat_id === input.chat_id && existing.text === input.text) return withAttachments(existing);
          throw new MessageIdConflictError(`message id ${input.id} is already used by a different message`);
        }
      }
      if (input.attachments.length > 0 && !init.attachments) throw new ValidationError('attachments: this node cannot store attachments');
      // Encrypting attachments takes time: done before the transaction, which stays short.
      const manifests = input.attachments.length > 0 ? await init.attachments!.seal(input.attachments) : [];
      let created = false;
      let after: (() => void) | undefined;
      const message = await store.write((repos): Message => {
        const chat = requireChat(repos, input.chat_id);
        if (input.id) {
          const existing = repos.messages.get(input.id);
          if (existing) {
            if (existing.chat_id === chat.chat_id && existing.text === input.text) return existing;
            throw new MessageIdConflictError(`message id ${input.id} is already used by a different message`);
          }
        }
        const at = now();
        const row = {
          id: input.id ?? newMessageId(),
          chat_id: chat.chat_id,
          sender: chat.identity_id,
          text: input.text,
          sent_at: at,
          received_at: at,
          // Self and channel chats have no remote members: the message is complete once stored.
          status: outbound ? ('pending' as const) : ('local' as const),
          envelope_hash: null,
        };
        const seq = repos.messages.insert(row);
        repos.conversations.recordMessage(chat.chat_id, seq, at, 0);
        init.attachments?.bind(repos, manifests, row.id, !outbound);
        const stored: Message = { ...row, seq, edited_at: null, deleted_at: null };
        after = outbound?.queue(repos, chat, stored, manifests);
        created = true;
        return stored;
      });
      const full = withAttachments(message);
      if (created) {
        events.emit('message.created', full);
        after?.();
      }
      return full;
    },

    list(input) {
      const repos = store.repos;
      requireChat(repos, input.chat_id);
      const messages =
        input.after !== undefined
          ? repos.messages.pageAfter(input.chat_id, input.limit, input.after)
          : repos.messages.pageBefore(input.chat_id, input.limit, input.before);
      // Bounds of what this page covers, also when it is empty, so both cursors are exact.
      const low = messages[0]?.seq ?? (input.after !== undefined ? input.after + 1 : (input.before ?? Number.MAX_SAFE_INTEGER));
      const high = messages.at(-1)?.seq ?? input.after ?? (input.before !== undefined ? input.before - 1 : 0);
      return {
        messages: withAttachmentsAll(messages),
        next_before: repos.messages.hasBefore(input.chat_id, low) ? low : null,
        next_after: repos.messages.hasAfter(input.chat_id, high) ? high : null,
      };
    },

    get: (id) => withAttachments(requireMessage(store.repos, id)),

    search(input) {
      const query = toFtsQuery(input.q, { prefix: input.prefix });
      if (!query) throw new ValidationError('q: the search has no words to look for');
      if (input.chat_id) requireChat(store.repos, input.chat_id);
      const hits = store.repos.messages.search(query, input.limit + 1, { chatId: input.chat_id, before: input.before });
      const more = hits.length > input.limit;
      const page = more ? hits.slice(0, input.limit) : hits;
      return {
        results: page.map((hit) => ({ message: hit.message, ...parseMarkedSnippet(hit.marked_snippet) })),
        next_before: more ? page[page.length - 1]!.message.seq : null,
      };
    },

    async edit(input) {
      const message = await store.write((repos) => {
        const current = requireOwnMessage(repos, input.id);
        if (current.deleted_at !== null) throw new MessageDeletedError('a deleted message cannot be edited');
        if (current.text === input.text) return current;
        repos.messages.editText(current.seq, input.text, Math.max(now(), current.sent_at));
        return repos.messages.getBySeq(current.seq)!;
      });
      events.emit('message.updated', message);
      return message;
    },

    async delete(id) {
      const message = await store.write((repos) => {
        const current = requireOwnMessage(repos, id);
        if (current.deleted_at !== null) return current;
        repos.messages.markDeleted(current.seq, now());
        return repos.messages.getBySeq(current.seq)!;
      });
      events.emit('message.updated', message);
      return message;
    },
  };
}
