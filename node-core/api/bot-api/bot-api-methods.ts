import type { z } from 'zod';
import type { BotActions } from '../../bots/bot-actions.ts';
import * as S from './bot-api-schemas.ts';

/** One Bot API method: the schema its parameters pass, and what it does for the bot. */
interface BotMethod<T extends z.ZodType> {
  readonly schema: T;
  readonly handle: (bot: BotActions, input: z.output<T>, signal: AbortSignal) => unknown;
}
const method = <T extends z.ZodType>(schema: T, handle: BotMethod<T>['handle']): BotMethod<z.ZodType> => ({ schema, handle: handle as BotMethod<z.ZodType>['handle'] });

/**
 * The methods of phase 1, by Telegram's names. Telegram matches method names case-insensitively,
 * so the table is looked up by the lowercase name. The webhook methods are the bots component's
 * (bots/webhook-service.ts); deleteWebhook without a webhook answers true, as Telegram does
 * (grammY calls it before it starts polling).
 */
const METHODS: Readonly<Record<string, BotMethod<z.ZodType>>> = {
  getMe: method(S.none, (bot) => bot.getMe()),
  getUpdates: method(S.getUpdates, (bot, input, signal) => bot.getUpdates(input, signal)),
  sendMessage: method(S.sendMessage, (bot, input) => bot.sendMessage(input)),
  editMessageText: method(S.editMessageText, (bot, input) => bot.editMessageText(input)),
  editMessageReplyMarkup: method(S.editMessageReplyMarkup, (bot, input) => bot.editMessageReplyMarkup(input)),
  answerCallbackQuery: method(S.answerCallbackQuery, (bot, input) => bot.answerCallbackQuery(input)),
  deleteMessage: method(S.messageRef, (bot, input) => bot.deleteMessage(input)),
  setMyCommands: method(S.setMyCommands, (bot, input) => bot.setMyCommands(input.commands)),
  getMyCommands: method(S.none, (bot) => bot.getMyCommands()),
  deleteMyCommands: method(S.none, (bot) => bot.setMyCommands([])),
  getChat: method(S.chatRef, (bot, input) => bot.getChat(input.chat_id)),
  setWebhook: method(S.setWebhook, (bot, input) => bot.setWebhook(input)),
  deleteWebhook: method(S.deleteWebhook, (bot, input) => bot.deleteWebhook(input.drop_pending_updates ?? false)),
  getWebhookInfo: method(S.none, (bot) => bot.getWebhookInfo()),
  sendDocument: method(S.sendDocument, (bot, input) => bot.sendDocument(input)),
  sendPhoto: method(S.sendPhoto, (bot, input) => bot.sendPhoto(input)),
  getFile: method(S.getFile, (bot, input, signal) => bot.getFile(input.file_id, signal)),
};

const BY_LOWERCASE = new Map(Object.entries(METHODS).map(([name, m]) => [name.toLowerCase(), m]));

export const botMethod = (name: string): BotMethod<z.ZodType> | undefined => BY_LOWERCASE.get(name.toLowerCase());
export const BOT_METHOD_NAMES: readonly string[] = Object.keys(METHODS);
