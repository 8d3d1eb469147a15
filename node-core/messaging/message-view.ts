import type { MarketRef, Message, MessageQuote } from '../domain/model.ts';
import type { Repositories } from '../store/store.ts';

/** What a message view needs of the attachment service. */
export interface AttachmentsView {
  withAttachments(repos: Repositories, messages: readonly Message[]): Message[];
}

const QUOTE_CHARS = 200;

function quoteOf(repos: Repositories, message: Message): MessageQuote | null {
  if (!message.reply_to) return null;
  const original = repos.messages.get(message.reply_to);
  // A reply only quotes a message of its own chat; anything else is "not here".
  if (!original || original.chat_id !== message.chat_id) return { id: message.reply_to, found: false };
  return {
    id: original.id,
    found: true,
    sender: original.sender,
    text: original.text.slice(0, QUOTE_CHARS),
    deleted: original.deleted_at !== null,
    attachments: original.deleted_at !== null ? 0 : repos.attachments.forMessage(original.id).length,
  };
}

/**
 * Messages as clients see them: with their attachments, reactions and the quoted original of a
 * reply, a bot's buttons and what it says about the marketplace. One query for the attachments and one per chat each for the reactions
 * and the keyboards of a page (none when the chat has none).
 */
export function viewMessages(repos: Repositories, attachments: AttachmentsView | undefined, messages: readonly Message[]): Message[] {
  if (messages.length === 0) return [];
  const withFiles = attachments ? attachments.withAttachments(repos, messages) : [...messages];
  const idsByChat = new Map<string, string[]>();
  for (const m of messages) idsByChat.set(m.chat_id, [...(idsByChat.get(m.chat_id) ?? []), m.id]);
  const reactions = new Map<string, Message['reactions']>();
  const keyboards = new Map<string, Message['keyboard']>();
  const market = new Map<string, MarketRef>();
  for (const [chatId, ids] of idsByChat) {
    for (const [id, list] of repos.reactions.forMessages(chatId, ids)) reactions.set(id, list);
    for (const [id, rows] of repos.keyboards.forMessages(chatId, ids)) keyboards.set(id, rows);
    for (const [id, ref] of repos.marketRefs.forMessages(chatId, ids)) market.set(id, ref);
  }
  return withFiles.map((m) => {
    const live = m.deleted_at === null;
    const keyboard = live ? keyboards.get(m.id) : undefined;
    const ref = live ? market.get(m.id) : undefined;
    return { ...m, reactions: reactions.get(m.id) ?? [], quote: quoteOf(repos, m), ...(keyboard ? { keyboard } : {}), ...(ref ? { market: ref } : {}) };
  });
}

export const viewMessage = (repos: Repositories, attachments: AttachmentsView | undefined, message: Message): Message => viewMessages(repos, attachments, [message])[0]!;
