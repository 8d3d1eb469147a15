import { createHmac, createSecretKey, hkdfSync } from 'node:crypto';

/**
 * HMAC-SHA256 and HKDF-SHA256 (RFC 5869) from Node's OpenSSL: every message steps a chain (two
 * HMACs) and derives its cipher key (one HKDF), and these are several times faster than the
 * pure-JS hashes. Outputs are the standard functions' bytes.
 */

export function hmacSha256(key: Uint8Array, data: Uint8Array): Uint8Array {
  // A KeyObject, not the bytes: Node's failed KeyObject/CryptoKey brand checks on a Buffer key
  // cost three times the HMAC.
  return new Uint8Array(createHmac('sha256', createSecretKey(key)).update(data).digest());
}

/** An absent salt is HashLen zero bytes, as RFC 5869 says. */
export function hkdfSha256(ikm: Uint8Array, salt: Uint8Array | undefined, info: Uint8Array, length: number): Uint8Array {
  return new Uint8Array(hkdfSync('sha256', ikm, salt ?? new Uint8Array(32), info, length));
}
