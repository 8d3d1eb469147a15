import { xchacha20poly1305 } from './xchacha.ts';
import { scryptAsync } from '@noble/hashes/scrypt.js';
import { concatBytes, randomBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import { z } from 'zod';
import { hkdfSha256 } from './kdf.ts';

const NONCE_BYTES = 24;
const KEY_BYTES = 32;

export class DecryptionError extends Error {
  override readonly name = 'DecryptionError';
}

export const scryptParamsSchema = z.object({
  algorithm: z.literal('scrypt'),
  N: z.number().int().min(2 ** 14).max(2 ** 22),
  r: z.number().int().min(1).max(32),
  p: z.number().int().min(1).max(16),
  salt: z.string().regex(/^[0-9a-f]{32,}$/),
});
export type ScryptParams = z.infer<typeof scryptParamsSchema>;

/** OWASP's recommended scrypt cost (N=2^17, r=8, p=1): about 0.3 s here, fine for an unlock. */
export function newScryptParams(): ScryptParams {
  return { algorithm: 'scrypt', N: 2 ** 17, r: 8, p: 1, salt: Buffer.from(randomBytes(16)).toString('hex') };
}

export async function deriveKeyFromPassphrase(passphrase: string, params: ScryptParams): Promise<Uint8Array> {
  return scryptAsync(passphrase.normalize('NFKC'), Buffer.from(params.salt, 'hex'), {
    N: params.N,
    r: params.r,
    p: params.p,
    dkLen: KEY_BYTES,
  });
}

/** Independent keys for independent purposes, all from one high-entropy secret. */
export function deriveSubkey(secret: Uint8Array, purpose: string): Uint8Array {
  return hkdfSha256(secret, undefined, utf8ToBytes(purpose), KEY_BYTES);
}

/** XChaCha20-Poly1305 with a random nonce; the output is nonce || ciphertext || tag. */
export function seal(key: Uint8Array, plaintext: Uint8Array, associatedData: Uint8Array): Uint8Array {
  const nonce = randomBytes(NONCE_BYTES);
  return concatBytes(nonce, xchacha20poly1305(key, nonce, associatedData).encrypt(plaintext));
}

export function open(key: Uint8Array, sealed: Uint8Array, associatedData: Uint8Array): Uint8Array {
  if (sealed.length < NONCE_BYTES + 16) throw new DecryptionError('sealed data is truncated');
  try {
    return xchacha20poly1305(key, sealed.subarray(0, NONCE_BYTES), associatedData).decrypt(sealed.subarray(NONCE_BYTES));
  } catch {
    throw new DecryptionError('wrong key or tampered data');
  }
}
