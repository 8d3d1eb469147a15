import { xchacha20poly1305 } from '../crypto/xchacha.ts';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';

/**
 * Each file gets its own random key, so the chunk index alone is a nonce that never repeats
 * under one key; a chunk is named by the SHA-256 of its ciphertext, which lets relays and
 * senders serve it without ever holding the key.
 */
export const CHUNK_SIZE = 256 * 1024;
const HASH_BYTES = 32;

const nonceFor = (index: number): Uint8Array => {
  const nonce = new Uint8Array(24);
  new DataView(nonce.buffer).setUint32(20, index);
  return nonce;
};

export const encryptChunk = (key: Uint8Array, index: number, plain: Uint8Array): Uint8Array => xchacha20poly1305(key, nonceFor(index)).encrypt(plain);
export const decryptChunk = (key: Uint8Array, index: number, cipher: Uint8Array): Uint8Array => xchacha20poly1305(key, nonceFor(index)).decrypt(cipher);

/** An empty file is still one (empty) chunk, so every attachment has a hash to fetch. */
export const chunkCount = (size: number, chunkSize: number): number => Math.max(1, Math.ceil(size / chunkSize));

/** How many chunk hashes a concatenated list holds; a list with a partial hash holds none that can be trusted. */
export const hashCount = (hashes: Uint8Array): number => hashes.length / HASH_BYTES;
export const isHashList = (hashes: Uint8Array): boolean => hashes.length % HASH_BYTES === 0;

export const chunkHashAt = (hashes: Uint8Array, index: number): Uint8Array => hashes.subarray(index * HASH_BYTES, (index + 1) * HASH_BYTES);

/** Copies, not views: the list goes into a CBOR frame and a signed statement. */
export function splitHashes(hashes: Uint8Array): Uint8Array[] {
  const list: Uint8Array[] = [];
  for (let i = 0; i * HASH_BYTES < hashes.length; i++) list.push(hashes.slice(i * HASH_BYTES, (i + 1) * HASH_BYTES));
  return list;
}

export const hexDigest = (data: Uint8Array): string => bytesToHex(sha256(data));
