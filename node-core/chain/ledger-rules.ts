import { bytesToHex } from '../crypto/hex.ts';
import { decodeIdentityRecord } from '../wire/identity-record.ts';
import type { ChainKind } from './genesis.ts';
import { accountKey, body, readAccount, reject, scheduleRelease, type Account, type LedgerContext, type Rule } from './ledger-context.ts';
import { BRIDGE_RULES, rewardDelivery } from './bridge-rules.ts';
import { MARKET_CHAINS, MARKET_RULES } from './market-rules.ts';
import { checkQuorum } from './genesis.ts';
import type { StateView } from './state-view.ts';
import { feeExempt, rotateConsentStatement, validatorSetStatement, type SignedTx, type TxBody } from './transactions.ts';

/**
 * What a transaction does to the state, for both chains. Deterministic: every validator and
 * full node executing the same block from the same state reaches the same state root. A
 * transaction either applies whole or is refused with a TxRejectedError naming the rule; the
 * proposer only puts transactions that apply into a block, so a block with one that does not
 * is invalid.
 *
 * State keys: a/<address> accounts, n/<username> directory records, k/<identity key> its
 * username, c/<name> channels, h/<root> anchors, r/<height> unbonding releases due, v the
 * validator set, e/<validator>/<height>/<round>/<type> evidence; the relay registry: l the list of
 * relay keys, l/<relay> a listing, u/<relay>/<period>/<attester> uptime attestations,
 * d/<relay>/<root> recipients' proofs of delivery.
 */

export { accountKey, emptyAccount, readAccount, TxRejectedError, type Account, type LedgerContext } from './ledger-context.ts';

export interface DirectoryRecord {
  username: string;
  key: Uint8Array;
  /** The signed identity record (wire/identity-record.ts). */
  record: Uint8Array;
  prekeys: Uint8Array;
  registered: number;
  updated: number;
  /** The keys this username had before, oldest first: a change the directory shows, like a safety-number change. */
  previous_keys: Uint8Array[];
}

export interface ValidatorSet {
  set: Array<{ name: string; key: Uint8Array }>;
  quorum: number;
  faults: number;
  nonce: number;
}


const CHAIN_OF_KIND: Record<TxBody['kind'], ChainKind | 'both'> = {
  transfer: 'currency',
  stake: 'currency',
  unstake: 'currency',
  faucet: 'both',
  register: 'chat',
  update: 'chat',
  rotate: 'chat',
  channel: 'chat',
  anchor: 'chat',
  relay: 'chat',
  attest: 'chat',
  delivery: 'chat',
  validators: 'both',
  bridge_send: 'both',
  bridge_recv: 'both',
  bridge_ack: 'both',
  bridge_timeout: 'both',
  bridge_update: 'both',
  client_recover: 'both',
  relay_stake: 'currency',
  relay_unstake: 'currency',
  ...MARKET_CHAINS,
};

/** Applies one signature-checked transaction to `view`; returns the other accounts it touched. */
export function applyTx(ctx: LedgerContext, view: StateView, tx: SignedTx): Uint8Array[] {
  if (tx.chain !== ctx.chain) reject('wrong-chain', `the transaction is for chain ${tx.chain}, not ${ctx.chain}`);
  const home = CHAIN_OF_KIND[tx.body.kind];
  if (home !== 'both' && home !== ctx.kind) reject('wrong-chain', `${tx.body.kind} transactions belong on the ${home} chain`);
  const account = readAccount(view, tx.from);
  if (tx.nonce !== account.nonce) reject('bad-nonce', `expected nonce ${account.nonce}, got ${tx.nonce}`);
  if (!feeExempt(tx) && tx.fee < ctx.params.min_fee) reject('fee-too-low', `the fee ${tx.fee} is below the minimum ${ctx.params.min_fee}`);
  if (account.balance < tx.fee) reject('insufficient-funds', `the balance ${account.balance} does not cover the fee ${tx.fee}`);
  account.balance -= tx.fee;
  account.nonce += 1;
  const touched = KIND_RULES[tx.body.kind](ctx, view, tx, account);
  view.write(accountKey(tx.from), account);
  return touched;
}


const spend = (account: Account, amount: number, what: string) => {
  if (account.balance < amount) reject('insufficient-funds', `the balance ${account.balance} does not cover ${what} of ${amount}`);
  account.balance -= amount;
};

const transfer: Rule = (_ctx, view, tx, sender) => {
  const { to, amount } = body<'transfer'>(tx);
  spend(sender, amount, 'the transfer');
  if (Buffer.compare(to, tx.from) === 0) {
    sender.balance += amount;
    return [];
  }
  const recipient = readAccount(view, to);
  recipient.balance += amount;
  view.write(accountKey(to), recipient);
  return [to];
};

const stake: Rule = (_ctx, _view, tx, sender) => {
  const { amount } = body<'stake'>(tx);
  spend(sender, amount, 'the stake');
  sender.staked += amount;
  return [];
};

const unstake: Rule = (ctx, view, tx, sender) => {
  const { amount } = body<'unstake'>(tx);
  if (sender.staked < amount) reject('insufficient-stake', `only ${sender.staked} is staked`);
  sender.staked -= amount;
  scheduleRelease(ctx, view, tx.from, sender, amount);
  return [];
};

const faucet: Rule = (ctx, _view, _tx, sender) => {
  const gift = ctx.params.faucet_amount;
  if (gift === 0) reject('no-faucet', 'this chain has no faucet (it is not a devnet)');
  if (sender.balance >= gift) reject('faucet-limit', 'the faucet only tops up accounts holding less than one gift');
  sender.balance += gift;
  return [];
};

/** The record must be one the sender signed about itself. */
function checkIdentityRecord(bytes: Uint8Array, key: Uint8Array): void {
  let record;
  try {
    record = decodeIdentityRecord(bytes);
  } catch (err) {
    return reject('bad-record', (err as Error).message);
  }
  if (Buffer.compare(record.identity_key, key) !== 0) reject('bad-record', 'the identity record is about another key');
}

const usernameOf = (view: StateView, key: Uint8Array) => view.read<string>(`k/${bytesToHex(key)}`);

const register: Rule = (ctx, view, tx, sender) => {
  const b = body<'register'>(tx);
  if (view.get(`n/${b.username}`)) reject('username-taken', `${b.username} is already registered`);
  if (usernameOf(view, tx.from)) reject('already-registered', `this key already holds the username ${usernameOf(view, tx.from)}`);
  spend(sender, ctx.params.username_fee, 'the username fee');
  checkIdentityRecord(b.record, tx.from);
  const record: DirectoryRecord = { username: b.username, key: tx.from, record: b.record, prekeys: b.prekeys, registered: ctx.height, updated: ctx.height, previous_keys: [] };
  view.write(`n/${b.username}`, record);
  view.write(`k/${bytesToHex(tx.from)}`, b.username);
  return [];
};

const ownRecord = (view: StateView, key: Uint8Array): DirectoryRecord => {
  const username = usernameOf(view, key) ?? reject('not-registered', 'this key holds no username');
  return view.read<DirectoryRecord>(`n/${username}`)!;
};

const update: Rule = (ctx, view, tx) => {
  const b = body<'update'>(tx);
  const record = ownRecord(view, tx.from);
  checkIdentityRecord(b.record, tx.from);
  view.write(`n/${record.username}`, { ...record, record: b.record, prekeys: b.prekeys, updated: ctx.height });
  return [];
};

const rotate: Rule = (ctx, view, tx) => {
  const b = body<'rotate'>(tx);
  const record = ownRecord(view, tx.from);
  if (usernameOf(view, b.new_key)) reject('already-registered', 'the new key already holds a username');
  if (!rotateConsentStatement.verify(b.new_key, { chain: ctx.chain, username: record.username, old_key: tx.from }, b.new_key_sig)) {
    reject('bad-signature', 'the new key did not sign the rotation');
  }
  // The new key's own signed record moves in with it: the entry never shows a record about a key it no longer holds.
  checkIdentityRecord(b.record, b.new_key);
  view.delete(`k/${bytesToHex(tx.from)}`);
  view.write(`k/${bytesToHex(b.new_key)}`, record.username);
  view.write(`n/${record.username}`, { ...record, key: b.new_key, record: b.record, prekeys: b.prekeys, updated: ctx.height, previous_keys: [...record.previous_keys, tx.from] });
  return [];
};

const channel: Rule = (ctx, view, tx) => {
  const b = body<'channel'>(tx);
  if (view.get(`c/${b.name}`)) reject('channel-taken', `the channel ${b.name} is already registered`);
  view.write(`c/${b.name}`, { name: b.name, owner: tx.from, policy: b.policy, registered: ctx.height });
  return [];
};

const anchor: Rule = (ctx, view, tx) => {
  const b = body<'anchor'>(tx);
  const key = `h/${bytesToHex(b.root)}`;
  if (!view.get(key)) view.write(key, { by: tx.from, count: b.count, height: ctx.height });
  return [];
};

/** A registered relay as the chat chain keeps it (l/<relay key>); the bridge carries stakes and rewards to it. */
export interface RelayListing {
  readonly key: Uint8Array;
  readonly peer_id: string;
  readonly addresses: string[];
  readonly registered: number;
  readonly updated: number;
  /** Uptime attestations received, in all and in the latest period that had any. */
  readonly attestations: number;
  readonly period: number;
  readonly period_attestations: number;
  /** Messages recipients proved it delivered. */
  readonly delivered: number;
}

/** Every relay key ever listed, so the registry can be read without walking the whole state. */
export const RELAY_INDEX = 'l';
const MAX_RELAYS = 10_000;
export const relayKey = (key: Uint8Array) => `l/${bytesToHex(key)}`;
const listedRelay = (view: StateView, key: Uint8Array) => view.read<RelayListing>(relayKey(key)) ?? reject('unknown-relay', 'no relay is registered under that key');

const relay: Rule = (ctx, view, tx) => {
  const b = body<'relay'>(tx);
  const held = view.read<RelayListing>(relayKey(tx.from));
  if (!held) {
    const index = view.read<Uint8Array[]>(RELAY_INDEX) ?? [];
    if (index.length >= MAX_RELAYS) reject('registry-full', `the relay registry holds ${MAX_RELAYS} relays`);
    view.write(RELAY_INDEX, [...index, tx.from]);
  }
  const listing: RelayListing = held
    ? { ...held, peer_id: b.peer_id, addresses: b.addresses, updated: ctx.height }
    : { key: tx.from, peer_id: b.peer_id, addresses: b.addresses, registered: ctx.height, updated: ctx.height, attestations: 0, period: 0, period_attestations: 0, delivered: 0 };
  view.write(relayKey(tx.from), listing);
  return [];
};

const attest: Rule = (ctx, view, tx) => {
  const b = body<'attest'>(tx);
  const current = Math.floor(ctx.height / ctx.params.attestation_period_blocks);
  if (b.period !== current) reject('wrong-period', `attestations are for the current period ${current}, not ${b.period}`);
  if (Buffer.compare(b.relay, tx.from) === 0) reject('self-attestation', 'a relay cannot attest to itself');
  const listing = listedRelay(view, b.relay);
  const key = `u/${bytesToHex(b.relay)}/${b.period}/${bytesToHex(tx.from)}`;
  if (view.get(key)) reject('already-attested', 'this key already attested to this relay in this period');
  view.write(key, ctx.height);
  const samePeriod = listing.period === b.period;
  view.write(relayKey(b.relay), { ...listing, attestations: listing.attestations + 1, period: b.period, period_attestations: samePeriod ? listing.period_attestations + 1 : 1 });
  return [];
};

const delivery: Rule = (ctx, view, tx) => {
  const b = body<'delivery'>(tx);
  if (Buffer.compare(b.relay, tx.from) === 0) reject('self-delivery', 'a relay cannot prove deliveries to itself');
  const listing = listedRelay(view, b.relay);
  const key = `d/${bytesToHex(b.relay)}/${bytesToHex(b.root)}`;
  // The same proof twice counts once (the bridge pays for a proof at most once).
  if (view.get(key)) reject('proof-reused', 'this proof of delivery is already on chain');
  view.write(key, { recipient: tx.from, count: b.count, height: ctx.height });
  view.write(relayKey(b.relay), { ...listing, delivered: listing.delivered + b.count });
  rewardDelivery(ctx, view, tx.from, b.relay, b.root, b.count);
  return [];
};

const validators: Rule = (ctx, view, tx) => {
  const b = body<'validators'>(tx);
  const current = view.read<ValidatorSet>('v') ?? reject('no-validators', 'the chain has no validator set');
  const approved = new Set<number>();
  for (const [index, sig] of b.approvals) {
    const member = current.set[index];
    if (member && validatorSetStatement.verify(member.key, { chain: ctx.chain, set: b.set, quorum: b.quorum, faults: b.faults, nonce: current.nonce }, sig)) approved.add(index);
  }
  if (approved.size < current.quorum) reject('not-certified', `${approved.size} of the current validators approved the new set; ${current.quorum} must`);
  try {
    checkQuorum(b.set.length, b.quorum, b.faults);
  } catch (err) {
    reject('unsafe-quorum', (err as Error).message);
  }
  view.write('v', { set: b.set, quorum: b.quorum, faults: b.faults, nonce: current.nonce + 1 } satisfies ValidatorSet);
  return [];
};

const KIND_RULES: Record<TxBody['kind'], Rule> = { transfer, stake, unstake, faucet, register, update, rotate, channel, anchor, relay, attest, delivery, validators, ...BRIDGE_RULES, ...MARKET_RULES };

/** At the start of each block: stakes whose unbonding ends now return to their balances. */
export function releaseUnbonded(view: StateView, height: number): void {
  const due = view.read<Uint8Array[]>(`r/${height}`);
  if (!due) return;
  for (const address of due) {
    const account = readAccount(view, address);
    const returned = account.unbonding.filter(([, at]) => at <= height).reduce((sum, [amount]) => sum + amount, 0);
    account.unbonding = account.unbonding.filter(([, at]) => at > height);
    account.balance += returned;
    view.write(accountKey(address), account);
  }
  view.delete(`r/${height}`);
}
