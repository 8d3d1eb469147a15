import { bytesToHex } from '../crypto/hex.ts';
import type { ChainKind, ChainParams } from './genesis.ts';
import type { StateView } from './state-view.ts';
import type { SignedTx, TxBody } from './transactions.ts';

/** What every transaction rule shares: the block it executes in, accounts, and the named refusal. */

export interface Account {
  balance: number;
  nonce: number;
  staked: number;
  /** [amount, height at which it returns to the balance] */
  unbonding: Array<[number, number]>;
}

export class TxRejectedError extends Error {
  override readonly name = 'TxRejectedError';
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
  }
}

export interface LedgerContext {
  readonly chain: string;
  readonly kind: ChainKind;
  readonly params: ChainParams;
  readonly height: number;
  /** The block's time (ms). */
  readonly time: number;
  /** The other chain of the network, whose light client this chain keeps. */
  readonly counterparty: string;
}

export const reject = (code: string, message: string): never => {
  throw new TxRejectedError(code, message);
};

export const accountKey = (address: Uint8Array) => `a/${bytesToHex(address)}`;
export const emptyAccount = (): Account => ({ balance: 0, nonce: 0, staked: 0, unbonding: [] });
export const readAccount = (view: StateView, address: Uint8Array): Account => view.read<Account>(accountKey(address)) ?? emptyAccount();

/** A stake leaving: back in the balance after unbonding_blocks (releaseUnbonded pays it out). */
export function scheduleRelease(ctx: LedgerContext, view: StateView, address: Uint8Array, account: Account, amount: number): void {
  const release = ctx.height + ctx.params.unbonding_blocks;
  account.unbonding.push([amount, release]);
  const due = view.read<Uint8Array[]>(`r/${release}`) ?? [];
  if (!due.some((a) => Buffer.compare(a, address) === 0)) view.write(`r/${release}`, [...due, address]);
}

export function credit(view: StateView, address: Uint8Array, amount: number): void {
  const account = readAccount(view, address);
  account.balance += amount;
  view.write(accountKey(address), account);
}

/** What one kind of transaction does: it changes `view` (the sender's account is written after it) and names the other accounts it touched. */
export type Rule = (ctx: LedgerContext, view: StateView, tx: SignedTx, sender: Account) => Uint8Array[];
type BodyOf<K extends TxBody['kind']> = Extract<TxBody, { kind: K }>;
/** The transaction's body as its kind (the rule table only calls a rule for its own kind). */
export const body = <K extends TxBody['kind']>(tx: SignedTx) => tx.body as BodyOf<K>;
