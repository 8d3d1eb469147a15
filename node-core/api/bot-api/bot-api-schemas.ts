import { z } from 'zod';
import { UPDATE_KINDS } from '../../bots/telegram-objects.ts';
import type { AnswerCallbackInput, EditMarkupInput, EditTextInput, GetUpdatesInput, MessageRefInput, SendTextInput } from '../../bots/bot-actions.ts';
import type { InlineButton } from '../../domain/model.ts';
import type { KeyboardRows } from '../../store/repositories/keyboards.ts';
import type { BotInputFile, SendFileInput } from '../../bots/bot-files.ts';
import type { SetWebhookInput } from '../../bots/webhook-service.ts';

/*
 * The Bot API's parameters. Telegram takes them from a query string, a form or JSON alike, so a
 * number may come as "42" and an object or array as JSON text; each field says what it takes
 * and coerces only those spellings. Unknown parameters are ignored, as Telegram ignores them
 * (libraries send options phase 1 does not act on, such as parse_mode).
 */

const integerText = /^-?\d{1,16}$/;
const int = (schema: z.ZodNumber = z.number()) =>
  z.preprocess((v) => (typeof v === 'string' && integerText.test(v) ? Number(v) : v), schema.int().min(Number.MIN_SAFE_INTEGER).max(Number.MAX_SAFE_INTEGER));
const bool = z.preprocess((v) => (v === 'true' ? true : v === 'false' ? false : v), z.boolean());
/** An object or array parameter, or its JSON text. */
const json = <T extends z.ZodType>(schema: T) =>
  z.preprocess((v) => {
    if (typeof v !== 'string') return v;
    try {
      return JSON.parse(v) as unknown;
    } catch {
      return v;
    }
  }, schema);

/** Telegram's limit on a message's text, in characters. */
export const TEXT_MAX = 4096;
const text = z.string().min(1, 'message text is empty').max(TEXT_MAX, 'message is too long');

export const getUpdates = z.object({
  offset: int().optional(),
  limit: int(z.number().min(1).max(100)).default(100),
  timeout: int(z.number().min(0).max(50)).default(0),
  allowed_updates: json(z.array(z.string()).max(32))
    .transform((kinds) => kinds.filter((k): k is (typeof UPDATE_KINDS)[number] => (UPDATE_KINDS as readonly string[]).includes(k)))
    .optional(),
}) satisfies z.ZodType<GetUpdatesInput, unknown>;

const replyParameters = z.object({ message_id: int(), allow_sending_without_reply: bool.optional() });

/**
 * reply_markup: inline keyboards with callback_data or https url buttons, the kinds a dchat chat
 * shows (Telegram's limits: callback_data 1-64 bytes; dchat's: 64-character labels, 8 a row,
 * 12 rows, 100 in all). Reply keyboards and the other button kinds are refused by name.
 */
const inlineButton = z
  .object({
    text: z.string().min(1, 'button text is empty').max(64, 'button text is over 64 characters'),
    callback_data: z.string().min(1).refine((d) => new TextEncoder().encode(d).length <= 64, 'BUTTON_DATA_INVALID: callback_data must be 1-64 bytes').optional(),
    url: z.string().max(512).regex(/^https:\/\/[^\s]+$/, 'BUTTON_URL_INVALID: button URLs must be https').optional(),
  })
  .passthrough()
  .superRefine((b, ctx) => {
    const other = Object.keys(b).find((k) => !['text', 'callback_data', 'url'].includes(k));
    if (other) ctx.addIssue({ code: 'custom', message: `${other} buttons are not supported: use callback_data or url` });
    else if ((b.callback_data === undefined) === (b.url === undefined)) ctx.addIssue({ code: 'custom', message: 'a button needs exactly one of callback_data and url' });
  })
  .transform((b): InlineButton => ({ text: b.text, ...(b.callback_data !== undefined ? { data: b.callback_data } : {}), ...(b.url !== undefined ? { url: b.url } : {}) }));
const replyMarkup = json(
  z
    .object({ inline_keyboard: z.array(z.array(inlineButton).min(1).max(8)).max(12).optional() })
    .passthrough()
    .superRefine((m, ctx) => {
      if (m.inline_keyboard === undefined) ctx.addIssue({ code: 'custom', message: 'only inline keyboards are supported (reply keyboards and force_reply are not)' });
      else if (m.inline_keyboard.flat().length > 100) ctx.addIssue({ code: 'custom', message: 'an inline keyboard has at most 100 buttons' });
    })
    .transform((m): KeyboardRows => m.inline_keyboard ?? []),
);

export const sendMessage = z
  .object({
    chat_id: int(),
    text,
    reply_markup: replyMarkup.optional(),
    reply_to_message_id: int().optional(),
    reply_parameters: json(replyParameters).optional(),
    allow_sending_without_reply: bool.optional(),
  })
  // reply_parameters is the current spelling, reply_to_message_id the older one; both work.
  .transform(
    (p): SendTextInput => ({
      chat_id: p.chat_id,
      text: p.text,
      keyboard: p.reply_markup,
      reply_to_message_id: p.reply_parameters?.message_id ?? p.reply_to_message_id,
      allow_sending_without_reply: p.reply_parameters?.allow_sending_without_reply ?? p.allow_sending_without_reply ?? false,
    }),
  );

export const editMessageText = z
  .object({ chat_id: int(), message_id: int(), text, reply_markup: replyMarkup.optional() })
  .transform((p): EditTextInput => ({ chat_id: p.chat_id, message_id: p.message_id, text: p.text, keyboard: p.reply_markup }));
/** No reply_markup takes the keyboard away, as in Telegram. */
export const editMessageReplyMarkup = z
  .object({ chat_id: int(), message_id: int(), reply_markup: replyMarkup.optional() })
  .transform((p): EditMarkupInput => ({ chat_id: p.chat_id, message_id: p.message_id, keyboard: p.reply_markup ?? [] }));
export const answerCallbackQuery = z
  .object({
    callback_query_id: z.string().min(1).max(64),
    text: z.string().max(200, 'text is over 200 characters').optional(),
    show_alert: bool.optional(),
    url: z.string().optional(),
    cache_time: int().optional(),
  })
  .superRefine((p, ctx) => {
    if (p.url !== undefined) ctx.addIssue({ code: 'custom', message: 'URL_INVALID: answerCallbackQuery urls (games) are not supported' });
  })
  .transform((p): AnswerCallbackInput => ({ query_id: p.callback_query_id, text: p.text ?? '', alert: p.show_alert ?? false }));
export const messageRef = z.object({ chat_id: int(), message_id: int() }) satisfies z.ZodType<MessageRefInput, unknown>;
export const chatRef = z.object({ chat_id: int() });

const botCommand = z.object({
  command: z.string().regex(/^[a-z0-9_]{1,32}$/, 'command must be 1-32 lowercase letters, digits or underscores'),
  description: z.string().min(1).max(256),
});
export const setMyCommands = z.object({ commands: json(z.array(botCommand).max(100)) });

export const none = z.object({});
export const deleteWebhook = z.object({ drop_pending_updates: bool.optional() });

const updateKinds = json(z.array(z.string()).max(32)).transform((kinds) => kinds.filter((k): k is (typeof UPDATE_KINDS)[number] => (UPDATE_KINDS as readonly string[]).includes(k)));
export const setWebhook = z.object({
  // Empty removes the webhook, as in Telegram; the URL itself is judged by the SSRF guard.
  url: z.string().max(2048, 'webhook URL is too long'),
  secret_token: z.string().regex(/^[A-Za-z0-9_-]{1,256}$/, 'secret token must be 1-256 characters of A-Z, a-z, 0-9, _ and -').optional(),
  max_connections: int(z.number().min(1).max(100)).default(40),
  allowed_updates: updateKinds.optional(),
  drop_pending_updates: bool.optional(),
  certificate: z.unknown().optional(),
  ip_address: z.string().optional(),
}) satisfies z.ZodType<SetWebhookInput, unknown>;

/** Telegram's limit on a caption, in characters. */
export const CAPTION_MAX = 1024;
const uploaded = z.object({ kind: z.literal('upload'), name: z.string().min(1).max(255), mime: z.string().max(255), data: z.instanceof(Uint8Array) });
/**
 * A file to send: uploaded in the same multipart request (the parser turns it, and `attach://`
 * references to it, into an upload; JSON cannot carry one), or the file_id of a file the bot
 * has seen. Telegram also fetches http URLs; a node doing so for bots would be an SSRF door, so
 * URLs are refused with a reason.
 */
const inputFile = z.unknown().transform((v, ctx): BotInputFile => {
  const upload = uploaded.safeParse(v);
  if (upload.success) return upload.data;
  let why = 'expected an uploaded file or a file_id';
  if (typeof v === 'string' && v.startsWith('attach://')) why = `no file was uploaded under ${v}`;
  else if (typeof v === 'string' && /^https?:\/\//i.test(v)) why = 'sending a file by URL is not supported: upload the file instead';
  else if (typeof v === 'string' && v.length > 0 && v.length <= 64) return { kind: 'file_id', fileId: v };
  ctx.addIssue({ code: 'custom', message: why });
  return z.NEVER;
});
const fileMessage = z.object({
  chat_id: int(),
  caption: z.string().max(CAPTION_MAX, 'message caption is too long').optional(),
  reply_to_message_id: int().optional(),
  reply_parameters: json(replyParameters).optional(),
  allow_sending_without_reply: bool.optional(),
});
const toSendFile = (p: z.output<typeof fileMessage>, file: z.output<typeof inputFile>): SendFileInput => ({
  chat_id: p.chat_id,
  file,
  caption: p.caption ?? '',
  reply_to_message_id: p.reply_parameters?.message_id ?? p.reply_to_message_id,
  allow_sending_without_reply: p.reply_parameters?.allow_sending_without_reply ?? p.allow_sending_without_reply ?? false,
});
export const sendDocument = fileMessage.extend({ document: inputFile }).transform((p) => toSendFile(p, p.document));
export const sendPhoto = fileMessage.extend({ photo: inputFile }).transform((p) => toSendFile(p, p.photo));
export const getFile = z.object({ file_id: z.string().min(1).max(64) });
