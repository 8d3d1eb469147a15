import type { AttachmentService } from '../attachments/attachment-service.ts';
import type { AttachmentManifest, ChatUpdate } from '../delivery/payloads.ts';
import { ChatNotFoundError, MessageNotFoundError, NotAuthorError } from '../domain/errors.ts';
import type { Chat, ChatPage, Message, MessagePage, MessageRevision, PrivacySettings, SearchResult } from '../domain/model.ts';
import type {
  CreateChatInput,
  DeleteMessageInput,
  EditMessageInput,
  ListChatsInput,
  ListMessagesInput,
  ReactInput,
  SearchMessagesInput,
  SendMessageInput,
  TypingInput,
  UpdateChatInput,
} from '../domain/inputs.ts';
import type { EventBus } from '../events/event-bus.ts';
import type { Repositories, Store } from '../store/store.ts';
import { viewMessages } from './message-view.ts';

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
  delete(input: DeleteMessageInput): Promise<Message>;
  react(input: ReactInput): Promise<Message>;
  unreact(id: string): Promise<Message>;
  /** Earlier texts of an edited message, oldest first. */
  history(id: string): { message: Message; revisions: MessageRevision[] };
  updateChat(input: UpdateChatInput): Promise<Chat>;
  setTyping(input: TypingInput): Promise<{ sent: boolean }>;
  privacy(): PrivacySettings;
  updatePrivacy(change: Partial<PrivacySettings>): Promise<PrivacySettings>;
}

/** How messages leave this node: set for networked chats (direct, group). */
export interface Outbound {
  /** Queues a new message of ours (inside its transaction); returns what to do after commit. */
  queue(repos: Repositories, chat: Chat, message: Message, manifests: readonly AttachmentManifest[]): () => void;
  markRead(repos: Repositories, chat: Chat): () => void;
  /** Queues a reaction, edit, delete, timer or typing change for the chat's other side(s). */
  queueUpdate(repos: Repositories, chat: Chat, update: ChatUpdate): () => void;
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

/** What the messaging methods share: the init with its defaults filled in, and the lookups. */
export interface MessagingContext {
  readonly store: Store;
  readonly events: EventBus;
  readonly now: () => number;
  readonly newMessageId: () => string;
  readonly outbound: (chat: Chat) => Outbound | undefined;
  readonly attachments: AttachmentService | undefined;
  /** Messages as clients see them: attachments, reactions, quotes (message-view.ts). */
  view(messages: readonly Message[]): Message[];
}

export function messagingContext(init: MessagingServiceInit): MessagingContext {
  const { store, attachments } = init;
  return {
    store,
    events: init.events,
    now: init.now ?? Date.now,
    newMessageId: init.newMessageId ?? (() => crypto.randomUUID()),
    outbound: (chat) => init.outbound?.(chat),
    attachments,
    view: (messages) => viewMessages(store.repos, attachments, messages),
  };
}

export const viewOne = (context: MessagingContext, message: Message): Message => context.view([message])[0]!;

export function requireChat(repos: Repositories, chatId: string): Chat {
  const chat = repos.conversations.get(chatId);
  if (!chat) throw new ChatNotFoundError(`no chat with chat_id "${chatId}"`);
  return chat;
}

export function requireMessage(repos: Repositories, id: string): Message {
  const message = repos.messages.get(id);
  if (!message) throw new MessageNotFoundError(`no message with id ${id}`);
  return message;
}

/** Only the author of a message, speaking through one of this node's identities, may change it. */
export function requireOwnMessage(repos: Repositories, id: string): Message {
  const message = requireMessage(repos, id);
  if (!repos.identities.get(message.sender)) throw new NotAuthorError('only the author of a message can change it');
  return message;
}
