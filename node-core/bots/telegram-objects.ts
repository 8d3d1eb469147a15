import type { Message } from '../domain/model.ts';

/*
 * The Telegram Bot API's objects, as far as phase 1 fills them (core.telegram.org/bots/api):
 * bot libraries read these fields, so names and types follow Telegram's exactly. Dates are Unix
 * seconds; ids are integers (see bot-repository's int ids).
 */

export interface TgUser {
  readonly id: number;
  readonly is_bot: boolean;
  readonly first_name: string;
  readonly username?: string;
}

export interface TgBotUser extends TgUser {
  readonly can_join_groups: boolean;
  readonly can_read_all_group_messages: boolean;
  readonly supports_inline_queries: boolean;
}

export interface TgChat {
  readonly id: number;
  readonly type: 'private';
  readonly first_name?: string;
  readonly username?: string;
}

export interface TgMessageEntity {
  readonly type: 'bot_command';
  readonly offset: number;
  readonly length: number;
}

/** A file as the bot sees it: `file_id` names it for getFile and for sending it again. */
export interface TgFileRef {
  readonly file_id: string;
  /** The same for the same content, whichever bot or chat it came through. */
  readonly file_unique_id: string;
  readonly file_size?: number;
}

export interface TgDocument extends TgFileRef {
  readonly file_name?: string;
  readonly mime_type?: string;
}

export interface TgPhotoSize extends TgFileRef {
  readonly width: number;
  readonly height: number;
}

/** getFile's answer: the path to download it from, under /file/bot<token>/. */
export interface TgFile extends TgFileRef {
  readonly file_path?: string;
}

/** A message's file, as Telegram shows it: a photo (one size, the original) or a document. */
export type TgMedia = { readonly photo: readonly TgPhotoSize[] } | { readonly document: TgDocument };

export interface TgMessage {
  readonly message_id: number;
  readonly date: number;
  readonly chat: TgChat;
  readonly from?: TgUser;
  readonly text?: string;
  readonly entities?: readonly TgMessageEntity[];
  readonly caption?: string;
  readonly caption_entities?: readonly TgMessageEntity[];
  readonly photo?: readonly TgPhotoSize[];
  readonly document?: TgDocument;
  readonly reply_markup?: TgInlineKeyboardMarkup;
  readonly edit_date?: number;
  readonly reply_to_message?: TgMessage;
}

export type UpdateKind = 'message' | 'edited_message' | 'callback_query';
export const UPDATE_KINDS: readonly UpdateKind[] = ['message', 'edited_message', 'callback_query'];

/** An inline keyboard button as the Bot API takes and gives it (callback_data or an https url). */
export interface TgInlineButton {
  readonly text: string;
  readonly callback_data?: string;
  readonly url?: string;
}
export interface TgInlineKeyboardMarkup {
  readonly inline_keyboard: readonly (readonly TgInlineButton[])[];
}

/** A press of a button of the bot's message. `chat_instance` stands for the chat, as Telegram's. */
export interface TgCallbackQuery {
  readonly id: string;
  readonly from: TgUser;
  readonly message?: TgMessage;
  readonly chat_instance: string;
  readonly data: string;
}

export type TgUpdate = { readonly update_id: number; readonly message?: TgMessage; readonly edited_message?: TgMessage; readonly callback_query?: TgCallbackQuery };

export interface TgBotCommand {
  readonly command: string;
  readonly description: string;
}

/** Who and where, as the bot sees them: integer ids and names already looked up. */
export interface MessageContext {
  readonly chat: TgChat;
  readonly from: TgUser;
  /** The answered message, rendered without its own reply (Telegram nests one level only). */
  readonly replyTo?: TgMessage | undefined;
  /** The message's first file; its text is then the caption, as in Telegram. */
  readonly media?: TgMedia | undefined;
  /** Its buttons (the bot's own messages). */
  readonly keyboard?: TgInlineKeyboardMarkup | undefined;
}

const seconds = (ms: number): number => Math.floor(ms / 1000);

/**
 * Commands in a text: Telegram marks `/command` (and `/command@botname`) at the start of the
 * text as a bot_command entity, and grammY's bot.command() finds commands by that entity.
 * Offsets count UTF-16 code units, as JavaScript strings do.
 */
export function commandEntities(text: string): TgMessageEntity[] {
  const match = /^\/[A-Za-z0-9_]{1,32}(@[A-Za-z0-9_]{5,32})?/.exec(text);
  return match ? [{ type: 'bot_command', offset: 0, length: match[0].length }] : [];
}

/** A dchat message as a Telegram Message. `message_id` is the message's local seq: an integer, stable, unique on this node. */
export function toTgMessage(message: Message, context: MessageContext): TgMessage {
  const entities = commandEntities(message.text);
  const { media } = context;
  return {
    message_id: message.seq,
    date: seconds(message.sent_at),
    chat: context.chat,
    from: context.from,
    ...(media ?? {}),
    ...(message.text ? { [media ? 'caption' : 'text']: message.text } : {}),
    ...(entities.length > 0 ? { [media ? 'caption_entities' : 'entities']: entities } : {}),
    ...(message.edited_at !== null ? { edit_date: seconds(message.edited_at) } : {}),
    ...(context.replyTo ? { reply_to_message: context.replyTo } : {}),
    ...(context.keyboard ? { reply_markup: context.keyboard } : {}),
  };
}
