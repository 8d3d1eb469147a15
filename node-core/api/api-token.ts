import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from '@noble/hashes/utils.js';
import type { Logger } from 'pino';
import { readOrCreatePrivateFile, readPrivateFile } from '../util/private-files.ts';

export const API_TOKEN_FILE = 'api-token';
const MIN_TOKEN_LENGTH = 16;

/** The bearer token for /api, created on first start or --init-db as <data_dir>/api-token (0600). */
export function loadOrCreateApiToken(dataDir: string): string {
  const file = path.join(dataDir, API_TOKEN_FILE);
  const token = readOrCreatePrivateFile(file, () => `${Buffer.from(randomBytes(32)).toString('base64url')}\n`)
    .toString('utf8')
    .trim();
  if (token.length < MIN_TOKEN_LENGTH) throw new Error(`${file} holds no usable token (delete it to get a new one)`);
  return token;
}

/** The token in force, re-read when its file changes, so replacing the file rotates it at once. */
export interface ApiTokenSource {
  current(): string;
}

export function createApiTokenSource(dataDir: string, logger: Logger): ApiTokenSource {
  const file = path.join(dataDir, API_TOKEN_FILE);
  let token = loadOrCreateApiToken(dataDir);
  const identity = (stat: fs.Stats) => `${stat.ino}:${stat.size}:${stat.mtimeMs}:${stat.ctimeMs}`;
  let seen = identity(fs.statSync(file));
  return {
    current() {
      // One stat per authorised request (a microsecond or two) buys rotation without a restart
      // and without a watcher that some file systems never fire.
      let stat: fs.Stats;
      try {
        stat = fs.statSync(file);
      } catch {
        if (seen !== 'missing') logger.warn(`${file} is gone; the last token stays in force until a new file is written`);
        seen = 'missing';
        return token;
      }
      const now = identity(stat);
      if (now === seen) return token;
      seen = now;
      const next = readPrivateFile(file).toString('utf8').trim();
      if (next.length < MIN_TOKEN_LENGTH) {
        logger.warn(`${file} holds no usable token (at least ${MIN_TOKEN_LENGTH} characters); the previous token stays in force`);
        return token;
      }
      if (next !== token) logger.info('the API token was replaced; the previous one no longer works');
      token = next;
      return token;
    },
  };
}
