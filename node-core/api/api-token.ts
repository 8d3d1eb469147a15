import path from 'node:path';
import { randomBytes } from '@noble/hashes/utils.js';
import { readOrCreatePrivateFile } from '../util/private-files.ts';

export const API_TOKEN_FILE = 'api-token';

/** The bearer token for /api, created on first start or --init-db as <data_dir>/api-token (0600). */
export function loadOrCreateApiToken(dataDir: string): string {
  const file = path.join(dataDir, API_TOKEN_FILE);
  const token = readOrCreatePrivateFile(file, () => `${Buffer.from(randomBytes(32)).toString('base64url')}\n`)
    .toString('utf8')
    .trim();
  if (token.length < 16) throw new Error(`${file} holds no usable token (delete it to get a new one)`);
  return token;
}
