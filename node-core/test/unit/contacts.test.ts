import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeIdentityRecord, decodeInvite, encodeIdentityRecord, encodeInvite, INVITE_PREFIX, RecordError, signIdentityRecord } from '../../wire/identity-record.ts';
import { safetyNumber } from '../../contacts/safety-number.ts';
import { generateSigningKeyPair } from '../../crypto/signing.ts';

const keys = generateSigningKeyPair();
const record = () =>
  signIdentityRecord(
    {
      identity_key: keys.publicKey,
      username: 'alice',
      display_name: 'Alice',
      peer_id: '12D3KooWEyoppNCUx8Yx66oV9fJnriXwCcXwDDUA2kj6vnc6iDEp',
      addresses: ['/ip4/127.0.0.1/tcp/30333'],
      relays: [{ peer_id: '12D3KooWBhMbLvQGgqByteXqFDUBVTBTQLgbBBEovWNbsF3g8Dg2', addresses: ['/ip4/10.0.0.1/tcp/30333'] }],
      updated_at: 1000,
    },
    keys.secretKey,
  );

describe('identity records and invites', () => {
  it('round-trip as bytes, invite strings and dchat:// links', () => {
    const r = record();
    const same = (x: typeof r) => assert.deepEqual(Buffer.from(encodeIdentityRecord(x)), Buffer.from(encodeIdentityRecord(r)));
    same(decodeIdentityRecord(encodeIdentityRecord(r)));
    const invite = encodeInvite(r);
    assert.match(invite, /^[A-Za-z0-9_-]+$/);
    same(decodeInvite(invite));
    same(decodeInvite(`${INVITE_PREFIX}${invite}`));
    assert.equal(decodeInvite(invite).username, 'alice');
  });

  it('refuse records not signed by their key, altered ones, and junk', () => {
    const r = record();
    const other = generateSigningKeyPair();
    const stolen = { ...signIdentityRecord({ ...r, identity_key: keys.publicKey }, other.secretKey) };
    assert.throws(() => decodeIdentityRecord(encodeIdentityRecord(stolen)), RecordError);
    assert.throws(() => decodeIdentityRecord(encodeIdentityRecord({ ...r, relays: [] })), RecordError, 'relays are signed too');
    assert.throws(() => decodeInvite('not an invite!'), RecordError);
    assert.throws(() => decodeInvite('AAAA'), RecordError);
  });
});

describe('safety numbers', () => {
  it('are 60 digits, the same from both sides, different for another pair', () => {
    const a = generateSigningKeyPair().publicKey;
    const b = generateSigningKeyPair().publicKey;
    const c = generateSigningKeyPair().publicKey;
    assert.match(safetyNumber(a, b), /^(\d{5} ){11}\d{5}$/);
    assert.equal(safetyNumber(a, b), safetyNumber(b, a));
    assert.notEqual(safetyNumber(a, b), safetyNumber(a, c));
  });
});
