import type { Message } from '../domain/model.ts';
import type { KeyboardRows } from '../store/repositories/keyboards.ts';
import { badRequest, chatNotFound, conflict, tooManyRequests, unauthorized } from './bot-errors.ts';
import type { BotRecord } from './bot-repository.ts';
import type { BotRuntime } from './bot-runtime.ts';
import type { TgBotCommand, TgBotUser, TgChat, TgMessage, TgUpdate, UpdateKind } from './telegram-objects.ts';
import { chatOf, renderMessage } from './update-feed.ts';
import { webhookConflict, type WebhookActions } from './webhook-service.ts';
import { fileActions, type FileActions } from './bot-files.ts';

/** Inputs as the Bot API schemas (api/bot-api/bot-api-schemas.ts) produce them. */
export interface GetUpdatesInput {
  readonly offset?: number | undefined;
  readonly limit: number;
  readonly timeout: number;
  readonly allowed_updates?: readonly UpdateKind[] | undefined;
}
export interface SendTextInput {
  readonly chat_id: number;
  readonly text: string;
  readonly keyboard?: KeyboardRows | undefined;
  readonly reply_to_message_id?: number | undefined;
  readonly allow_sending_without_reply: boolean;
}
export interface EditTextInput {
  readonly chat_id: number;
  readonly message_id: number;
  readonly text: string;
  readonly keyboard?: KeyboardRows | undefined;
}
export interface EditMarkupInput {
  readonly chat_id: number;
  readonly message_id: number;
  /** No rows takes the keyboard away. */
  readonly keyboard: KeyboardRows;
}
export interface AnswerCallbackInput {
  readonly query_id: string;
  readonly text: string;
  readonly alert: boolean;
}
export interface MessageRefInput {
  readonly chat_id: number;
  readonly message_id: number;
}

/** What one authenticated bot may do: the Bot API's methods of phase 1. */
export interface BotActions extends WebhookActions, FileActions {
  readonly botId: number;
  getMe(): TgBotUser;
  getUpdates(input: GetUpdatesInput, signal: AbortSignal): Promise<TgUpdate[]>;
  sendMessage(input: SendTextInput): Promise<TgMessage>;
  editMessageText(input: EditTextInput): Promise<TgMessage>;
  editMessageReplyMarkup(input: EditMarkupInput): Promise<TgMessage>;
  answerCallbackQuery(input: AnswerCallbackInput): Promise<true>;
  deleteMessage(input: MessageRefInput): Promise<true>;
  setMyCommands(commands: readonly TgBotCommand[]): Promise<true>;
  getMyCommands(): TgBotCommand[];
  getChat(chatId: number): TgChat;
  pendingUpdates(): number;
}

/** What the methods of one bot share: its record as it is now, and its chats and messages by Telegram id. */
interface BotScope {
  readonly rt: BotRuntime;
  readonly botId: number;
  current(): BotRecord;
  /** The dchat chat behind a Telegram chat id, if it is one of this bot's. */
  chatFor(bot: BotRecord, chatId: number): string;
  messageIn(chat: string, seq: number): Message | undefined;
  /** The message a send answers (reply_to_message_id / reply_parameters), or undefined when there is none and that is allowed. */
  replyTarget(chat: string, input: { readonly reply_to_message_id?: number | undefined; readonly allow_sending_without_reply: boolean }): string | undefined;
  /** Takes one send from the bot's limits (429 when over). */
  take(chat: string): void;
  render(bot: BotRecord, message: Message): Promise<TgMessage>;
}

function scopeOf(rt: BotRuntime, botId: number): BotScope {
  const { store } = rt.components;
  const messageIn = (chat: string, seq: number): Message | undefined => {
    const message = store.repos.messages.getBySeq(seq);
    return message && message.chat_id === chat && !message.deleted_at ? message : undefined;
  };
  return {
    rt,
    botId,
    current: () => {
      const bot = rt.repo().get(botId);
      // Deleted between authentication and now.
      if (!bot) throw unauthorized();
      return bot;
    },
    chatFor: (bot, chatId) => {
      const key = rt.repo().keyOf('chat', chatId);
      if (!key || !chatOf(store.repos, rt.repo(), bot, key)) throw chatNotFound();
      return key;
    },
    messageIn,
    replyTarget(chat, input) {
      if (input.reply_to_message_id === undefined) return undefined;
      const replyTo = messageIn(chat, input.reply_to_message_id)?.id;
      if (!replyTo && !input.allow_sending_without_reply) throw badRequest('message to be replied not found');
      return replyTo;
    },
    take(chat) {
      const taken = rt.limits(botId).take(chat, rt.now());
      if (!taken.ok) throw tooManyRequests(taken.retryAfter);
    },
    render: (bot, message) => store.write((repos) => renderMessage(repos, rt.repo(), bot, message, rt.mediaOf)!),
  };
}

export function botActions(rt: BotRuntime, botId: number): BotActions {
  const { store } = rt.components;
  const scope = scopeOf(rt, botId);
  const { current, chatFor } = scope;
  return {
    botId,
    getMe() {
      const bot = current();
      return { id: bot.bot_id, is_bot: true, first_name: bot.name, username: bot.username, can_join_groups: false, can_read_all_group_messages: false, supports_inline_queries: false };
    },
    getUpdates: (input, signal) => getUpdates(scope, input, signal),
    ...rt.webhooks.actionsFor(botId),
    ...messageActions(scope),
    ...fileActions({
      ...scope,
      store,
      events: rt.components.events,
      files: rt.components.files,
      send: (chat, text, attachment, replyTo) => rt.components.messaging.send({ chat_id: chat, text, attachments: [attachment], ...(replyTo ? { reply_to: replyTo } : {}) }),
    }),
    async setMyCommands(commands) {
      const bot = current();
      await store.write(() => rt.repo().setCommands(botId, commands));
      // The people in its chats get the new list for their "/" menu.
      await rt.components.botCommands?.sendToAll(bot.identity_id, commands);
      return true;
    },
    getMyCommands: () => [...current().commands],
    getChat(chatId) {
      const bot = current();
      return chatOf(store.repos, rt.repo(), bot, chatFor(bot, chatId))!;
    },
    pendingUpdates: () => rt.repo().pending(botId),
  };
}

/** One poll per bot at a time: a newer getUpdates ends the one waiting (409, as Telegram does). */
async function getUpdates({ rt, botId, current }: BotScope, input: GetUpdatesInput, signal: AbortSignal): Promise<TgUpdate[]> {
  const polling = rt.polling;
  current();
  if (rt.webhooks.active(botId)) throw webhookConflict();
  polling.get(botId)?.abort(conflict());
  const mine = new AbortController();
  polling.set(botId, mine);
  const onAbort = () => mine.abort(signal.reason);
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    return await readUpdates(rt, botId, input, mine.signal);
  } finally {
    signal.removeEventListener('abort', onAbort);
    if (polling.get(botId) === mine) polling.delete(botId);
  }
}

/** The methods that write to a chat go through the messaging service, as a person's messages do. */
function messageActions(scope: BotScope): Pick<BotActions, 'sendMessage' | 'editMessageText' | 'editMessageReplyMarkup' | 'deleteMessage' | 'answerCallbackQuery'> {
  const { rt, current, chatFor, messageIn, render } = scope;
  const { messaging, keyboards, store } = rt.components;
  const setKeyboard = async (messageId: string, rows: KeyboardRows) => {
    if (!keyboards) throw badRequest('inline keyboards need peer-to-peer networking (server.p2p_enabled)');
    await keyboards.set(messageId, rows);
  };
  const sameKeyboard = (messageId: string, rows: KeyboardRows | undefined) => rows === undefined || JSON.stringify(store.repos.keyboards.get(messageId)?.rows ?? []) === JSON.stringify(rows);
  const ownMessage = (chatId: number, messageId: number, what: string): Message => {
    const bot = current();
    const message = messageIn(chatFor(bot, chatId), messageId);
    if (!message) throw badRequest(`message to ${what} not found`);
    if (message.sender !== bot.identity_id) throw badRequest("message can't be edited");
    return message;
  };
  const notModified = () => badRequest('message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message');
  return {
    async sendMessage(input) {
      const bot = current();
      const chat = chatFor(bot, input.chat_id);
      scope.take(chat);
      const replyTo = scope.replyTarget(chat, input);
      const sent = await messaging.send({ chat_id: chat, text: input.text, attachments: [], ...(replyTo ? { reply_to: replyTo } : {}) });
      if (input.keyboard?.length) await setKeyboard(sent.id, input.keyboard);
      return render(bot, sent);
    },
    async editMessageText(input) {
      const message = ownMessage(input.chat_id, input.message_id, 'edit');
      const sameText = message.text === input.text;
      const keyboardKept = sameKeyboard(message.id, input.keyboard);
      if (sameText && keyboardKept) throw notModified();
      const edited = sameText ? message : await messaging.edit({ id: message.id, text: input.text });
      if (!keyboardKept) await setKeyboard(message.id, input.keyboard!);
      return render(current(), edited);
    },
    async editMessageReplyMarkup(input) {
      const message = ownMessage(input.chat_id, input.message_id, 'edit');
      if (sameKeyboard(message.id, input.keyboard)) throw notModified();
      await setKeyboard(message.id, input.keyboard);
      return render(current(), message);
    },
    async deleteMessage(input) {
      const bot = current();
      const message = messageIn(chatFor(bot, input.chat_id), input.message_id);
      if (!message) throw badRequest('message to delete not found');
      // Its own messages go for everyone; the other side's only from the bot's node (dchat's rule: author only).
      await messaging.delete({ id: message.id, for: message.sender === bot.identity_id ? 'everyone' : 'me' });
      return true;
    },
    async answerCallbackQuery(input) {
      const bot = current();
      const press = store.repos.keyboards.press(input.query_id);
      const chat = press && store.repos.conversations.get(press.chat_id);
      // Only presses of this bot's own buttons; one answer each, as Telegram.
      if (!keyboards || !chat || chat.identity_id !== bot.identity_id || !(await keyboards.answer(input.query_id, input.text, input.alert))) {
        throw badRequest('query is too old and response timeout expired or query ID is invalid');
      }
      return true;
    },
  };
}

/**
 * getUpdates' offset: a positive one confirms (and deletes) every update below it; a negative
 * one keeps only the last -offset updates. Confirmations are durable before the answer, so a
 * restart never hands out a confirmed update again. With nothing to give and a timeout, the call
 * waits for the feed's next update (long polling), or until the client or the node goes.
 */
async function readUpdates(rt: BotRuntime, botId: number, input: GetUpdatesInput, signal: AbortSignal): Promise<TgUpdate[]> {
  const { store } = rt.components;
  const bots = rt.repo();
  if (input.allowed_updates !== undefined || input.offset !== undefined) {
    await store.write(() => {
      if (input.allowed_updates !== undefined) bots.setAllowedUpdates(botId, input.allowed_updates);
      if (input.offset !== undefined && input.offset > 0) bots.confirmBelow(botId, input.offset);
      if (input.offset !== undefined && input.offset < 0) bots.keepNewest(botId, -input.offset);
    });
  }
  const from = input.offset !== undefined && input.offset > 0 ? input.offset : 0;
  const read = () => bots.updates(botId, from, input.limit).map((u) => ({ update_id: u.update_id, ...(JSON.parse(u.payload) as object) }) as TgUpdate);
  let updates = read();
  if (updates.length > 0 || input.timeout === 0) return updates;
  const deadline = AbortSignal.any([signal, AbortSignal.timeout(input.timeout * 1000)]);
  while (updates.length === 0 && !deadline.aborted) {
    await rt.feed.wait(botId, deadline);
    if (signal.aborted && signal.reason instanceof Error && signal.reason.name === 'BotConflict') throw signal.reason;
    updates = read();
  }
  return updates;
}
