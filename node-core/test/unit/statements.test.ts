import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { generateSigningKeyPair, signWithContext } from '../../crypto/signing.ts';
import { blobDropStatement, mailboxReceiptStatement, registrationStatement, subscriptionStatement } from '../../relay/statements.ts';

describe('signed relay statements', () => {
  const me = generateSigningKeyPair();
  const other = generateSigningKeyPair();
  const parties = { relay: '12D3KooWRelay', client: '12D3KooWClient' };

  it('verify what they signed, and nothing else', () => {
    const sub = { ...parties, ts: 1_700_000_000_000 };
    const sig = subscriptionStatement.sign(me.secretKey, sub);
    assert.ok(subscriptionStatement.verify(me.publicKey, sub, sig));
    assert.equal(subscriptionStatement.verify(other.publicKey, sub, sig), false, 'another key');
    assert.equal(subscriptionStatement.verify(me.publicKey, { ...sub, relay: '12D3KooWOther' }, sig), false, 'another relay');
    assert.equal(subscriptionStatement.verify(me.publicKey, { ...sub, client: '12D3KooWOther' }, sig), false, 'another connection');
    assert.equal(subscriptionStatement.verify(me.publicKey, { ...sub, ts: sub.ts + 1 }, sig), false, 'another time');

    const reg = { ...parties, ts: 1, record: new Uint8Array([1, 2, 3]), spk: [7, new Uint8Array(32), new Uint8Array(64)] as const, opks: [[1, new Uint8Array(32)]] as const };
    const regSig = registrationStatement.sign(me.secretKey, reg);
    assert.ok(registrationStatement.verify(me.publicKey, reg, regSig));
    assert.equal(registrationStatement.verify(me.publicKey, { ...reg, record: new Uint8Array([1, 2, 4]) }, regSig), false, 'another record');
    assert.equal(registrationStatement.verify(me.publicKey, { ...reg, opks: [] }, regSig), false, 'other prekeys');

    const receipt = { relay: parties.relay, ids: [new Uint8Array(16).fill(1)] };
    assert.ok(mailboxReceiptStatement.verify(me.publicKey, receipt, mailboxReceiptStatement.sign(me.secretKey, receipt)));
    const drop = { ...parties, hashes: [new Uint8Array(32)], ts: 5 };
    assert.ok(blobDropStatement.verify(me.publicKey, drop, blobDropStatement.sign(me.secretKey, drop)));
  });

  it('cannot be passed off as one another: each has its own context', () => {
    const statements = [registrationStatement, subscriptionStatement, blobDropStatement, mailboxReceiptStatement];
    assert.equal(new Set(statements.map((s) => s.context)).size, statements.length);
    // The same bytes under the subscription context do not verify as a blob drop over equal-looking fields.
    const fields = { ...parties, ts: 9 };
    const forged = signWithContext(subscriptionStatement.context, me.secretKey, subscriptionStatement.bytes(fields));
    assert.equal(blobDropStatement.verify(me.publicKey, { ...parties, hashes: [], ts: 9 }, forged), false);
    assert.ok(subscriptionStatement.verify(me.publicKey, fields, forged));
  });
});
