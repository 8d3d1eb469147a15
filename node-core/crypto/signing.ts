import { sign as nodeSign, verify as nodeVerify, type KeyObject } from 'node:crypto';
import { ed25519 } from '@noble/curves/ed25519.js';
import { bytesToHex, concatBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import { rawPrivateKey, rawPublicKey } from './raw-keys.ts';

export interface SigningKeyPair {
  readonly publicKey: Uint8Array;
  readonly secretKey: Uint8Array;
}

export function generateSigningKeyPair(): SigningKeyPair {
  return ed25519.keygen();
}

export function signingPublicKey(secretKey: Uint8Array): Uint8Array {
  return ed25519.getPublicKey(secretKey);
}

/**
 * Every signed structure carries a context label, so a signature made for one kind of data (a
 * profile, an envelope, a receipt) can never be presented as a signature over another.
 */
function withContext(context: string, payload: Uint8Array): Uint8Array {
  return concatBytes(utf8ToBytes(context), new Uint8Array([0]), payload);
}

// Signing and verifying on the message path go through Node's OpenSSL (also in Electron's main
// process): about 20× faster than the pure-JS curve. Ed25519 is deterministic, so the signatures
// are the same bytes either way. KeyObjects are kept: building one costs as much as the verification.
const PUBLIC_KEYS_KEPT = 1024;
const secretKeys = new WeakMap<Uint8Array, KeyObject>();
const publicKeys = new Map<string, KeyObject>();

function secretKeyObject(secretKey: Uint8Array): KeyObject {
  let key = secretKeys.get(secretKey);
  if (!key) {
    if (secretKey.length !== 32) throw new Error('Ed25519 secret keys must be 32 bytes');
    key = rawPrivateKey('ed25519', secretKey);
    secretKeys.set(secretKey, key);
  }
  return key;
}

function publicKeyObject(publicKey: Uint8Array): KeyObject {
  const hex = bytesToHex(publicKey);
  let key = publicKeys.get(hex);
  if (key) {
    // Most recently used last, so the oldest is the one dropped.
    publicKeys.delete(hex);
  } else {
    key = rawPublicKey('ed25519', publicKey);
    if (publicKeys.size >= PUBLIC_KEYS_KEPT) publicKeys.delete(publicKeys.keys().next().value!);
  }
  publicKeys.set(hex, key);
  return key;
}

/** Whether this runtime's crypto library signs Ed25519 (Node's OpenSSL and Electron's BoringSSL do). */
const NATIVE = (() => {
  try {
    const secretKey = new Uint8Array(32).fill(7);
    const payload = new Uint8Array([1, 2, 3]);
    const signature = nodeSign(null, payload, secretKeyObject(secretKey));
    return ed25519.verify(signature, payload, ed25519.getPublicKey(secretKey));
  } catch {
    return false;
  }
})();

export function signWithContext(context: string, secretKey: Uint8Array, payload: Uint8Array): Uint8Array {
  const message = withContext(context, payload);
  return NATIVE ? new Uint8Array(nodeSign(null, message, secretKeyObject(secretKey))) : ed25519.sign(message, secretKey);
}

export function verifyWithContext(
  context: string,
  publicKey: Uint8Array,
  payload: Uint8Array,
  signature: Uint8Array,
): boolean {
  if (publicKey.length !== 32 || signature.length !== 64) return false;
  try {
    const message = withContext(context, payload);
    return NATIVE ? nodeVerify(null, message, publicKeyObject(publicKey), signature) : ed25519.verify(signature, message, publicKey);
  } catch {
    // Malformed keys or signatures are simply invalid, never an exception for the caller.
    return false;
  }
}

/**
 * The same check off the main thread: Node runs an Ed25519 verification given a callback on its
 * libuv thread pool, so a batch of them (a block, a gossiped batch of transactions) uses every
 * core while the event loop goes on. Without native Ed25519 it is the synchronous check.
 */
export function verifyWithContextAsync(context: string, publicKey: Uint8Array, payload: Uint8Array, signature: Uint8Array): Promise<boolean> {
  if (!NATIVE) return Promise.resolve(verifyWithContext(context, publicKey, payload, signature));
  if (publicKey.length !== 32 || signature.length !== 64) return Promise.resolve(false);
  return new Promise((resolve) => {
    try {
      nodeVerify(null, withContext(context, payload), publicKeyObject(publicKey), signature, (err, ok) => resolve(!err && ok));
    } catch {
      resolve(false);
    }
  });
}
