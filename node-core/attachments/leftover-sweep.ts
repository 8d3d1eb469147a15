import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import type { AttachmentRepository } from '../store/repositories/attachments.ts';
import type { Store } from '../store/store.ts';
import { sweepLeftovers as sweepFiles } from '../util/private-files.ts';
import type { AttachmentFiles } from './attachment-files.ts';
import { hexDigest } from './chunk-crypto.ts';

/**
 * What a crash or a failed write left behind: an upload whose row was committed is finished,
 * every other upload and any part file no download owns is removed.
 */
export function sweepLeftovers(files: AttachmentFiles, store: Store, log: Logger): void {
  const recovered: string[] = [];
  // Read inside the sweep's try: a store that cannot be read means keeping every file.
  const attachments = (): AttachmentRepository => store.repos.attachments;
  const isLeftover = (name: string): boolean => {
    const upload = /^(.+)\.upload$/.exec(name);
    if (upload) {
      const id = upload[1]!;
      if (!finishUpload(files, attachments(), id, path.join(files.dir, name))) return true;
      recovered.push(id);
      return false;
    }
    const part = /^(.+)\.part$/.exec(name);
    if (part) return attachments().get(part[1]!)?.state !== 'downloading';
    return false;
  };
  try {
    const removed = sweepFiles(files.dir, isLeftover);
    if (removed.length > 0) log.info({ removed }, 'removed attachment files left by interrupted or failed writes');
  } catch (err) {
    // A damaged database cannot tell which files are wanted: then keep them all.
    log.warn({ err: (err as Error).message }, 'could not sweep the attachments directory');
  }
  if (recovered.length > 0) log.info({ recovered }, 'finished uploads a crash interrupted');
}

/** An upload is kept only when its row was committed and the file is exactly what the row describes. */
function finishUpload(files: AttachmentFiles, attachments: AttachmentRepository, id: string, file: string): boolean {
  const row = attachments.get(id);
  if (row?.state !== 'local' || fs.existsSync(files.file(id))) return false;
  if (fs.statSync(file).size !== row.size || hexDigest(fs.readFileSync(file)) !== row.sha256) return false;
  fs.renameSync(file, files.file(id));
  return true;
}
