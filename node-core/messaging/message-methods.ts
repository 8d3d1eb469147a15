import { MessageDeletedError, ValidationError } from '../domain/errors.ts';
import { parseMarkedSnippet, toFtsQuery } from './fts-query.ts';
import { requireChat, requireMessage, requireOwnMessage, withAttachmentsOne, type MessagingContext, type MessagingService } from './messaging-context.ts';

type MessageMethods = Pick<MessagingService, 'list' | 'get' | 'search' | 'edit' | 'delete'>;

/** Reading, searching, editing and deleting stored messages. */
export function messageMethods(context: MessagingContext): MessageMethods {
  const { store, events, now } = context;
  return {
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
        messages: context.withAttachments(messages),
        next_before: repos.messages.hasBefore(input.chat_id, low) ? low : null,
        next_after: repos.messages.hasAfter(input.chat_id, high) ? high : null,
      };
    },

    get: (id) => withAttachmentsOne(context, requireMessage(store.repos, id)),

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
