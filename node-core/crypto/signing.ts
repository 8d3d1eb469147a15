import { ed25519 } from '@noble/curves/ed25519.js';
import { concatBytes, utf8ToBytes } from '@noble/hashes/utils.js';

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

export function signWithContext(context: string, secretKey: Uint8Array, payload: Uint8Array): Uint8Array {
  return ed25519.sign(withContext(context, payload), secretKey);
}

export function verifyWithContext(
  context: string,
  publicKey: Uint8Array,
  payload: Uint8Array,
  signature: Uint8Array,
): boolean {
  try {
    return ed25519.verify(signature, withContext(context, payload), publicKey);
  } catch {
    // Malformed keys or signatures are simply invalid, never an exception for the caller.
    return false;
  }
}
