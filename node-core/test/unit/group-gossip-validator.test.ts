import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TopicValidatorResult } from '@libp2p/gossipsub';
import { bytesToHex, randomBytes } from '@noble/hashes/utils.js';
import { generateSigningKeyPair } from '../../crypto/signing.ts';
import { validateGroupFrame } from '../../groups/group-gossip.ts';
import { encodeEnvelope, signEnvelopes, type EnvelopeCore } from '../../p2p/envelope.ts';

// Gossip is unsigned at the gossipsub layer: this validator decides what a node forwards.
describe('group gossip validator', () => {
  const keys = generateSigningKeyPair();
  const group = randomBytes(16);
  const frame = (core: Partial<EnvelopeCore>) =>
    encodeEnvelope(signEnvelopes([{ type: 'group', id: randomBytes(16), from: keys.publicKey, to: group, ts: Date.now(), body: randomBytes(40), ...core }], keys.secretKey)[0]!);
  const validate = validateGroupFrame(bytesToHex(group));

  it("forwards a well-formed envelope for the topic's group", () => {
    assert.equal(validate(null, { data: frame({}) }), TopicValidatorResult.Accept);
  });

  it('rejects envelopes for another group, direct envelopes and garbage', () => {
    assert.equal(validate(null, { data: frame({ to: randomBytes(16) }) }), TopicValidatorResult.Reject);
    assert.equal(validate(null, { data: frame({ type: 'dm', to: randomBytes(32) }) }), TopicValidatorResult.Reject);
    assert.equal(validate(null, { data: randomBytes(200) }), TopicValidatorResult.Reject);
    assert.equal(validate(null, { data: new Uint8Array(0) }), TopicValidatorResult.Reject);
    const cut = frame({});
    assert.equal(validate(null, { data: cut.subarray(0, cut.length - 5) }), TopicValidatorResult.Reject);
  });
});
