import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import type { SigningKeyPair } from '../../crypto/signing.ts';
import { decodeCbor, encodeCbor } from '../../p2p/codec.ts';
import { validatorSetHash, voteStatement, type Evidence } from '../../chain/blocks.ts';
import { parseGenesis, type Genesis } from '../../chain/genesis.ts';
import { BlockInvalidError, createLedgerRules, genesisHash, genesisTree, type Top } from '../../chain/ledger.ts';
import { readAccount, type Account, type DirectoryRecord, type RelayListing } from '../../chain/ledger-rules.ts';
import { StateView } from '../../chain/state-view.ts';
import { rotateConsentStatement, signTx, validatorSetStatement, type DecodedTx, type SignedTx } from '../../chain/transactions.ts';
import { buildOn, identityRecord, keys, nextTop, testGenesis, tx } from '../helpers/chain-fixtures.ts';

const originOf = (genesis: Genesis): Top => ({ height: 0, hash: genesisHash(genesis), time: genesis.genesis_time, tree: genesisTree(genesis) });

/** A chain driven by the proposer's rules: each step builds a block and moves the top onto it. */
function ledger(genesis: Genesis) {
  const rules = createLedgerRules(genesis);
  let top = originOf(genesis);
  return {
    rules,
    get top() {
      return top;
    },
    block(txs: readonly DecodedTx[] = [], evidence: Evidence[] = []) {
      const built = buildOn(rules, top, txs, evidence);
      top = nextTop(built.execution);
      return built;
    },
    account: (pair: SigningKeyPair): Account => readAccount(new StateView(top.tree), pair.publicKey),
    read: <T>(key: string) => new StateView(top.tree).read<T>(key),
  };
}

/** Every unit in accounts: balances, stakes and unbonding stakes. */
function supply(top: Top): number {
  let sum = 0;
  for (const [key, value] of top.tree.entries()) {
    if (!Buffer.from(key).toString('utf8').startsWith('a/')) continue;
    const a = decodeCbor(value) as Account;
    sum += a.balance + a.staked + a.unbonding.reduce((s, [amount]) => s + amount, 0);
  }
  return sum;
}

const withParams = (genesis: Genesis, params: Partial<Genesis['params']>) => parseGenesis({ ...genesis, params: { ...genesis.params, ...params } });

describe('ledger: currency', () => {
  const [v0] = keys(1);
  const [alice, bob] = keys(2);

  it('faucet then transfer: the recipient gets the amount and the fee is burned', () => {
    const genesis = testGenesis('currency', [v0!]);
    const chain = ledger(genesis);
    chain.block([tx(genesis, alice!, 0, { kind: 'faucet' }, 0)]);
    const gift = genesis.params.faucet_amount;
    assert.equal(chain.account(alice!).balance, gift);
    assert.equal(supply(chain.top), gift);
    const fee = genesis.params.min_fee * 3;
    const { execution, rejected } = chain.block([tx(genesis, alice!, 1, { kind: 'transfer', to: bob!.publicKey, amount: 5_000 }, fee)]);
    assert.deepEqual(rejected, []);
    assert.equal(execution.block.txs.length, 1);
    assert.deepEqual(chain.account(alice!), { balance: gift - 5_000 - fee, nonce: 2, staked: 0, unbonding: [] });
    assert.equal(chain.account(bob!).balance, 5_000);
    assert.equal(supply(chain.top), gift - fee, 'total supply falls by the fee');
  });

  it('stake, then unstake: the stake returns to the balance exactly when unbonding ends', () => {
    const genesis = withParams(testGenesis('currency', [v0!]), { unbonding_blocks: 3 });
    const chain = ledger(genesis);
    const fee = genesis.params.min_fee;
    chain.block([tx(genesis, alice!, 0, { kind: 'faucet' }, 0)]);
    chain.block([tx(genesis, alice!, 1, { kind: 'stake', amount: 10_000 })]);
    const afterStake = chain.account(alice!).balance;
    assert.equal(chain.account(alice!).staked, 10_000);
    chain.block([tx(genesis, alice!, 2, { kind: 'unstake', amount: 4_000 })]); // height 3: due at 6
    assert.deepEqual(chain.account(alice!).unbonding, [[4_000, 6]]);
    assert.equal(chain.account(alice!).staked, 6_000);
    chain.block();
    chain.block();
    assert.equal(chain.top.height, 5);
    assert.equal(chain.account(alice!).balance, afterStake - fee, 'still bonded at height 5');
    chain.block();
    assert.deepEqual(chain.account(alice!), { balance: afterStake - fee + 4_000, nonce: 3, staked: 6_000, unbonding: [] });
    assert.equal(chain.read('r/6'), undefined, 'the release list is gone once paid');
    assert.equal(supply(chain.top), genesis.params.faucet_amount - 2 * fee);
  });

  it('leaves transactions that do not apply out of a built block, naming why', () => {
    const genesis = testGenesis('currency', [v0!]);
    const chain = ledger(genesis);
    chain.block([tx(genesis, alice!, 0, { kind: 'faucet' }, 0)]);
    const good = tx(genesis, alice!, 1, { kind: 'transfer', to: bob!.publicKey, amount: 1 });
    const badNonce = tx(genesis, alice!, 7, { kind: 'transfer', to: bob!.publicKey, amount: 1 });
    const broke = tx(genesis, bob!, 0, { kind: 'transfer', to: alice!.publicKey, amount: 1 });
    const cheap = tx(genesis, alice!, 2, { kind: 'transfer', to: bob!.publicKey, amount: 1 }, genesis.params.min_fee - 1);
    const tooMuch = tx(genesis, alice!, 2, { kind: 'transfer', to: bob!.publicKey, amount: genesis.params.faucet_amount });
    const elsewhere = signTx(alice!.secretKey, { chain: 'another-chain', from: alice!.publicKey, nonce: 2, fee: genesis.params.min_fee, body: { kind: 'stake', amount: 1 } });
    const chatOnly = tx(genesis, alice!, 2, { kind: 'anchor', root: randomBytes(32), count: 1 });
    const { execution, rejected } = chain.block([good, badNonce, broke, cheap, tooMuch, elsewhere, chatOnly]);
    assert.deepEqual(execution.txIds, [good.id]);
    assert.deepEqual(
      rejected.map((r) => [r.id, r.error.code]),
      [
        [badNonce.id, 'bad-nonce'],
        [broke.id, 'insufficient-funds'],
        [cheap.id, 'fee-too-low'],
        [tooMuch.id, 'insufficient-funds'],
        [elsewhere.id, 'wrong-chain'],
        [chatOnly.id, 'wrong-chain'],
      ],
    );
    assert.equal(chain.account(alice!).nonce, 2, 'refused transactions use no nonce');
  });
});

describe('ledger: the username directory', () => {
  const [v0] = keys(1);
  const [alice, bob, carol, aliceNew] = keys(4);
  const genesis = testGenesis('chat', [v0!]);
  const register = (pair: SigningKeyPair, nonce: number, username: string, record = identityRecord(pair, username)) =>
    tx(genesis, pair, nonce, { kind: 'register', username, record, prekeys: randomBytes(32) });
  const funded = () => {
    const chain = ledger(genesis);
    chain.block([alice!, bob!].map((p) => tx(genesis, p, 0, { kind: 'faucet' }, 0)));
    return chain;
  };

  it('registers a username with the signed record; another key cannot take it; a record about another key is refused', () => {
    const chain = funded();
    const first = chain.block([register(alice!, 1, 'alice')]);
    assert.deepEqual(first.rejected, []);
    const record = chain.read<DirectoryRecord>('n/alice')!;
    assert.deepEqual(Buffer.from(record.key), Buffer.from(alice!.publicKey));
    assert.deepEqual(record.previous_keys, []);
    assert.equal(chain.account(alice!).balance, genesis.params.faucet_amount - genesis.params.min_fee - genesis.params.username_fee, 'the username fee is paid');
    const { rejected } = chain.block([register(bob!, 1, 'alice'), register(bob!, 1, 'bobby', identityRecord(carol!, 'bobby'))]);
    assert.deepEqual(rejected.map((r) => r.error.code), ['username-taken', 'bad-record']);
    assert.equal(chain.read('n/bobby'), undefined);
  });

  it('rotates a username to a new key with its consent and the new key\'s record, keeping the old key in previous_keys; refuses without them', () => {
    const chain = funded();
    chain.block([register(alice!, 1, 'alice')]);
    const consent = (signer: SigningKeyPair) => rotateConsentStatement.sign(signer.secretKey, { chain: genesis.chain_id, username: 'alice', old_key: alice!.publicKey });
    const rotation = (sig: Uint8Array, record: Uint8Array) => tx(genesis, alice!, 2, { kind: 'rotate', new_key: aliceNew!.publicKey, new_key_sig: sig, record, prekeys: new Uint8Array(32).fill(9) });
    const refused = chain.block([rotation(consent(alice!), identityRecord(aliceNew!, 'alice')), rotation(consent(aliceNew!), identityRecord(alice!, 'alice'))]);
    assert.deepEqual(refused.rejected.map((r) => r.error.code), ['bad-signature', 'bad-record'], 'no consent; a record about the old key');
    const { rejected } = chain.block([rotation(consent(aliceNew!), identityRecord(aliceNew!, 'alice'))]);
    assert.deepEqual(rejected, []);
    const record = chain.read<DirectoryRecord>('n/alice')!;
    assert.deepEqual(Buffer.from(record.key), Buffer.from(aliceNew!.publicKey));
    assert.deepEqual(Buffer.from(record.record), Buffer.from(identityRecord(aliceNew!, 'alice')), 'the entry holds the new key\'s own record');
    assert.deepEqual(Buffer.from(record.prekeys), Buffer.from(new Uint8Array(32).fill(9)));
    assert.deepEqual(record.previous_keys.map((k) => Buffer.from(k)), [Buffer.from(alice!.publicKey)]);
    assert.equal(chain.read(`k/${Buffer.from(alice!.publicKey).toString('hex')}`), undefined, 'the old key holds no username now');
    assert.equal(chain.read(`k/${Buffer.from(aliceNew!.publicKey).toString('hex')}`), 'alice');
  });
});

describe('ledger: the relay registry', () => {
  const [v0] = keys(1);
  const [relay, alice, bob] = keys(3);
  const genesis = testGenesis('chat', [v0!]);
  const funded = () => {
    const chain = ledger(genesis);
    chain.block([relay!, alice!, bob!].map((p) => tx(genesis, p, 0, { kind: 'faucet' }, 0)));
    return chain;
  };
  const codes = (result: { rejected: Array<{ error: { code: string } }> }) => result.rejected.map((r) => r.error.code);

  it('lists a relay once, counts one attestation per user and period, and a proof of delivery once', () => {
    const chain = funded();
    const hexKey = Buffer.from(relay!.publicKey).toString('hex');
    assert.deepEqual(codes(chain.block([tx(genesis, alice!, 1, { kind: 'attest', relay: relay!.publicKey, period: 0 })])), ['unknown-relay']);
    assert.deepEqual(codes(chain.block([tx(genesis, relay!, 1, { kind: 'relay', peer_id: '12D3KooWRelay', addresses: ['/ip4/10.0.0.1/tcp/4001'] })])), []);
    assert.deepEqual(codes(chain.block([tx(genesis, relay!, 2, { kind: 'relay', peer_id: '12D3KooWRelay', addresses: ['/ip4/10.0.0.2/tcp/4001'] })])), []);
    assert.equal((chain.read<Uint8Array[]>('l') ?? []).length, 1, 'announcing again does not list it twice');
    const attest = (pair: SigningKeyPair, nonce: number, period = 0) => tx(genesis, pair, nonce, { kind: 'attest', relay: relay!.publicKey, period });
    assert.deepEqual(codes(chain.block([attest(alice!, 1), attest(bob!, 1)])), []);
    assert.deepEqual(codes(chain.block([attest(alice!, 2), attest(bob!, 2, 7), attest(relay!, 3)])), ['already-attested', 'wrong-period', 'self-attestation']);
    const proof = (nonce: number) => tx(genesis, alice!, nonce, { kind: 'delivery', relay: relay!.publicKey, root: new Uint8Array(32).fill(5), count: 40 });
    assert.deepEqual(codes(chain.block([proof(2)])), []);
    assert.deepEqual(codes(chain.block([proof(3)])), ['proof-reused']);
    const listing = chain.read<RelayListing>(`l/${hexKey}`)!;
    assert.deepEqual([listing.addresses, listing.attestations, listing.period_attestations, listing.delivered], [['/ip4/10.0.0.2/tcp/4001'], 2, 2, 40]);
  });
});

describe('ledger: checking a proposed block', () => {
  const [v0] = keys(1);
  const [alice, bob, mallory] = keys(3);
  const genesis = testGenesis('currency', [v0!]);
  const proposed = () => {
    const chain = ledger(genesis);
    chain.block([tx(genesis, alice!, 0, { kind: 'faucet' }, 0)]);
    const parent = chain.top;
    const { execution } = buildOn(chain.rules, parent, [tx(genesis, alice!, 1, { kind: 'transfer', to: bob!.publicKey, amount: 10 })]);
    return { rules: chain.rules, parent, execution };
  };

  it("accepts the proposer's block with the same hash and state root", () => {
    const { rules, parent, execution } = proposed();
    const checked = rules.check(parent, execution.block, () => false);
    assert.deepEqual(Buffer.from(checked.hash), Buffer.from(execution.hash));
    assert.deepEqual(Buffer.from(checked.tree.root), Buffer.from(execution.tree.root));
  });

  it('refuses a block with a tampered transaction, state root or parent', () => {
    const { rules, parent, execution } = proposed();
    const block = execution.block;
    const decoded = decodeCbor(block.txs[0]!) as SignedTx;
    const raised = encodeCbor({ ...decoded, body: { ...decoded.body, amount: 10_000 } });
    assert.throws(() => rules.check(parent, { ...block, txs: [raised] }, () => false), (e: unknown) => e instanceof BlockInvalidError && /not signed by its sender/.test(e.message));
    const flipped = Uint8Array.from(block.txs[0]!);
    flipped[flipped.length - 1]! ^= 1;
    assert.throws(() => rules.check(parent, { ...block, txs: [flipped] }, () => false), BlockInvalidError);
    assert.throws(() => rules.check(parent, { ...block, header: { ...block.header, state: randomBytes(32) } }, () => false), /state hash is not what its contents give/);
    assert.throws(() => rules.check(parent, { ...block, header: { ...block.header, prev: randomBytes(32) } }, () => false), /does not follow the last final block/);
    assert.throws(() => rules.check(parent, { ...block, header: { ...block.header, height: 3 } }, () => false), BlockInvalidError);
  });

  it('refuses a block carrying a transaction signed by someone other than its sender', () => {
    const { rules, parent } = proposed();
    const forged = signTx(mallory!.secretKey, { chain: genesis.chain_id, from: alice!.publicKey, nonce: 1, fee: genesis.params.min_fee, body: { kind: 'transfer', to: mallory!.publicKey, amount: 1_000 } });
    // The proposer's build trusts the mempool's signature check, so only `check` stands between this and the chain.
    const { execution } = buildOn(rules, parent, [forged]);
    assert.equal(execution.block.txs.length, 1);
    assert.throws(() => rules.check(parent, execution.block, () => false), (e: unknown) => e instanceof BlockInvalidError && /transaction 0 is not signed/.test(e.message));
  });
});

describe('ledger: validator sets and evidence', () => {
  const validators = keys(4);
  const [payer, newcomer] = keys(2);
  const genesis = testGenesis('currency', validators, 3, 1);
  const member = (pair: SigningKeyPair, name: string) => ({ name, key: pair.publicKey });

  function change(chain: ReturnType<typeof ledger>, nonce: number, set: Array<{ name: string; key: Uint8Array }>, quorum: number, faults: number, approvers: number[]) {
    const approvals = approvers.map((i): [number, Uint8Array] => [i, validatorSetStatement.sign(validators[i]!.secretKey, { chain: genesis.chain_id, set, quorum, faults, nonce: 0 })]);
    return chain.block([tx(genesis, payer!, nonce, { kind: 'validators', set, quorum, faults, approvals })]);
  }

  it('changes the set only with a quorum of approvals and a safe new quorum', () => {
    const chain = ledger(genesis);
    chain.block([tx(genesis, payer!, 0, { kind: 'faucet' }, 0)]);
    const next = [member(validators[0]!, 'v0'), member(validators[1]!, 'v1'), member(validators[2]!, 'v2'), member(newcomer!, 'new')];
    assert.deepEqual(change(chain, 1, next, 3, 1, [0, 1]).rejected.map((r) => r.error.code), ['not-certified']);
    assert.deepEqual(change(chain, 1, next.slice(0, 3), 2, 1, [0, 1, 2]).rejected.map((r) => r.error.code), ['unsafe-quorum']);
    const parent = chain.top;
    const { execution, rejected } = change(chain, 1, next, 3, 1, [0, 2, 3]);
    assert.deepEqual(rejected, []);
    const header = execution.block.header;
    assert.deepEqual(Buffer.from(header.validators), Buffer.from(validatorSetHash(validators.map((v) => ({ key: v.publicKey })), 3)));
    assert.deepEqual(Buffer.from(header.next_validators), Buffer.from(validatorSetHash(next, 3)));
    assert.equal(execution.block.next_set?.set.length, 4);
    assert.deepEqual(Buffer.from(execution.block.next_set!.set[3]!.key), Buffer.from(newcomer!.publicKey));
    assert.doesNotThrow(() => chain.rules.check(parent, execution.block, () => false));
    // Followers that state-sync learn the next set from next_set: a block hiding or faking it must not pass.
    const { next_set: _hidden, ...withoutNextSet } = execution.block;
    assert.throws(() => chain.rules.check(parent, withoutNextSet, () => false), /next_set/);
    const faked = { ...execution.block.next_set!, set: [...next.slice(0, 3), member(payer!, 'payer')] };
    assert.throws(() => chain.rules.check(parent, { ...execution.block, next_set: faked }, () => false), /next_set/);
    const before = chain.top;
    const quiet = buildOn(chain.rules, before).execution.block;
    assert.throws(() => chain.rules.check(before, { ...quiet, next_set: faked }, () => false), /next_set/, 'a next_set on a block that changes nothing');
    const after = chain.block().execution.block;
    assert.deepEqual(Buffer.from(after.header.validators), Buffer.from(header.next_validators), 'the new set certifies the next block');
    assert.equal(after.next_set, undefined);
  });

  it('records evidence of two different precommits by one validator at one height and round', () => {
    const chain = ledger(genesis);
    const vote = (value: Uint8Array | null, signer = validators[1]!) => ({ value, sig: voteStatement.sign(signer.secretKey, { chain: genesis.chain_id, height: 1, round: 0, type: 'precommit', value }) });
    const evidence = (a: Evidence['a'], b: Evidence['b']): Evidence => ({ validator: 1, height: 1, round: 0, type: 'precommit', a, b });
    const blockA = randomBytes(32);
    const identical = evidence(vote(blockA), vote(blockA));
    const badSig = evidence(vote(blockA), vote(randomBytes(32), validators[2]!));
    const real = evidence(vote(blockA), vote(null));
    const parent = chain.top;
    const { execution } = chain.block([], [identical, badSig, real]);
    assert.deepEqual(execution.block.evidence, [real], 'only the real evidence goes in');
    assert.ok(chain.read('e/1/1/0/precommit'), 'recorded in state');
    const rules = chain.rules;
    assert.doesNotThrow(() => rules.check(parent, execution.block, () => false));
    assert.throws(() => rules.check(parent, { ...execution.block, evidence: [identical] }, () => false), /two identical votes/);
    assert.throws(() => rules.check(parent, { ...execution.block, evidence: [badSig] }, () => false), /signature does not verify/);
    assert.equal(chain.block([], [real]).execution.block.evidence.length, 0, 'evidence already on chain is not recorded twice');
  });
});
