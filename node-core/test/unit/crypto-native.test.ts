import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { xchacha20poly1305 as referenceXChaCha } from '@noble/ciphers/chacha.js';
import { x25519 as referenceX25519 } from '@noble/curves/ed25519.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { randomBytes } from '@noble/hashes/utils.js';
import { hkdfSha256, hmacSha256 } from '../../crypto/kdf.ts';
import { dh, generateDhKeyPair, InvalidKeyError } from '../../crypto/x25519.ts';
import { AeadError, xchacha20poly1305 } from '../../crypto/xchacha.ts';

// The message path's primitives run in Node's OpenSSL; the pure-JS reference implementations
// they replaced must agree byte for byte, or stored sessions and messages would stop opening.

describe('XChaCha20-Poly1305 over OpenSSL', () => {
  it('matches the reference cipher for every length, with and without associated data', () => {
    for (const length of [0, 1, 15, 16, 63, 64, 65, 1000, 65_536]) {
      for (const aad of [undefined, new Uint8Array(0), randomBytes(length % 50)]) {
        const [key, nonce, plain] = [randomBytes(32), randomBytes(24), randomBytes(length)];
        const sealed = xchacha20poly1305(key, nonce, aad).encrypt(plain);
        assert.deepEqual(sealed, referenceXChaCha(key, nonce, aad).encrypt(plain), `length ${length}`);
        assert.deepEqual(xchacha20poly1305(key, nonce, aad).decrypt(sealed), plain);
        assert.deepEqual(referenceXChaCha(key, nonce, aad).decrypt(sealed), plain);
      }
    }
  });

  it('refuses tampered data, a wrong key, other associated data and truncated input', () => {
    const [key, nonce, plain, aad] = [randomBytes(32), randomBytes(24), randomBytes(100), randomBytes(8)];
    const sealed = xchacha20poly1305(key, nonce, aad).encrypt(plain);
    for (const at of [0, 50, sealed.length - 1]) {
      const bad = sealed.slice();
      bad[at]! ^= 1;
      assert.throws(() => xchacha20poly1305(key, nonce, aad).decrypt(bad), AeadError);
    }
    assert.throws(() => xchacha20poly1305(randomBytes(32), nonce, aad).decrypt(sealed), AeadError);
    assert.throws(() => xchacha20poly1305(key, nonce, randomBytes(8)).decrypt(sealed), AeadError);
    assert.throws(() => xchacha20poly1305(key, nonce).decrypt(sealed), AeadError);
    assert.throws(() => xchacha20poly1305(key, nonce, aad).decrypt(sealed.subarray(0, 10)), AeadError);
    assert.throws(() => xchacha20poly1305(key.subarray(1), nonce).encrypt(plain), AeadError);
    assert.throws(() => xchacha20poly1305(key, nonce.subarray(1)).encrypt(plain), AeadError);
  });
});

describe('X25519 over OpenSSL', () => {
  it('makes key pairs and shared secrets the reference curve agrees with', () => {
    for (let i = 0; i < 20; i++) {
      const [a, b] = [generateDhKeyPair(), generateDhKeyPair()];
      assert.deepEqual(a.publicKey, referenceX25519.getPublicKey(a.secretKey));
      const shared = dh(a.secretKey, b.publicKey);
      assert.deepEqual(shared, dh(b.secretKey, a.publicKey));
      assert.deepEqual(shared, referenceX25519.getSharedSecret(a.secretKey, b.publicKey));
      const reference = referenceX25519.keygen();
      assert.deepEqual(dh(reference.secretKey, a.publicKey), referenceX25519.getSharedSecret(a.secretKey, reference.publicKey));
    }
  });

  it('refuses low-order public keys and wrong lengths', () => {
    const { secretKey } = generateDhKeyPair();
    // The zero point and the point of order 8 on Curve25519 (u = 1, and the small-order points' u).
    const lowOrder = ['00', '01', 'e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800'];
    for (const hex of lowOrder) {
      const u = new Uint8Array(32);
      u.set(Buffer.from(hex, 'hex'));
      assert.throws(() => dh(secretKey, u), InvalidKeyError, hex);
    }
    assert.throws(() => dh(secretKey, new Uint8Array(31)), InvalidKeyError);
    assert.throws(() => dh(new Uint8Array(31), generateDhKeyPair().publicKey), InvalidKeyError);
  });
});

describe('HMAC and HKDF over OpenSSL', () => {
  it('equal the reference hashes', () => {
    for (let i = 0; i < 20; i++) {
      const [key, data, salt, info] = [randomBytes(32), randomBytes(i * 7), randomBytes(32), randomBytes(i)];
      assert.deepEqual(hmacSha256(key, data), hmac(sha256, key, data));
      assert.deepEqual(hkdfSha256(key, salt, info, 56), hkdf(sha256, key, salt, info, 56));
      assert.deepEqual(hkdfSha256(key, undefined, info, 32), hkdf(sha256, key, undefined, info, 32));
    }
  });
});
