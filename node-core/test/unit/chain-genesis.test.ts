import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkQuorum, GenesisError, parseGenesis, quorumGuarantees, UnsafeQuorumError } from '../../chain/genesis.ts';
import { keys, validatorsOf } from '../helpers/chain-fixtures.ts';

const genesisOf = (n: number, q: number, f: number, extra: Record<string, unknown> = {}) => ({
  chain_id: 'test-chat',
  kind: 'chat',
  genesis_time: 0,
  validators: validatorsOf(keys(n)),
  quorum: q,
  byzantine_faults: f,
  ...extra,
});

describe('checkQuorum', () => {
  it('accepts 3 of 4 against one Byzantine validator', () => {
    assert.doesNotThrow(() => checkQuorum(4, 3, 1));
  });

  it('accepts 2 of 3 claiming crashes only (f = 0)', () => {
    assert.doesNotThrow(() => checkQuorum(3, 2, 0));
  });

  it('refuses 2 of 3 claiming one Byzantine, naming the quorum it would need', () => {
    assert.throws(() => checkQuorum(3, 2, 1), (err: unknown) => {
      assert.ok(err instanceof UnsafeQuorumError);
      assert.match(err.message, /share only 1 validators \(need 2\)/);
      assert.match(err.message, /use a quorum of at least 3/);
      return true;
    });
  });

  it('refuses 2 of 4 claiming one Byzantine (two quorums may not overlap at all)', () => {
    assert.throws(() => checkQuorum(4, 2, 1), UnsafeQuorumError);
  });

  it('refuses a quorum larger than the validator set', () => {
    assert.throws(() => checkQuorum(3, 4, 0), /more than the 3 validators/);
  });

  it('refuses a quorum that f silent validators would stall', () => {
    // 4 of 4 overlaps enough, but one faulty validator halts the chain.
    assert.throws(() => checkQuorum(4, 4, 1), /the chain would halt/);
  });

  it('accepts a single validator with a quorum of one', () => {
    assert.doesNotThrow(() => checkQuorum(1, 1, 0));
  });
});

describe('quorumGuarantees', () => {
  it('gives the Byzantine and crash tolerance of common set-ups', () => {
    assert.deepEqual(quorumGuarantees(4, 3), { byzantine: 1, crashed: 1 });
    assert.deepEqual(quorumGuarantees(3, 2), { byzantine: 0, crashed: 1 });
    assert.deepEqual(quorumGuarantees(1, 1), { byzantine: 0, crashed: 0 });
    assert.deepEqual(quorumGuarantees(7, 5), { byzantine: 2, crashed: 2 });
    assert.deepEqual(quorumGuarantees(4, 4), { byzantine: 0, crashed: 0 });
    assert.deepEqual(quorumGuarantees(4, 2), { byzantine: -1, crashed: 2 }, 'two disjoint quorums: not even safe without faults');
  });

  it('agrees with checkQuorum for every quorum of up to 10 validators', () => {
    for (let n = 1; n <= 10; n++) {
      for (let q = 1; q <= n; q++) {
        const { byzantine } = quorumGuarantees(n, q);
        if (byzantine >= 0) assert.doesNotThrow(() => checkQuorum(n, q, byzantine), `${q} of ${n} keeps f = ${byzantine}`);
        assert.throws(() => checkQuorum(n, q, byzantine + 1), UnsafeQuorumError, `${q} of ${n} does not keep f = ${byzantine + 1}`);
      }
    }
  });
});

describe('parseGenesis', () => {
  it('parses a safe genesis and fills in default parameters', () => {
    const genesis = parseGenesis(genesisOf(4, 3, 1));
    assert.equal(genesis.validators.length, 4);
    assert.equal(genesis.params.min_fee, 1);
    assert.equal(genesis.params.faucet_amount, 0);
    assert.deepEqual(genesis.allocations, []);
  });

  it('parses a one-validator genesis', () => {
    assert.equal(parseGenesis(genesisOf(1, 1, 0)).quorum, 1);
  });

  it('refuses unsafe quorums with UnsafeQuorumError', () => {
    assert.throws(() => parseGenesis(genesisOf(3, 2, 1)), UnsafeQuorumError);
    assert.throws(() => parseGenesis(genesisOf(4, 2, 1)), UnsafeQuorumError);
    assert.throws(() => parseGenesis(genesisOf(2, 3, 0)), UnsafeQuorumError);
  });

  it('refuses a genesis that names one validator key twice', () => {
    const value = genesisOf(3, 2, 0);
    value.validators[2] = { ...value.validators[2]!, public_key: value.validators[0]!.public_key };
    assert.throws(() => parseGenesis(value), /names one validator key twice/);
  });

  for (const chainId of ['', 'Upper', '-leading-dash', 'has space', 'a'.repeat(65), 'slash/in', 'ümlaut']) {
    it(`refuses the chain id ${JSON.stringify(chainId.length > 20 ? `${chainId.slice(0, 8)}…(${chainId.length})` : chainId)} with GenesisError`, () => {
      assert.throws(() => parseGenesis(genesisOf(1, 1, 0, { chain_id: chainId })), (err: unknown) => err instanceof GenesisError && /genesis chain_id/.test(err.message));
    });
  }

  it('accepts chain ids of lowercase letters, digits, dots and dashes', () => {
    for (const chainId of ['a', 'dchat-chat.1', '0net', `a${'b'.repeat(63)}`]) assert.equal(parseGenesis(genesisOf(1, 1, 0, { chain_id: chainId })).chain_id, chainId);
  });

  it('names the field of other shape errors', () => {
    assert.throws(() => parseGenesis(genesisOf(1, 1, 0, { kind: 'gold' })), /genesis kind/);
    assert.throws(() => parseGenesis({ ...genesisOf(1, 1, 0), validators: [] }), /genesis validators/);
    const badKey = genesisOf(1, 1, 0);
    badKey.validators[0] = { ...badKey.validators[0]!, public_key: 'AB'.repeat(32) };
    assert.throws(() => parseGenesis(badKey), /genesis validators\.0\.public_key/);
    assert.throws(() => parseGenesis(null), GenesisError);
  });
});
