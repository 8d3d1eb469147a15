import { createPublicKey, diffieHellman, randomBytes } from 'node:crypto';
import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import { publicKeyBytes, rawPrivateKey, rawPublicKey } from './raw-keys.ts';

const KEY_BYTES = 32;
// X25519 runs in Node's crypto library (several times faster than the pure-JS curve).
const privateKeyObject = (secretKey: Uint8Array) => rawPrivateKey('x25519', secretKey);
const publicKeyObject = (publicKey: Uint8Array) => rawPublicKey('x25519', publicKey);

export class InvalidKeyError extends Error {
  override readonly name = 'InvalidKeyError';
}

export interface DhKeyPair {
  readonly publicKey: Uint8Array;
  readonly secretKey: Uint8Array;
}

/** Whether this runtime's crypto library does X25519; the pure-JS curve serves where not. */
const NATIVE = (() => {
  try {
    const secretKey = new Uint8Array(32).fill(9);
    const publicKey = x25519.getPublicKey(new Uint8Array(32).fill(5));
    const shared = diffieHellman({ privateKey: privateKeyObject(secretKey), publicKey: publicKeyObject(publicKey) });
    return Buffer.from(shared).equals(Buffer.from(x25519.getSharedSecret(secretKey, publicKey)));
  } catch {
    return false;
  }
})();

export function generateDhKeyPair(): DhKeyPair {
  if (!NATIVE) return x25519.keygen();
  const secretKey = new Uint8Array(randomBytes(KEY_BYTES));
  return { publicKey: publicKeyBytes(createPublicKey(privateKeyObject(secretKey))), secretKey };
}

/**
 * X25519 that refuses low-order peer keys: an all-zero output carries no secret at all, and a
 * peer who could force it would learn every key derived from this exchange.
 */
export function dh(secretKey: Uint8Array, publicKey: Uint8Array): Uint8Array {
  if (secretKey.length !== KEY_BYTES || publicKey.length !== KEY_BYTES) {
    throw new InvalidKeyError('X25519 keys must be 32 bytes');
  }
  let shared: Uint8Array;
  try {
    shared = NATIVE
      ? new Uint8Array(diffieHellman({ privateKey: privateKeyObject(secretKey), publicKey: publicKeyObject(publicKey) }))
      : x25519.getSharedSecret(secretKey, publicKey);
  } catch (cause) {
    throw new InvalidKeyError('X25519 rejected the public key (low-order point)', { cause });
  }
  // OpenSSL already refuses the zero output; checked again so the guarantee does not hinge on it.
  if (shared.every((byte) => byte === 0)) throw new InvalidKeyError('X25519 produced an all-zero shared secret');
  return shared;
}

/**
 * One Ed25519 identity key serves both for signatures and for X3DH, so a peer's identity is a
 * single public key; its X25519 form is the birational image of the Edwards point.
 */
export function identityDhPublic(edPublic: Uint8Array): Uint8Array {
  if (edPublic.length !== KEY_BYTES) throw new InvalidKeyError('Ed25519 public keys must be 32 bytes');
  try {
    return ed25519.utils.toMontgomery(edPublic);
  } catch (cause) {
    throw new InvalidKeyError('not a valid Ed25519 public key', { cause });
  }
}

export function identityDhSecret(edSecret: Uint8Array): Uint8Array {
  if (edSecret.length !== KEY_BYTES) throw new InvalidKeyError('Ed25519 secret keys must be 32 bytes');
  // slice(): noble returns a view into the 64-byte hash, which would keep its other half alive.
  return ed25519.utils.toMontgomerySecret(edSecret).slice();
}
