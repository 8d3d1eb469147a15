import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ed25519 } from '@noble/curves/ed25519.js';
import { bytesToHex, concatBytes, randomBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import { DecryptionError, deriveKeyFromPassphrase, deriveSubkey, newScryptParams, open, seal } from '../../crypto/sealing.ts';
import { generateSigningKeyPair, signWithContext, signingPublicKey, verifyWithContext } from '../../crypto/signing.ts';
import { decodeAvatar } from '../../identity/avatar.ts';
import { signProfile, verifyProfile } from '../../identity/profile-signature.ts';

describe('sealing (XChaCha20-Poly1305)', () => {
  const key = randomBytes(32);
  const aad = utf8ToBytes('context');

  it('round-trips and uses a fresh nonce each time', () => {
    const a = seal(key, utf8ToBytes('secret'), aad);
    const b = seal(key, utf8ToBytes('secret'), aad);
    assert.notDeepEqual(a, b);
    assert.equal(new TextDecoder().decode(open(key, a, aad)), 'secret');
  });

  it('refuses a wrong key, other associated data, a flipped bit or truncation', () => {
    const sealed = seal(key, utf8ToBytes('secret'), aad);
    assert.throws(() => open(randomBytes(32), sealed, aad), DecryptionError);
    assert.throws(() => open(key, sealed, utf8ToBytes('other')), DecryptionError);
    const flipped = sealed.slice();
    flipped[30]! ^= 1;
    assert.throws(() => open(key, flipped, aad), DecryptionError);
    assert.throws(() => open(key, sealed.subarray(0, 20), aad), DecryptionError);
  });

  it('derives the same key from the same passphrase and parameters only', async () => {
    const params = { ...newScryptParams(), N: 2 ** 14 };
    const k1 = await deriveKeyFromPassphrase('correct horse', params);
    const k2 = await deriveKeyFromPassphrase('correct horse', params);
    const k3 = await deriveKeyFromPassphrase('correct horsf', params);
    const k4 = await deriveKeyFromPassphrase('correct horse', { ...params, salt: '00'.repeat(16) });
    assert.deepEqual(k1, k2);
    assert.notDeepEqual(k1, k3);
    assert.notDeepEqual(k1, k4);
  });

  it('derives independent subkeys per purpose', () => {
    const secret = randomBytes(32);
    assert.notDeepEqual(deriveSubkey(secret, 'a'), deriveSubkey(secret, 'b'));
    assert.deepEqual(deriveSubkey(secret, 'a'), deriveSubkey(secret, 'a'));
  });
});

describe('signing (Ed25519 with context labels)', () => {
  it('verifies what was signed, under the same context only', () => {
    const { publicKey, secretKey } = generateSigningKeyPair();
    assert.deepEqual(signingPublicKey(secretKey), publicKey);
    const payload = utf8ToBytes('payload');
    const sig = signWithContext('dchat/a', secretKey, payload);
    assert.ok(verifyWithContext('dchat/a', publicKey, payload, sig));
    assert.ok(!verifyWithContext('dchat/b', publicKey, payload, sig), 'a signature cannot be replayed under another context');
    assert.ok(!verifyWithContext('dchat/a', publicKey, utf8ToBytes('payloaf'), sig));
    assert.ok(!verifyWithContext('dchat/a', generateSigningKeyPair().publicKey, payload, sig));
    assert.ok(!verifyWithContext('dchat/a', new Uint8Array(5), payload, sig), 'malformed keys are just invalid');
    assert.ok(!verifyWithContext('dchat/a', publicKey, payload, new Uint8Array(64)));
  });

  it('makes the same bytes as the RFC 8032 reference (the pure-JS curve), so old and new nodes verify each other', () => {
    for (let i = 0; i < 20; i++) {
      const { publicKey, secretKey } = generateSigningKeyPair();
      const payload = randomBytes(i * 13);
      const sig = signWithContext('dchat/x', secretKey, payload);
      const signed = concatBytes(utf8ToBytes('dchat/x'), new Uint8Array([0]), payload);
      assert.deepEqual(sig, ed25519.sign(signed, secretKey));
      assert.ok(ed25519.verify(sig, signed, publicKey));
      const tampered = sig.slice();
      tampered[i % 64]! ^= 1;
      assert.ok(!verifyWithContext('dchat/x', publicKey, payload, tampered));
    }
  });

  it('keeps verifying correctly past its cache of public keys', () => {
    const pairs = Array.from({ length: 1100 }, () => generateSigningKeyPair());
    const payload = utf8ToBytes('p');
    const sigs = pairs.map((k) => signWithContext('dchat/c', k.secretKey, payload));
    for (const round of [0, 1]) {
      pairs.forEach((k, i) => {
        assert.ok(verifyWithContext('dchat/c', k.publicKey, payload, sigs[i]!), `key ${i}, round ${round}`);
        assert.ok(!verifyWithContext('dchat/c', k.publicKey, payload, sigs[(i + 1) % pairs.length]!));
      });
    }
  });
});

describe('profile signatures', () => {
  it('cover every field', () => {
    const { publicKey, secretKey } = generateSigningKeyPair();
    const profile = {
      identity_key: bytesToHex(publicKey),
      username: 'alice',
      display_name: 'Alice',
      bio: 'hi',
      avatar: new Uint8Array([1, 2, 3]),
      avatar_type: 'image/png',
      version: 1,
      updated_at: 1000,
    };
    const signature = signProfile(profile, secretKey);
    assert.ok(verifyProfile({ ...profile, signature }));
    for (const tampered of [
      { display_name: 'Mallory' },
      { bio: 'hi!' },
      { avatar: new Uint8Array([1, 2, 4]) },
      { avatar: null },
      { version: 2 },
      { updated_at: 1001 },
      { username: 'alicf' },
      { identity_key: bytesToHex(generateSigningKeyPair().publicKey) },
    ]) {
      assert.ok(!verifyProfile({ ...profile, ...tampered, signature }), `tampering ${Object.keys(tampered)[0]} is detected`);
    }
  });
});

describe('avatars', () => {
  const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(16)]);
  it('accepts an image whose bytes match its declared type', () => {
    const decoded = decodeAvatar(`data:image/png;base64,${png.toString('base64')}`);
    assert.equal(decoded.type, 'image/png');
    assert.equal(decoded.bytes.length, png.length);
  });
  it('refuses a mislabelled, non-image or oversized avatar', () => {
    assert.throws(() => decodeAvatar(`data:image/jpeg;base64,${png.toString('base64')}`), /is a image\/png, not image\/jpeg/);
    assert.throws(() => decodeAvatar(`data:image/png;base64,${Buffer.from('<svg>').toString('base64')}`), /not a PNG/);
    const big = Buffer.concat([png, Buffer.alloc(300 * 1024)]);
    assert.throws(() => decodeAvatar(`data:image/png;base64,${big.toString('base64')}`), /over the/);
  });
});
