import assert from 'node:assert/strict';
import type { SigningKeyPair } from '../../crypto/signing.ts';
import type { ProofHeader } from '../../chain/bridge-wire.ts';
import { parseGenesis, type Genesis } from '../../chain/genesis.ts';
import { createLedgerRules, genesisHash, genesisTree, type Execution, type Top } from '../../chain/ledger.ts';
import { readAccount } from '../../chain/ledger-rules.ts';
import { keyBytes, StateView } from '../../chain/state-view.ts';
import { feeExempt, type DecodedTx, type TxBody } from '../../chain/transactions.ts';
import { certify, keys, nextTop, testGenesis, tx } from './chain-fixtures.ts';

/**
 * Two real ledgers of one network (chat and currency, each with the other's light client), blocks
 * built by the real rules and certified with real validator signatures, driven step by step.
 */

type Kind = 'chat' | 'currency';

export function chainOf(genesis: Genesis, counterparty: Genesis, validators: readonly SigningKeyPair[]) {
  const rules = createLedgerRules(genesis, counterparty);
  let top: Top = { height: 0, hash: genesisHash(genesis), time: genesis.genesis_time, tree: genesisTree(genesis, counterparty) };
  const blocks = new Map<number, { execution: Execution; cert: ReturnType<typeof certify> }>();
  let signers = validators;
  return {
    genesis,
    rules,
    get top() {
      return top;
    },
    useSigners(pairs: readonly SigningKeyPair[]) {
      signers = pairs;
    },
    /** The next block of these transactions, at `time` (default: one second on); returns the refusals' codes. */
    block(txs: readonly DecodedTx[] = [], time = top.time + 1_000): string[] {
      const built = rules.build({ top, candidates: txs, evidence: [], time, proposer: 0 });
      const cert = certify(genesis.chain_id, built.execution, signers);
      blocks.set(built.execution.block.header.height, { execution: built.execution, cert });
      top = nextTop(built.execution);
      return built.rejected.map((r) => r.error.code);
    },
    /** A transaction from `pair` with its next committed nonce (one per block: refused ones use none up). */
    tx(pair: SigningKeyPair, body: TxBody, fee?: number): DecodedTx {
      const id = Buffer.from(pair.publicKey).toString('hex');
      const nonce = rules.nonce(top.tree, id);
      return tx(genesis, pair, nonce, body, fee ?? (feeExempt({ from: pair.publicKey, body }) ? 0 : genesis.params.min_fee));
    },
    /** The last block as the other chain's light client is shown it. */
    header(height = top.height): ProofHeader {
      const { execution, cert } = blocks.get(height)!;
      const { block } = execution;
      return { header: block.header, cert, ...(block.next_set ? { next_set: block.next_set } : {}) };
    },
    read: <T>(key: string) => new StateView(top.tree).read<T>(key),
    balance: (pair: SigningKeyPair) => readAccount(new StateView(top.tree), pair.publicKey).balance,
    prove: (key: string) => top.tree.prove(keyBytes(key)),
  };
}
export type Chain = ReturnType<typeof chainOf>;

export function network(params: Partial<Genesis['params']> = {}, validatorCount = 1) {
  const chatValidators = keys(validatorCount);
  const currencyValidators = keys(validatorCount);
  const faults = validatorCount >= 4 ? 1 : 0;
  const quorum = validatorCount >= 4 ? 3 : validatorCount;
  const make = (kind: Kind, v: SigningKeyPair[]) => {
    const g = testGenesis(kind, v, quorum, faults);
    return parseGenesis({ ...g, params: { ...g.params, ...params } });
  };
  const chatGenesis = make('chat', chatValidators);
  const currencyGenesis = make('currency', currencyValidators);
  const chat = chainOf(chatGenesis, currencyGenesis, chatValidators);
  const currency = chainOf(currencyGenesis, chatGenesis, currencyValidators);
  return { chat, currency, chatValidators, currencyValidators };
}


/** Funds accounts on a chain from its faucet (one block). */
export const fund = (chain: Chain, ...pairs: SigningKeyPair[]) => assert.deepEqual(chain.block(pairs.map((p) => chain.tx(p, { kind: 'faucet' }))), []);
