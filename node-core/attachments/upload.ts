import fs from 'node:fs';
import type { AttachmentInfo } from '../domain/model.ts';
import { PayloadTooLargeError, ValidationError } from '../domain/errors.ts';
import type { AttachmentRow } from '../store/repositories/attachments.ts';
import { safeFileName } from '../util/file-names.ts';
import { ensurePrivateDir, writeFileDurably } from '../util/private-files.ts';
import { toInfo } from './attachment-info.ts';
import { CHUNK_SIZE, hexDigest } from './chunk-crypto.ts';
import type { AttachmentContext } from './context.ts';

/** Stores an uploaded file as a local attachment; it can then be sent with one message. */
export async function storeUpload(ctx: AttachmentContext, data: Uint8Array, name: string, mime: string): Promise<AttachmentInfo> {
  if (data.length > ctx.maxBytes) throw new PayloadTooLargeError(`the file is over the ${Math.floor(ctx.maxBytes / 1024 / 1024)} MB limit`);
  if (!/^[\w.+-]+\/[\w.+-]+$/.test(mime)) throw new ValidationError('type: expected a MIME type such as image/png');
  const id = crypto.randomUUID();
  ensurePrivateDir(ctx.files.dir);
  const row: AttachmentRow = {
    id,
    message_id: null,
    name: safeFileName(name),
    mime,
    size: data.length,
    sha256: hexDigest(data),
    sealed_key: null,
    chunk_size: CHUNK_SIZE,
    chunk_hashes: new Uint8Array(0),
    state: 'local',
    chunks_done: 0,
    source: null,
    created_at: ctx.now(),
  };
  // File first (flushed), then its row, then the rename: a failure at any step leaves
  // nothing behind, and a crash before the rename leaves an upload the next start finishes.
  const upload = ctx.files.upload(id);
  try {
    writeFileDurably(upload, data);
    await ctx.store.write((repos) => repos.attachments.insert(row));
    fs.renameSync(upload, ctx.files.file(id));
  } catch (err) {
    fs.rmSync(upload, { force: true });
    throw err;
  }
  return toInfo(row);
}
