/**
 * Files through bots, over real processes: a person on one node sends a file to a grammY bot
 * hosted by another; the bot fetches it with getFile and the /file/bot<token>/ download, and
 * answers with sendDocument and sendPhoto uploads (grammY's attach:// multipart and telegraf's
 * file-as-field multipart); the person's node receives both files end to end, byte for byte.
 * Then what a bot must not do: reach files outside its chats, send a non-image as a photo,
 * make the node fetch a URL, or upload past the node's size limit.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { crc32, deflateSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { Bot, InputFile } from 'grammy';
import { Telegraf } from 'telegraf';
import type { AttachmentInfo, Message } from '../../api/contract.ts';
import { botWithPerson, type TgAnswer } from '../helpers/bot-net.ts';
import { json, messages, send, waitFor } from '../helpers/p2p-net.ts';
import { killAllNodes, type RunningNode } from '../helpers/spawn-node.ts';

after(killAllNodes);


const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

/** A real PNG of the given size (one grey pixel row repeated), so the node reads its width and height. */
function png(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([length, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 0, 0, 0, 0], 8); // 8-bit greyscale
  const rows = Buffer.concat(Array.from({ length: height }, () => Buffer.concat([Buffer.from([0]), Buffer.alloc(width, 0x80)])));
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', header), chunk('IDAT', deflateSync(rows)), chunk('IEND', Buffer.alloc(0))]);
}

async function botCall<T>(node: RunningNode, token: string, method: string, init?: RequestInit): Promise<{ status: number; body: TgAnswer<T> }> {
  const res = await fetch(`${node.url}/bot${token}/${method}`, init);
  return { status: res.status, body: (await res.json()) as TgAnswer<T> };
}
const postJson = (params: Record<string, unknown>): RequestInit => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(params) });

/** The person's copy of a file the bot sent, once it has finished downloading. */
async function received(node: RunningNode, chat: string, sender: string, name: string): Promise<{ message: Message; file: AttachmentInfo; bytes: Buffer }> {
  const found = await waitFor(`${name} at the person's node`, async () => {
    const message = (await messages(node, chat)).find((m) => m.sender === sender && m.attachments?.[0]?.name === name);
    const file = message?.attachments?.[0];
    return message && file?.state === 'complete' ? { message, file } : undefined;
  }, 30_000);
  const bytes = Buffer.from(await (await node.api(`/api/attachments/${found.file.id}`)).arrayBuffer());
  return { ...found, bytes };
}

describe('files through a bot: getFile, downloads, sendDocument and sendPhoto', () => {
  let person: RunningNode;
  let host: RunningNode;
  let token: string;
  let botIdentity: string;
  let chat: string;
  const report = randomBytes(300 * 1024); // more than one 256 KiB chunk

  before(async () => {
    // A 2 MB file limit, so the over-the-limit upload stays small.
    ({ person, host, token, botIdentity, chat } = await botWithPerson('filesbot', 'Files Bot', { env: { DCHAT_MSG_MAX_SIZE_MB: '2' } }));
  });

  it('a grammY bot downloads the file it was sent and answers with a document and a photo', async () => {
    const bot = new Bot(token, { client: { apiRoot: host.url } });
    const seen: { name?: string; mime?: string; size?: number; caption?: string; digest?: string }[] = [];
    bot.on('message:document', async (ctx) => {
      const document = ctx.message.document;
      const file = await ctx.getFile();
      assert.ok(file.file_path, 'getFile gives a path to download');
      const res = await fetch(`${host.url}/file/bot${token}/${file.file_path}`);
      assert.equal(res.status, 200);
      const bytes = Buffer.from(await res.arrayBuffer());
      seen.push({ name: document.file_name, mime: document.mime_type, size: document.file_size, caption: ctx.message.caption, digest: sha256(bytes) });
      await ctx.replyWithDocument(new InputFile(Buffer.from(`received ${bytes.length} bytes\n`), 'receipt.txt'), { caption: 'your receipt' });
      await ctx.replyWithPhoto(new InputFile(png(12, 7), 'chart.png'));
    });
    bot.catch((err) => console.error('bot error', err));
    const running = bot.start({ timeout: 5 });
    try {
      const upload = await json<AttachmentInfo>(person.api('/api/attachments?name=report.pdf&type=application/pdf', { method: 'POST', body: report, headers: { 'content-type': 'application/octet-stream' } }));
      await send(person, chat, 'the quarterly report', { attachments: [upload.id] });

      const receipt = await received(person, chat, botIdentity, 'receipt.txt');
      assert.equal(receipt.bytes.toString(), `received ${report.length} bytes\n`);
      assert.equal(receipt.message.text, 'your receipt', 'the caption is the message text');
      assert.equal(receipt.file.mime, 'text/plain', 'the type comes from the name when the library sends octet-stream');
      const photo = await received(person, chat, botIdentity, 'chart.png');
      assert.equal(sha256(photo.bytes), sha256(png(12, 7)));
      assert.equal(photo.file.mime, 'image/png');

      assert.deepEqual(seen, [{ name: 'report.pdf', mime: 'application/pdf', size: report.length, caption: 'the quarterly report', digest: sha256(report) }]);
    } finally {
      await bot.stop();
      await running;
    }
  });

  it('renders a photo as Telegram does (one size, its width and height) and sends it again by file_id', async () => {
    await send(person, chat, 'no bot is polling now');
    const picture = png(40, 30);
    const upload = await json<AttachmentInfo>(person.api('/api/attachments?name=cat.png&type=image/png', { method: 'POST', body: picture, headers: { 'content-type': 'application/octet-stream' } }));
    await send(person, chat, 'look', { attachments: [upload.id] });
    type PhotoUpdate = { update_id: number; message?: { chat: { id: number }; caption?: string; photo?: { file_id: string; file_unique_id: string; width: number; height: number; file_size: number }[] } };
    const update = await waitFor('the photo update', async () => {
      const { body } = await botCall<PhotoUpdate[]>(host, token, 'getUpdates');
      return body.result?.find((u) => u.message?.photo);
    }, 30_000);
    const photo = update.message!.photo!;
    assert.equal(photo.length, 1);
    assert.equal(update.message!.caption, 'look');
    // The update is written when the message arrives, the file may still be on its way: getFile waits for it.
    const got = await botCall<{ file_path: string; file_size: number }>(host, token, 'getFile', postJson({ file_id: photo[0]!.file_id }));
    assert.equal(got.body.ok, true, JSON.stringify(got.body));
    assert.equal(got.body.result!.file_size, picture.length);
    const again = await botCall<{ photo: { width: number; height: number }[] }>(host, token, 'sendPhoto', postJson({ chat_id: update.message!.chat.id, photo: photo[0]!.file_id, caption: 'same cat' }));
    assert.equal(again.body.ok, true, JSON.stringify(again.body));
    assert.deepEqual(again.body.result!.photo.map((p) => [p.width, p.height]), [[40, 30]]);
    const copy = await received(person, chat, botIdentity, 'cat.png');
    assert.equal(sha256(copy.bytes), sha256(picture));
    await botCall(host, token, 'getUpdates', postJson({ offset: update.update_id + 1 }));
  });

  it('a telegraf bot uploads a file as the parameter itself (its multipart style)', async () => {
    const bot = new Telegraf(token, { telegram: { apiRoot: host.url } });
    const chatId = await chatIdOf(host, token, person, chat);
    const sent = await retryingAfter429(() => bot.telegram.sendDocument(chatId, { source: Buffer.from('from telegraf'), filename: 'telegraf.txt' }));
    assert.equal(sent.document.file_name, 'telegraf.txt');
    const copy = await received(person, chat, botIdentity, 'telegraf.txt');
    assert.equal(copy.bytes.toString(), 'from telegraf');
  });

  it('refuses what a bot must not do with files, in Telegram\'s shape', async () => {
    const chatId = await chatIdOf(host, token, person, chat);
    const form = (fields: Record<string, string | Blob>) => {
      const data = new FormData();
      for (const [k, v] of Object.entries(fields)) data.append(k, v, ...(typeof v === 'string' ? [] : ['upload.bin'] as [string]));
      return { method: 'POST', body: data } satisfies RequestInit;
    };
    const notImage = await botCall(host, token, 'sendPhoto', form({ chat_id: String(chatId), photo: new Blob([Buffer.from('not a picture')]) }));
    assert.equal(notImage.status, 400);
    assert.match(notImage.body.description!, /IMAGE_PROCESS_FAILED/);
    const byUrl = await botCall(host, token, 'sendDocument', postJson({ chat_id: chatId, document: 'http://169.254.169.254/latest/meta-data' }));
    assert.equal(byUrl.status, 400);
    assert.match(byUrl.body.description!, /by URL is not supported/);
    const missingPart = await botCall(host, token, 'sendDocument', form({ chat_id: String(chatId), document: 'attach://nothing' }));
    assert.equal(missingPart.status, 400);
    const unknownId = await botCall(host, token, 'getFile', postJson({ file_id: crypto.randomUUID() }));
    assert.equal(unknownId.status, 400);
    assert.match(unknownId.body.description!, /wrong file identifier/);

    // A file of the node's own user, in a chat that is not the bot's: invisible to the bot.
    const own = await json<AttachmentInfo>(host.api('/api/attachments?name=private.txt&type=text/plain', { method: 'POST', body: Buffer.from('private'), headers: { 'content-type': 'application/octet-stream' } }));
    const hidden = await botCall(host, token, 'getFile', postJson({ file_id: own.id }));
    assert.equal(hidden.status, 400);
    const hiddenDownload = await fetch(`${host.url}/file/bot${token}/${own.id}/private.txt`);
    assert.equal(hiddenDownload.status, 400);
    const badToken = await fetch(`${host.url}/file/bot1:${'x'.repeat(35)}/${own.id}/private.txt`);
    assert.equal(badToken.status, 401);

    // Over the node's messages.max_size_mb (2 MB here): refused while it streams in.
    const huge = await botCall(host, token, 'sendDocument', form({ chat_id: String(chatId), document: new Blob([new Uint8Array(3 * 1024 * 1024)]) }));
    assert.equal(huge.status, 413);
    assert.equal(huge.body.ok, false);
    const health = await fetch(`${host.url}/health`);
    assert.equal(health.status, 200, 'the node is fine after the refusals');
  });
});

/** What a well-behaved bot does with a 429: waits retry_after seconds and tries again (the chat's burst may be spent by the tests before). */
async function retryingAfter429<T>(call: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await call();
    } catch (err) {
      const retryAfter = (err as { response?: { error_code?: number; parameters?: { retry_after?: number } } }).response;
      if (retryAfter?.error_code !== 429 || attempt >= 5) throw err;
      await new Promise((resolve) => setTimeout(resolve, (retryAfter.parameters?.retry_after ?? 1) * 1000));
    }
  }
}

/** The bot's Telegram chat id for the person's chat, from an update the person causes. */
async function chatIdOf(host: RunningNode, token: string, person: RunningNode, chat: string): Promise<number> {
  const marker = `marker ${crypto.randomUUID()}`;
  await send(person, chat, marker);
  const update = await waitFor('the marker update', async () => {
    const res = await fetch(`${host.url}/bot${token}/getUpdates`);
    const body = (await res.json()) as TgAnswer<{ update_id: number; message?: { text?: string; chat: { id: number } } }[]>;
    return body.result?.find((u) => u.message?.text === marker);
  }, 30_000);
  await fetch(`${host.url}/bot${token}/getUpdates?offset=${update.update_id + 1}`);
  return update.message!.chat.id;
}
