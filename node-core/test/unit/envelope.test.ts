import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { randomBytes } from '@noble/hashes/utils.js';
import { buildMerkleBatch, merkleRoot } from '../../crypto/merkle.ts';
import { generateSigningKeyPair } from '../../crypto/signing.ts';
import { encodeCbor, FrameDecodeError } from '../../p2p/codec.ts';
import { createEnvelopeVerifier, decodeEnvelope, encodeEnvelope, signEnvelopes, type EnvelopeCore } from '../../p2p/envelope.ts';

const core = (from: Uint8Array, text = 'x'): EnvelopeCore => ({
  type: 'dm',
  id: randomBytes(16),
  from,
  to: randomBytes(32),
  ts: Date.now(),
  body: new TextEncoder().encode(text),
});

describe('Merkle batches', () => {
  for (const count of [1, 2, 3, 5, 8, 13, 64]) {
    it(`every leaf of a ${count}-leaf batch proves the root, and only its own`, () => {
      const leaves = Array.from({ length: count }, () => randomBytes(20));
      const { root, proofs } = buildMerkleBatch(leaves);
      leaves.forEach((leaf, i) => {
        assert.deepEqual(merkleRoot(leaf, i, count, proofs[i]!), root);
        if (count > 1) assert.notDeepEqual(merkleRoot(leaf, (i + 1) % count, count, proofs[i]!), root);
        assert.notDeepEqual(merkleRoot(randomBytes(20), i, count, proofs[i]!), root);
      });
    });
  }
  it('rejects bad indexes and proofs of the wrong length', () => {
    const leaves = [randomBytes(8), randomBytes(8), randomBytes(8)];
    const { proofs } = buildMerkleBatch(leaves);
    assert.equal(merkleRoot(leaves[0]!, 5, 3, proofs[0]!), undefined);
    assert.equal(merkleRoot(leaves[0]!, 0, 3, [...proofs[0]!, randomBytes(32)]), undefined);
    assert.equal(merkleRoot(leaves[0]!, 0, 3, proofs[0]!.slice(1)), undefined);
  });
});

describe('signed envelopes', () => {
  const keys = generateSigningKeyPair();

  it('round-trips and verifies, one signature for a whole batch', () => {
    const batch = signEnvelopes([core(keys.publicKey, 'a'), core(keys.publicKey, 'b'), core(keys.publicKey, 'c')], keys.secretKey);
    assert.ok(batch.every((e) => e.sig === batch[0]!.sig));
    const verify = createEnvelopeVerifier();
    for (const envelope of batch) {
      const decoded = decodeEnvelope(encodeEnvelope(envelope));
      assert.ok(verify(decoded));
    }
  });

  it('fails verification for any change, or another signer', () => {
    const verify = createEnvelopeVerifier();
    const [envelope] = signEnvelopes([core(keys.publicKey)], keys.secretKey);
    assert.ok(!verify({ ...envelope!, body: new TextEncoder().encode('y') }));
    assert.ok(!verify({ ...envelope!, ts: envelope!.ts + 1 }));
    assert.ok(!verify({ ...envelope!, to: randomBytes(32) }));
    assert.ok(!verify({ ...envelope!, from: generateSigningKeyPair().publicKey }));
    assert.ok(!verify({ ...envelope!, sig: randomBytes(64) }));
    assert.ok(!verify({ ...envelope!, count: 2 }));
    const other = generateSigningKeyPair();
    const [forged] = signEnvelopes([core(keys.publicKey)], other.secretKey);
    assert.ok(!verify(forged!), 'signed by someone other than its sender');
  });

  it('refuses malformed wire data with FrameDecodeError', () => {
    const [envelope] = signEnvelopes([core(keys.publicKey)], keys.secretKey);
    const good = encodeEnvelope(envelope!);
    for (const bad of [randomBytes(50), encodeCbor({ a: 1 }), encodeCbor([2, 'dm']), good.subarray(0, good.length - 5), encodeCbor([1, 'dm', randomBytes(16), randomBytes(32), randomBytes(16), 1, randomBytes(3), 0, 1, [], randomBytes(64)])]) {
      assert.throws(() => decodeEnvelope(bad), FrameDecodeError);
    }
  });
});
