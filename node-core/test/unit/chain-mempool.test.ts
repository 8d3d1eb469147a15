import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { encode } from 'cborg';
import type { SigningKeyPair } from '../../crypto/signing.ts';
import { bytesToHex } from '../../crypto/hex.ts';
import { decodeCbor, encodeCbor } from '../../p2p/codec.ts';
import { createMempool, MempoolError, type MempoolLimits } from '../../chain/mempool.ts';
import { signTx, type DecodedTx } from '../../chain/transactions.ts';
import { keys, testGenesis, tx } from '../helpers/chain-fixtures.ts';

const [v0] = keys(1);
const genesis = testGenesis('currency', [v0!]);
const [alice, bob, carol, mallory] = keys(4);

function pool(committed: Record<string, number> = {}, limits: MempoolLimits = { perSender: 8, total: 100, nonceWindow: 16 }) {
  return createMempool(genesis.chain_id, genesis.params, (address) => committed[address] ?? 0, limits);
}

const transfer = (pair: SigningKeyPair, nonce: number, fee = genesis.params.min_fee, amount = 1) => tx(genesis, pair, nonce, { kind: 'transfer', to: bob!.publicKey, amount }, fee);
const hex = (pair: SigningKeyPair) => bytesToHex(pair.publicKey);

const refusal = (code: MempoolError['code']) => (err: unknown) => {
  assert.ok(err instanceof MempoolError, `expected a MempoolError, got ${String(err)}`);
  assert.equal(err.code, code);
  return true;
};

/** CBOR of a map written in the given key order, as a non-canonical encoder would. */
function mapInOrder(entries: Array<[string, unknown]>): Uint8Array {
  const head = Uint8Array.of(0xa0 + entries.length);
  return Buffer.concat([head, ...entries.flatMap(([key, value]) => [encode(key), encode(value)])]);
}

describe('mempool entry checks', () => {
  it('accepts a signed transaction and remembers its verified id', () => {
    const mempool = pool();
    const entry = transfer(alice!, 0);
    const added = mempool.add(entry.bytes);
    assert.equal(added.id, entry.id);
    assert.ok(mempool.has(entry.id));
    assert.ok(mempool.verified(entry.id));
    assert.equal(mempool.size, 1);
    assert.equal(mempool.add(entry.bytes), added, 'the same transaction again is the entry already held');
    assert.equal(mempool.size, 1);
  });

  it('refuses a transaction not signed by its sender', () => {
    const forged = signTx(mallory!.secretKey, { chain: genesis.chain_id, from: alice!.publicKey, nonce: 0, fee: genesis.params.min_fee, body: { kind: 'faucet' } });
    const mempool = pool();
    assert.throws(() => mempool.add(forged.bytes), refusal('bad-signature'));
    assert.equal(mempool.verified(forged.id), false);
    assert.equal(mempool.size, 0);
  });

  it('adds many at once, their signatures checked together off the event loop: a forged or malformed one sinks no other', async () => {
    const mempool = pool();
    const good = [transfer(alice!, 0), transfer(carol!, 0)];
    const forged = signTx(mallory!.secretKey, { chain: genesis.chain_id, from: bob!.publicKey, nonce: 0, fee: genesis.params.min_fee, body: { kind: 'faucet' } });
    const results = await mempool.addMany([good[0]!.bytes, forged.bytes, Uint8Array.of(1, 2, 3), good[1]!.bytes]);
    assert.equal((results[0] as DecodedTx).id, good[0]!.id);
    assert.ok(results[1] instanceof MempoolError && results[1].code === 'bad-signature', String(results[1]));
    assert.ok(results[2] instanceof MempoolError && results[2].code === 'malformed', String(results[2]));
    assert.equal((results[3] as DecodedTx).id, good[1]!.id);
    assert.equal(mempool.size, 2);
    assert.equal(mempool.verified(forged.id), false, 'a forged signature is never remembered as verified');
    await mempool.preverify([forged]);
    assert.equal(mempool.verified(forged.id), false);
  });

  it('refuses a fee below the minimum (the faucet excepted)', () => {
    const mempool = pool();
    assert.throws(() => mempool.add(transfer(alice!, 0, genesis.params.min_fee - 1).bytes), refusal('fee-too-low'));
    assert.ok(mempool.add(tx(genesis, alice!, 0, { kind: 'faucet' }, 0).bytes));
  });

  it('refuses a nonce below the committed one or beyond the window', () => {
    const mempool = pool({ [hex(alice!)]: 5 });
    assert.throws(() => mempool.add(transfer(alice!, 4).bytes), refusal('bad-nonce'));
    assert.throws(() => mempool.add(transfer(alice!, 5 + 16).bytes), refusal('bad-nonce'));
    assert.ok(mempool.add(transfer(alice!, 5).bytes));
    assert.ok(mempool.add(transfer(alice!, 5 + 15).bytes));
  });

  it('refuses a second transaction with a nonce already waiting', () => {
    const mempool = pool();
    mempool.add(transfer(alice!, 0, genesis.params.min_fee, 1).bytes);
    assert.throws(() => mempool.add(transfer(alice!, 0, genesis.params.min_fee, 2).bytes), refusal('duplicate'));
  });

  it('bounds what one sender and all senders together may hold', () => {
    const mempool = pool({}, { perSender: 2, total: 3, nonceWindow: 16 });
    mempool.add(transfer(alice!, 0).bytes);
    mempool.add(transfer(alice!, 1).bytes);
    assert.throws(() => mempool.add(transfer(alice!, 2).bytes), refusal('sender-full'));
    mempool.add(transfer(bob!, 0).bytes);
    assert.throws(() => mempool.add(transfer(carol!, 0).bytes), refusal('full'));
    assert.equal(mempool.size, 3);
  });

  it('refuses a transaction for another chain', () => {
    const other = signTx(alice!.secretKey, { chain: 'another-chain', from: alice!.publicKey, nonce: 0, fee: genesis.params.min_fee, body: { kind: 'stake', amount: 1 } });
    assert.throws(() => pool().add(other.bytes), refusal('wrong-chain'));
  });

  it('refuses malformed and oversized bytes', () => {
    const mempool = pool();
    assert.throws(() => mempool.add(randomBytes(40)), refusal('malformed'));
    assert.throws(() => mempool.add(encodeCbor({ chain: genesis.chain_id, from: alice!.publicKey })), refusal('malformed'));
    const big = transfer(alice!, 0);
    const padded = tx(genesis, alice!, 0, { kind: 'transfer', to: bob!.publicKey, amount: 1, memo: 'x'.repeat(140) });
    assert.ok(big.bytes.length < padded.bytes.length);
    const tight = createMempool(genesis.chain_id, { ...genesis.params, max_tx_bytes: big.bytes.length }, () => 0);
    assert.ok(tight.add(big.bytes));
    assert.throws(() => tight.add(padded.bytes), refusal('malformed'));
  });

  it('refuses a non-canonical encoding of a valid transaction (an extra field, another key order)', () => {
    const entry = transfer(alice!, 0);
    const fields = decodeCbor(entry.bytes) as Record<string, unknown>;
    const mempool = pool();
    const extra = encodeCbor({ ...fields, extra: 1 });
    assert.throws(() => mempool.add(extra), (err: unknown) => refusal('malformed')(err) && /not canonically encoded/.test((err as Error).message));
    const reversed = mapInOrder(Object.entries(fields).reverse());
    assert.notDeepEqual(Buffer.from(reversed), Buffer.from(entry.bytes));
    assert.deepEqual(decodeCbor(reversed), fields, 'the same transaction, differently encoded');
    assert.throws(() => mempool.add(reversed), refusal('malformed'));
    assert.equal(mempool.size, 0);
    assert.ok(mempool.add(entry.bytes), 'the canonical bytes are accepted');
  });
});

describe('mempool candidates and commits', () => {
  const ids = (entries: Iterable<DecodedTx>) => [...entries].map((e) => e.id);

  it('yields each sender’s transactions in nonce order, senders in arrival order', () => {
    const mempool = pool();
    const a = [0, 1, 2].map((n) => transfer(alice!, n));
    const b = [0, 1].map((n) => transfer(bob!, n));
    for (const entry of [a[2]!, b[1]!, a[0]!, b[0]!, a[1]!]) mempool.add(entry.bytes);
    assert.deepEqual(ids(mempool.candidates()), ids([...a, ...b]));
    assert.deepEqual(ids(mempool.pendingFor(hex(bob!))).sort(), ids(b).sort());
  });

  it('drops what a block included and what its nonces made stale, and keeps the rest', () => {
    const committed: Record<string, number> = {};
    const mempool = pool(committed);
    const a = [0, 1, 2].map((n) => transfer(alice!, n));
    const b0 = transfer(bob!, 0);
    const c0 = transfer(carol!, 0);
    for (const entry of [...a, b0, c0]) mempool.add(entry.bytes);
    // The block carried alice's 0 and 1, and bob's nonce 0 was used by another transaction of his.
    committed[hex(alice!)] = 2;
    committed[hex(bob!)] = 1;
    mempool.committed([a[0]!.id, a[1]!.id], (address) => committed[address] ?? 0);
    assert.deepEqual(ids(mempool.candidates()), [a[2]!.id, c0.id]);
    assert.equal(mempool.size, 2);
    assert.equal(mempool.has(b0.id), false);
    assert.ok(mempool.verified(a[0]!.id), 'ids verified earlier stay known (a block may carry them)');
    mempool.remove(c0.id);
    assert.equal(mempool.has(c0.id), false);
    assert.ok(mempool.verified(c0.id));
    assert.equal(mempool.verified(transfer(carol!, 1).id), false, 'an id never seen is not verified');
  });
});
