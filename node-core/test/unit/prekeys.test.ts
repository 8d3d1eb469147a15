import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { bytesToHex } from '@noble/hashes/utils.js';
import { generateSigningKeyPair } from '../../crypto/signing.ts';
import { createLocalVault } from '../../sessions/vault.ts';
import { assignOneTimePrekeys, ensurePrekeys, RELAY_SHARE } from '../../sessions/prekeys.ts';
import { openTempStore } from '../helpers/store.ts';

describe('one-time prekeys handed to relays', () => {
  const store = openTempStore();
  after(() => store.stop());

  it('a used-up relay share is moved aside whole, so the relay can get a fresh share', async () => {
    const { publicKey, secretKey } = generateSigningKeyPair();
    const identity = bytesToHex(publicKey);
    const relay = 'relay-1';
    const vault = createLocalVault(new Uint8Array(32).fill(7));
    await store.write((repos) =>
      repos.identities.insert({ id: identity, username: 'alice', public_key: publicKey, sealed_secret_key: new Uint8Array(1), key_protection: 'node-secret', kdf_params: null, is_default: true, created_at: Date.now() }),
    );
    const first = await store.write((repos) => {
      ensurePrekeys(repos, vault, identity, secretKey, Date.now());
      return assignOneTimePrekeys(repos, identity, relay, RELAY_SHARE);
    });
    assert.equal(first.length, RELAY_SHARE);
    const moved = await store.write((repos) => repos.prekeys.reassign(identity, relay, `spent:${relay}`));
    assert.equal(moved, RELAY_SHARE);
    assert.equal(store.repos.prekeys.countAssigned(identity, relay), 0);
    assert.equal(store.repos.prekeys.countAssigned(identity, `spent:${relay}`), RELAY_SHARE);
    const second = await store.write((repos) => {
      ensurePrekeys(repos, vault, identity, secretKey, Date.now());
      return assignOneTimePrekeys(repos, identity, relay, RELAY_SHARE);
    });
    assert.equal(second.length, RELAY_SHARE);
    assert.ok(second.every((k) => !first.some((f) => f.id === k.id)), 'the fresh share holds new keys');
  });
});
