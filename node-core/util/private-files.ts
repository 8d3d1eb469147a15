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
 * Writes a new 0600 file and flushes it to disk; a failure (a full disk) leaves nothing behind,
 * not even an empty file.
 */
export function writeFileDurably(file: string, data: Uint8Array): void {
  try {
    const fd = fs.openSync(file, 'wx', 0o600);
    try {
      fs.writeSync(fd, data);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  } catch (err) {
    fs.rmSync(file, { force: true });
    throw err;
  }
}

/**
 * Writes a new 0600 file so that it is either absent or complete, never partial, even across
 * kill -9 or power loss: write a temporary file, fsync it, then link it into place. Linking fails
 * if another process won the race, in which case its file is kept.
 * Returns false when the file already existed.
 */
export function createPrivateFileOnce(file: string, contents: string | Uint8Array): boolean {
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  writeFileDurably(tmp, typeof contents === 'string' ? Buffer.from(contents) : contents);
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

/** Temporary files of createPrivateFileOnce that a crash (kill -9, power loss) left behind. */
export const isPrivateTempFile = (name: string): boolean => /\.\d+\.\d+\.tmp$/.test(name);

/** A temporary file another live process (say `dchat --init-db` beside us) is still writing. */
function ownedByLiveProcess(name: string): boolean {
  const pid = Number(/\.(\d+)\.\d+\.tmp$/.exec(name)?.[1]);
  if (!Number.isSafeInteger(pid) || pid <= 0 || pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes what interrupted writes left in `dir`: temporary files of createPrivateFileOnce, and any
 * other name `isLeftover` recognises. Call it while holding the data directory, before writing.
 * Returns the names removed.
 */
export function sweepLeftovers(dir: string, isLeftover: (name: string) => boolean = () => false): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const removed: string[] = [];
  for (const name of names) {
    if (isPrivateTempFile(name) ? ownedByLiveProcess(name) : !isLeftover(name)) continue;
    fs.rmSync(path.join(dir, name), { force: true });
    removed.push(name);
  }
  return removed;
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
