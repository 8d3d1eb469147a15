import fs from 'node:fs';
import path from 'node:path';

/**
 * Where an attachment's bytes live under `<data_dir>/attachments`. A file named by its id is
 * complete (or our own upload); the suffixes mark writes in progress, so that a crash leaves
 * something the next start can recognise and finish or remove.
 */
export interface AttachmentFiles {
  readonly dir: string;
  file(id: string): string;
  /** An upload being written: renamed to its id once its row is committed. */
  upload(id: string): string;
  /** A download in progress: the chunks recorded as done, renamed to its id once complete. */
  part(id: string): string;
}

export function attachmentFiles(dataDir: string): AttachmentFiles {
  const dir = path.join(dataDir, 'attachments');
  const file = (id: string) => path.join(dir, id);
  return {
    dir,
    file,
    upload: (id) => `${file(id)}.upload`,
    part: (id) => `${file(id)}.part`,
  };
}

export function readChunkAt(fd: number, index: number, chunkSize: number): Uint8Array {
  const buffer = Buffer.alloc(chunkSize);
  const n = fs.readSync(fd, buffer, 0, chunkSize, index * chunkSize);
  return new Uint8Array(buffer.subarray(0, n));
}

export function readChunk(file: string, index: number, chunkSize: number): Uint8Array {
  const fd = fs.openSync(file, 'r');
  try {
    return readChunkAt(fd, index, chunkSize);
  } finally {
    fs.closeSync(fd);
  }
}
