import { bytesToHex } from '../../crypto/hex.ts';
import { generateSigningKeyPair, type SigningKeyPair } from '../../crypto/signing.ts';
import { voteStatement, type Certificate } from '../../chain/blocks.ts';
import { devnetGenesis } from '../../chain/chain-setup.ts';
import type { Genesis } from '../../chain/genesis.ts';
import type { Execution, LedgerRules, Top } from '../../chain/ledger.ts';
import { signTx, type DecodedTx, type UnsignedTx } from '../../chain/transactions.ts';
import { encodeIdentityRecord, signIdentityRecord } from '../../wire/identity-record.ts';

/** Real keys, real signatures: the pieces chain tests build blocks and certificates from. */

export const keys = (count: number): SigningKeyPair[] => Array.from({ length: count }, () => generateSigningKeyPair());

export const validatorsOf = (pairs: readonly SigningKeyPair[]): Genesis['validators'] =>
  pairs.map((pair, index) => ({ name: `v${index}`, public_key: bytesToHex(pair.publicKey), addresses: [] }));

export function testGenesis(kind: Genesis['kind'], validators: readonly SigningKeyPair[], quorum = validators.length, faults = 0): Genesis {
  return devnetGenesis(kind, `test-${kind}`, validatorsOf(validators), quorum, faults, 1_000);
}

/** A transaction from `pair` on `genesis`'s chain; fee defaults to the chain's minimum. */
export function tx(genesis: Genesis, pair: SigningKeyPair, nonce: number, body: UnsignedTx['body'], fee = genesis.params.min_fee): DecodedTx {
  return signTx(pair.secretKey, { chain: genesis.chain_id, from: pair.publicKey, nonce, fee, body });
}

/** The precommits of `signers` (indices into the set `pairs`) for an executed block. */
export function certify(chain: string, execution: Execution, pairs: readonly SigningKeyPair[], signers = pairs.map((_, i) => i), round = 0): Certificate {
  const height = execution.block.header.height;
  const sigs = signers.map((index): [number, Uint8Array] => [index, voteStatement.sign(pairs[index]!.secretKey, { chain, height, round, type: 'precommit', value: execution.hash })]);
  return { height, round, block: execution.hash, sigs };
}

/** Builds the next block on `top` from `txs`; time steps one second per height. */
export function buildOn(rules: LedgerRules, top: Top, txs: readonly DecodedTx[] = [], evidence: Parameters<LedgerRules['build']>[0]['evidence'] = []) {
  return rules.build({ top, candidates: txs, evidence, time: top.time + 1_000, proposer: 0 });
}

export const nextTop = (execution: Execution): Top => ({ height: execution.block.header.height, hash: execution.hash, time: execution.block.header.time, tree: execution.tree });

/** A signed identity record about `pair`'s key, as a register/update transaction carries it. */
export function identityRecord(pair: SigningKeyPair, username: string): Uint8Array {
  const record = signIdentityRecord(
    { identity_key: pair.publicKey, username, display_name: username, peer_id: '12D3KooWAbcdefghijkmnopqrstuvwxyz', addresses: [], relays: [], updated_at: 1 },
    pair.secretKey,
  );
  return encodeIdentityRecord(record);
}
