import { EditWindowClosedError, MessageDeletedError, MessageNotFoundError, NetworkDisabledError, NotAuthorError, ValidationError } from '../domain/errors.ts';
import type { Chat, Message } from '../domain/model.ts';
import type { Repositories } from '../store/store.ts';
import { parseMarkedSnippet, toFtsQuery } from './fts-query.ts';
import { afterAll, editMessage, eraseMessage, react, removeMessage, type ChangeDeps } from './message-changes.ts';
import { requireChat, requireMessage, requireOwnMessage, viewOne, type MessagingContext, type MessagingService, type Outbound } from './messaging-context.ts';
import { deleteRefusal, editRefusal, REFUSALS, type UpdateRefusal } from './update-rules.ts';

type MessageMethods = Pick<MessagingService, 'list' | 'get' | 'search' | 'edit' | 'delete' | 'react' | 'unreact' | 'history'>;

const isNetworked = (chat: Chat) => chat.kind === 'direct' || chat.kind === 'group';

function refusalError(refusal: UpdateRefusal): Error {
  if (refusal === 'not-author') return new NotAuthorError(REFUSALS[refusal]);
  if (refusal === 'deleted') return new MessageDeletedError(REFUSALS[refusal]);
  return new EditWindowClosedError(REFUSALS[refusal]);
}

/** Reading, searching, editing, deleting and reacting to stored messages. */
export function messageMethods(context: MessagingContext): MessageMethods {
  const { store } = context;
  const changes: ChangeDeps = { events: context.events, files: context.attachments };
  /** The chat's delivery when it has other members; a networked chat on a node without networking cannot change for them. */
  const outboundOf = (chat: Chat): Outbound | undefined => {
    if (!isNetworked(chat)) return undefined;
    const outbound = context.outbound(chat);
    if (!outbound) throw new NetworkDisabledError('this node has peer-to-peer networking switched off (server.p2p_enabled)');
    return outbound;
  };
  /** Runs a change in one transaction, then what it announces and sends. */
  const change = async (work: (repos: Repositories) => Changed): Promise<Message> => {
    const { message, after } = await store.write(work);
    after?.();
    return message;
  };
  const ops: Ops = { context, changes, outboundOf };

  return {
    list: (input) => listMessages(context, input),
    get: (id) => viewOne(context, requireMessage(store.repos, id)),
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

    edit: (input) => change((repos) => editOwn(ops, repos, input.id, input.text)),
    delete: (input) => change((repos) => (input.for === 'me' ? deleteHere(ops, repos, input.id) : deleteForEveryone(ops, repos, input.id))),
    react: (input) => change((repos) => reactTo(ops, repos, input.id, input.emoji)),
    unreact: (id) => change((repos) => reactTo(ops, repos, id, '')),

    history(id) {
      const message = requireMessage(store.repos, id);
      return { message: viewOne(context, message), revisions: store.repos.messages.revisions(message.seq) };
    },
  };
}

/** What the changes below share. */
interface Ops {
  readonly context: MessagingContext;
  readonly changes: ChangeDeps;
  readonly outboundOf: (chat: Chat) => Outbound | undefined;
}

type Changed = { message: Message; after?: () => void };

const current = (ops: Ops, repos: Repositories, seq: number) => viewOne(ops.context, repos.messages.getBySeq(seq)!);

function editOwn(ops: Ops, repos: Repositories, id: string, text: string): Changed {
  const message = requireOwnMessage(repos, id);
  if (message.deleted_at !== null) throw new MessageDeletedError('a deleted message cannot be edited');
  if (message.text === text) return { message: viewOne(ops.context, message) };
  const chat = requireChat(repos, message.chat_id);
  const at = Math.max(ops.context.now(), message.sent_at);
  const outbound = ops.outboundOf(chat);
  if (outbound) {
    const refusal = editRefusal(repos, message, { chatId: chat.chat_id, sender: message.sender, at });
    if (refusal) throw refusalError(refusal);
  }
  const shown = editMessage(repos, ops.changes, message, text, at);
  const sent = outbound?.queueUpdate(repos, chat, { k: 'edit', id: message.id, text, at });
  return { message: current(ops, repos, message.seq), after: afterAll([shown, sent]) };
}

/** Gone from this node only (any message): the row too. */
function deleteHere(ops: Ops, repos: Repositories, id: string): Changed {
  const message = requireMessage(repos, id);
  const chat = requireChat(repos, message.chat_id);
  const removed = viewOne(ops.context, message);
  return { message: removed, after: removeMessage(repos, ops.changes, message, chat.identity_id) };
}

function deleteForEveryone(ops: Ops, repos: Repositories, id: string): Changed {
  const message = requireOwnMessage(repos, id);
  if (message.deleted_at !== null) return { message: viewOne(ops.context, message) };
  const chat = requireChat(repos, message.chat_id);
  const at = Math.max(ops.context.now(), message.sent_at);
  const outbound = ops.outboundOf(chat);
  if (outbound) {
    const refusal = deleteRefusal(message, { chatId: chat.chat_id, sender: message.sender, at });
    if (refusal) throw refusalError(refusal);
    // Copies not sent yet never leave.
    repos.outbox.deleteForMessage(message.id);
  }
  const shown = eraseMessage(repos, ops.changes, message, at, chat.identity_id);
  const sent = outbound?.queueUpdate(repos, chat, { k: 'del', id: message.id, at });
  return { message: current(ops, repos, message.seq), after: afterAll([shown, sent]) };
}

/** Our identity's reaction in the message's chat; '' takes it back. */
function reactTo(ops: Ops, repos: Repositories, id: string, emoji: string): Changed {
  const { context, changes, outboundOf } = ops;
  const message = requireMessage(repos, id);
  if (message.deleted_at !== null) throw new MessageDeletedError('a deleted message cannot get reactions');
  const chat = requireChat(repos, message.chat_id);
  const outbound = outboundOf(chat);
  const at = context.now();
  const shown = react(repos, changes, { chatId: chat.chat_id, messageId: message.id, reactor: chat.identity_id, emoji, at });
  const sent = outbound?.queueUpdate(repos, chat, { k: 'react', id: message.id, e: emoji, at });
  return { message: viewOne(context, repos.messages.getBySeq(message.seq)!), after: afterAll([shown, sent]) };
}

function listMessages(context: MessagingContext, input: Parameters<MessagingService['list']>[0]) {
  const repos = context.store.repos;
  requireChat(repos, input.chat_id);
  let messages: Message[];
  if (input.around !== undefined) {
    const target = repos.messages.get(input.around);
    if (!target || target.chat_id !== input.chat_id) throw new MessageNotFoundError(`no message ${input.around} in chat "${input.chat_id}"`);
    messages = repos.messages.pageAround(input.chat_id, target.seq, input.limit);
  } else {
    messages =
      input.after !== undefined ? repos.messages.pageAfter(input.chat_id, input.limit, input.after) : repos.messages.pageBefore(input.chat_id, input.limit, input.before);
  }
  // Bounds of what this page covers, also when it is empty, so both cursors are exact.
  const low = messages[0]?.seq ?? (input.after !== undefined ? input.after + 1 : (input.before ?? Number.MAX_SAFE_INTEGER));
  const high = messages.at(-1)?.seq ?? input.after ?? (input.before !== undefined ? input.before - 1 : 0);
  return {
    messages: context.view(messages),
    next_before: repos.messages.hasBefore(input.chat_id, low) ? low : null,
    next_after: repos.messages.hasAfter(input.chat_id, high) ? high : null,
  };
}
