import path from 'node:path';
import { randomBytes } from '@noble/hashes/utils.js';
import { readOrCreatePrivateFile } from '../util/private-files.ts';

export const NODE_SECRET_FILE = 'node-secret';

/**
 * 32 random bytes in <data_dir>/node-secret (0600). Identity keys created without a passphrase are
 * sealed under a key derived from it, so a copied database alone does not reveal them.
 */
export function loadOrCreateNodeSecret(dataDir: string): Uint8Array {
  const file = path.join(dataDir, NODE_SECRET_FILE);
  const secret = readOrCreatePrivateFile(file, () => randomBytes(32));
  if (secret.length !== 32) throw new Error(`${file} is damaged: expected 32 bytes, found ${secret.length}`);
  return new Uint8Array(secret);
}
