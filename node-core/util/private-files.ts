import fs from 'node:fs';
import path from 'node:path';

/** The data directory is readable by its owner only: it holds keys, the API token and chats. */
export function ensurePrivateDir(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const stat = fs.statSync(dir);
  if (!stat.isDirectory()) throw new Error(`${dir} exists and is not a directory`);
  if (process.platform !== 'win32' && (stat.mode & 0o077) !== 0) fs.chmodSync(dir, 0o700);
}

/**
 * Writes a new 0600 file so that it is either absent or complete, never partial, even across
 * kill -9 or power loss: write a temporary file, fsync it, then link it into place. Linking fails
 * if another process won the race, in which case its file is kept.
 * Returns false when the file already existed.
 */
export function createPrivateFileOnce(file: string, contents: string | Uint8Array): boolean {
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  const fd = fs.openSync(tmp, 'wx', 0o600);
  try {
    fs.writeSync(fd, typeof contents === 'string' ? Buffer.from(contents) : contents);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  try {
    fs.linkSync(tmp, file);
    fsyncDir(path.dirname(file));
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

/** Reads a secret file, tightening its mode to 0600 if someone loosened it. */
export function readPrivateFile(file: string): Buffer {
  if (process.platform !== 'win32') {
    const stat = fs.statSync(file);
    if ((stat.mode & 0o077) !== 0) fs.chmodSync(file, 0o600);
  }
  return fs.readFileSync(file);
}

export function readOrCreatePrivateFile(file: string, create: () => string | Uint8Array): Buffer {
  if (!fs.existsSync(file)) createPrivateFileOnce(file, create());
  return readPrivateFile(file);
}

function fsyncDir(dir: string): void {
  if (process.platform === 'win32') return;
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}
