import fs from 'node:fs';
import { imageSize } from 'image-size';
import mime from 'mime-types';
import type { AttachmentInfo, Message } from '../domain/model.ts';
import type { EventBus } from '../events/event-bus.ts';
import type { AttachmentRow } from '../store/repositories/attachments.ts';
import type { Repositories, Store } from '../store/store.ts';
import { badRequest } from './bot-errors.ts';
import type { BotRecord } from './bot-repository.ts';
import type { TgFile, TgFileRef, TgMedia, TgMessage } from './telegram-objects.ts';

/** A file a bot sends: uploaded in the request (multipart), or named by the file_id of one it has seen. */
export type BotInputFile =
  | { readonly kind: 'upload'; readonly name: string; readonly mime: string; readonly data: Uint8Array }
  | { readonly kind: 'file_id'; readonly fileId: string };

export interface SendFileInput {
  readonly chat_id: number;
  readonly file: BotInputFile;
  readonly caption: string;
  readonly reply_to_message_id?: number | undefined;
  readonly allow_sending_without_reply: boolean;
}

/** The attachment service's part the bots use: uploads, and the files that can be read. */
export interface BotFileStore {
  upload(data: Uint8Array, name: string, mime: string): Promise<AttachmentInfo>;
  /** A complete (or our own) file; throws for one still downloading. */
  file(id: string): { path: string; row: AttachmentRow };
}

/** What sending a file needs of the bot's scope (bot-actions.ts gives it). */
export interface FileScope {
  readonly store: Store;
  readonly events: EventBus;
  readonly files: BotFileStore;
  current(): BotRecord;
  chatFor(bot: BotRecord, chatId: number): string;
  /** Takes one send from the bot's rate limits (throws 429). */
  take(chat: string): void;
  replyTarget(chat: string, input: { readonly reply_to_message_id?: number | undefined; readonly allow_sending_without_reply: boolean }): string | undefined;
  send(chat: string, text: string, attachment: string, replyTo: string | undefined): Promise<Message>;
  render(bot: BotRecord, message: Message): Promise<TgMessage>;
}

export interface FileActions {
  sendDocument(input: SendFileInput): Promise<TgMessage>;
  sendPhoto(input: SendFileInput): Promise<TgMessage>;
  /** Waits (up to `GET_FILE_WAIT_MS`) for a file still on its way from the other side. */
  getFile(fileId: string, signal: AbortSignal): Promise<TgFile>;
  /** The file behind a download path (`<file_id>/<name>`), if it is one of the bot's. */
  download(filePath: string): { path: string; row: AttachmentRow };
}

/** Types Telegram shows as photos (image-size's name → MIME type); other images (GIF, SVG) travel as documents, as Telegram sends them. */
const PHOTO_TYPES: Readonly<Record<string, string>> = { jpg: 'image/jpeg', png: 'image/png', webp: 'image/webp' };
export const GET_FILE_WAIT_MS = 20_000;
/** Width and height sit in the first bytes of every photo type above (JPEG's SOF may follow EXIF: 256 KiB covers it). */
const HEADER_BYTES = 256 * 1024;
const FILE_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const wrongFile = () => badRequest('wrong file identifier/HTTP URL specified');

/** The same bytes get the same id for every bot, as Telegram's file_unique_id. */
const uniqueId = (sha256: string): string => Buffer.from(sha256.slice(0, 24), 'hex').toString('base64url');
const refOf = (row: AttachmentRow): TgFileRef => ({ file_id: row.id, file_unique_id: uniqueId(row.sha256), file_size: row.size });

function imageType(data: Uint8Array): { type: string; width: number; height: number } | undefined {
  try {
    const { type, width, height } = imageSize(data);
    return type ? { type, width, height } : undefined;
  } catch {
    return undefined;
  }
}

function readHeader(path: string): Uint8Array {
  const fd = fs.openSync(path, 'r');
  try {
    const buffer = Buffer.alloc(HEADER_BYTES);
    return buffer.subarray(0, fs.readSync(fd, buffer, 0, HEADER_BYTES, 0));
  } finally {
    fs.closeSync(fd);
  }
}

const isPhoto = (row: AttachmentRow): boolean => Object.values(PHOTO_TYPES).includes(row.mime);

/** A message's first file as the bot sees it; a photo's size is read from the file once it is here (0 × 0 until then). */
export function mediaOf(files: BotFileStore): (repos: Repositories, messageId: string) => TgMedia | undefined {
  return (repos, messageId) => {
    const row = repos.attachments.forMessage(messageId)[0];
    if (!row) return undefined;
    if (!isPhoto(row)) return { document: { ...refOf(row), file_name: row.name, mime_type: row.mime } };
    let size = { width: 0, height: 0 };
    if (row.state !== 'downloading' && row.state !== 'failed') {
      try {
        size = imageType(readHeader(files.file(row.id).path)) ?? size;
      } catch {
        // Gone between the query and the read (deleted, expired): the bot still gets the message.
      }
    }
    return { photo: [{ ...refOf(row), width: size.width, height: size.height }] };
  };
}

/** The attachment, if it belongs to a message in one of the bot's chats: a bot sees no other files. */
function visibleRow(scope: FileScope, bot: BotRecord, fileId: string): AttachmentRow {
  if (!FILE_ID.test(fileId)) throw wrongFile();
  const { repos } = scope.store;
  const row = repos.attachments.get(fileId);
  const message = row?.message_id ? repos.messages.get(row.message_id) : undefined;
  const chat = message && !message.deleted_at ? repos.conversations.get(message.chat_id) : undefined;
  if (!row || chat?.identity_id !== bot.identity_id) throw wrongFile();
  return row;
}

/** An upload named as the bot named it, typed by its content (libraries send every file as application/octet-stream). */
async function bytesToSend(scope: FileScope, bot: BotRecord, file: BotInputFile): Promise<{ data: Uint8Array; name: string; mime: string }> {
  if (file.kind === 'upload') {
    const stated = file.mime.split(';', 1)[0]!.trim().toLowerCase();
    const type = stated && stated !== 'application/octet-stream' ? stated : mime.lookup(file.name) || 'application/octet-stream';
    return { data: file.data, name: file.name, mime: type };
  }
  const row = visibleRow(scope, bot, file.fileId);
  let path: string;
  try {
    path = scope.files.file(row.id).path;
  } catch {
    throw badRequest('file is temporarily unavailable: it has not finished downloading');
  }
  return { data: await fs.promises.readFile(path), name: row.name, mime: row.mime };
}

async function sendFile(scope: FileScope, input: SendFileInput, as: 'document' | 'photo'): Promise<TgMessage> {
  const bot = scope.current();
  const chat = scope.chatFor(bot, input.chat_id);
  const replyTo = scope.replyTarget(chat, input);
  const file = await bytesToSend(scope, bot, input.file);
  let { mime: type } = file;
  if (as === 'photo') {
    const image = imageType(file.data.subarray(0, HEADER_BYTES));
    const photoType = image && PHOTO_TYPES[image.type];
    if (!photoType) throw badRequest('IMAGE_PROCESS_FAILED: a photo must be a JPEG, PNG or WebP image');
    type = photoType;
  }
  scope.take(chat);
  const uploaded = await scope.files.upload(file.data, file.name, type);
  return scope.render(bot, await scope.send(chat, input.caption, uploaded.id, replyTo));
}

/** Resolves once the file is readable here, or rejects when it failed, when the wait ends or when the caller goes. */
function readableSoon(scope: FileScope, id: string, signal: AbortSignal): Promise<void> {
  const state = () => scope.store.repos.attachments.get(id)?.state;
  return new Promise<void>((resolve, reject) => {
    const deadline = AbortSignal.any([signal, AbortSignal.timeout(GET_FILE_WAIT_MS)]);
    const settle = (error?: unknown) => {
      unsubscribe();
      deadline.removeEventListener('abort', onAbort);
      if (error === undefined) resolve();
      else reject(error instanceof Error ? error : new Error(String(error)));
    };
    const check = () => {
      const now = state();
      if (now !== 'downloading') settle(now === 'failed' || now === undefined ? badRequest('file is temporarily unavailable: its download failed') : undefined);
    };
    const onAbort = () => settle(badRequest('file is temporarily unavailable: it is still downloading, try again'));
    // A finished download is announced as its message's update.
    const unsubscribe = scope.events.subscribe((event) => event.type === 'message.updated' && event.data.attachments?.some((a) => a.id === id) && check());
    deadline.addEventListener('abort', onAbort, { once: true });
    check();
  });
}

export function fileActions(scope: FileScope): FileActions {
  return {
    sendDocument: (input) => sendFile(scope, input, 'document'),
    sendPhoto: (input) => sendFile(scope, input, 'photo'),
    async getFile(fileId, signal) {
      const row = visibleRow(scope, scope.current(), fileId);
      if (row.state === 'downloading') await readableSoon(scope, row.id, signal);
      return { ...refOf(row), file_path: `${row.id}/${encodeURIComponent(row.name)}` };
    },
    download(filePath) {
      const fileId = filePath.split('/', 1)[0]!;
      const row = visibleRow(scope, scope.current(), fileId);
      try {
        return scope.files.file(row.id);
      } catch {
        throw badRequest('file is temporarily unavailable: it has not finished downloading');
      }
    },
  };
}
