import { createCipheriv, createDecipheriv, createSecretKey, getCiphers, type KeyObject } from 'node:crypto';
import { hchacha, xchacha20poly1305 as pureXChaCha } from '@noble/ciphers/chacha.js';

/**
 * XChaCha20-Poly1305 (draft-irtf-cfrg-xchacha) with the bulk work in Node's OpenSSL: HChaCha20
 * turns the key and the first 16 nonce bytes into a subkey (one ChaCha block, pure JS), then
 * OpenSSL's ChaCha20-Poly1305 runs with the last 8 nonce bytes. The output, ciphertext || 16-byte
 * tag, is byte for byte what the pure-JS cipher made, so stored and in-flight data stay readable.
 * Electron's BoringSSL has no ChaCha20-Poly1305 cipher: there the pure-JS one serves.
 */

const NATIVE = getCiphers().includes('chacha20-poly1305');

const KEY_BYTES = 32;
const NONCE_BYTES = 24;
const TAG_BYTES = 16;
// "expand 32-byte k", little-endian words.
const SIGMA = new Uint32Array([0x61707865, 0x3320646e, 0x79622d32, 0x6b206574]);

export class AeadError extends Error {
  override readonly name = 'AeadError';
}

const words = (bytes: Uint8Array): Uint32Array => {
  const copy = bytes.slice();
  return new Uint32Array(copy.buffer, copy.byteOffset, copy.byteLength / 4);
};

// The subkey goes in as a KeyObject: handed a Buffer, Node (24) first tries it as a KeyObject
// and a CryptoKey, and each failed brand check costs more than the cipher itself (~20 µs).
function subkeyAndNonce(key: Uint8Array, nonce: Uint8Array): { subkey: KeyObject; iv: Buffer } {
  if (key.length !== KEY_BYTES) throw new AeadError('XChaCha20-Poly1305 keys are 32 bytes');
  if (nonce.length !== NONCE_BYTES) throw new AeadError('XChaCha20-Poly1305 nonces are 24 bytes');
  const out = new Uint32Array(8);
  hchacha(SIGMA, words(key), words(nonce.subarray(0, 16)), out);
  const iv = Buffer.alloc(12);
  iv.set(nonce.subarray(16), 4);
  const bytes = Buffer.from(out.buffer);
  const subkey = createSecretKey(bytes);
  bytes.fill(0);
  return { subkey, iv };
}

export interface Aead {
  encrypt(plaintext: Uint8Array): Uint8Array;
  decrypt(sealed: Uint8Array): Uint8Array;
}

export function xchacha20poly1305(key: Uint8Array, nonce: Uint8Array, associatedData?: Uint8Array): Aead {
  return NATIVE ? nativeXChaCha(key, nonce, associatedData) : pureJs(key, nonce, associatedData);
}

function pureJs(key: Uint8Array, nonce: Uint8Array, associatedData?: Uint8Array): Aead {
  if (key.length !== KEY_BYTES) throw new AeadError('XChaCha20-Poly1305 keys are 32 bytes');
  if (nonce.length !== NONCE_BYTES) throw new AeadError('XChaCha20-Poly1305 nonces are 24 bytes');
  const cipher = pureXChaCha(key, nonce, associatedData);
  return {
    encrypt: (plaintext) => cipher.encrypt(plaintext),
    decrypt(sealed) {
      try {
        return cipher.decrypt(sealed);
      } catch (cause) {
        throw new AeadError('invalid tag: wrong key or tampered data', { cause });
      }
    },
  };
}

function nativeXChaCha(key: Uint8Array, nonce: Uint8Array, associatedData?: Uint8Array): Aead {
  return {
    encrypt(plaintext) {
      const { subkey, iv } = subkeyAndNonce(key, nonce);
      const cipher = createCipheriv('chacha20-poly1305', subkey, iv, { authTagLength: TAG_BYTES });
      if (associatedData && associatedData.length > 0) cipher.setAAD(associatedData, { plaintextLength: plaintext.length });
      const head = cipher.update(plaintext);
      const tail = cipher.final();
      const out = new Uint8Array(head.length + tail.length + TAG_BYTES);
      out.set(head, 0);
      out.set(tail, head.length);
      out.set(cipher.getAuthTag(), head.length + tail.length);
      return out;
    },
    decrypt(sealed) {
      if (sealed.length < TAG_BYTES) throw new AeadError('ciphertext shorter than its tag');
      const { subkey, iv } = subkeyAndNonce(key, nonce);
      const body = sealed.subarray(0, sealed.length - TAG_BYTES);
      const decipher = createDecipheriv('chacha20-poly1305', subkey, iv, { authTagLength: TAG_BYTES });
      decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
      if (associatedData && associatedData.length > 0) decipher.setAAD(associatedData, { plaintextLength: body.length });
      try {
        const head = decipher.update(body);
        const tail = decipher.final();
        return tail.length === 0 ? new Uint8Array(head.buffer, head.byteOffset, head.length) : new Uint8Array(Buffer.concat([head, tail]));
      } catch (cause) {
        throw new AeadError('invalid tag: wrong key or tampered data', { cause });
      }
    },
  };
}
