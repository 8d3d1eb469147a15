import { blockHash, CertificateError, validatorSetHash, verifyCertificate } from './blocks.ts';
import { bridgeKeys, type BridgeValidatorSet, type ProofHeader } from './bridge-wire.ts';
import { reject, type LedgerContext } from './ledger-context.ts';
import type { StateView } from './state-view.ts';

/**
 * A chain's light client of the other (Tendermint's light-client verification, as IBC's 07-
 * tendermint client uses it): it trusts a header and the validator set certifying the next
 * heights, and accepts a newer header when
 * - that same set certified it with a quorum (sequential case, sets unchanged), or
 * - a set named by the header certified it with a quorum *and* at least f + 1 of the trusted
 *   validators are among its signers (skipping verification: one honest trusted validator vouches);
 * within the trusting period: once the last trusted header is older than trusting_period_ms by
 * this chain's block time, the client is expired and only a certified recovery revives it.
 * Two different certified headers for one height are misbehaviour: the client freezes.
 */

export interface LightClient {
  readonly chain: string;
  readonly height: number;
  readonly hash: Uint8Array;
  readonly time: number;
  readonly root: Uint8Array;
  /** The set that certifies the heights after `height`, and its hash as the header named it. */
  readonly next: BridgeValidatorSet;
  readonly next_hash: Uint8Array;
  /** Why the client is frozen, or null. */
  readonly frozen: string | null;
}

/** What the client verified at one height: the header's hash, state root and time. */
export interface ConsensusState {
  readonly hash: Uint8Array;
  readonly root: Uint8Array;
  readonly time: number;
}

/** How far ahead of this chain's block time a header may be. */
const MAX_CLOCK_DRIFT_MS = 15_000;

export const readClient = (view: StateView, other: string): LightClient => view.read<LightClient>(bridgeKeys.client(other)) ?? reject('no-client', `this chain keeps no light client of ${other}`);

const setHash = (s: BridgeValidatorSet) => validatorSetHash(s.set, s.quorum);
const blockHashOf = (proof: ProofHeader) => blockHash(proof.header);
const same = (a: Uint8Array, b: Uint8Array) => Buffer.compare(a, b) === 0;

function verifyWith(proof: ProofHeader, set: BridgeValidatorSet): void {
  const { header, cert } = proof;
  if (cert.height !== header.height) reject('bad-certificate', `the certificate is for height ${cert.height}, the header ${header.height}`);
  try {
    verifyCertificate(header.chain, cert, blockHashOf(proof), set.set, set.quorum);
  } catch (err) {
    if (err instanceof CertificateError) reject('bad-certificate', err.message);
    throw err;
  }
}

/** The set that certified the header, checked against what the client trusts. */
function certifyingSet(client: LightClient, proof: ProofHeader): BridgeValidatorSet {
  const { header } = proof;
  if (same(header.validators, client.next_hash)) {
    verifyWith(proof, client.next);
    return client.next;
  }
  const named = proof.set ?? reject('unknown-validators', `the header at height ${header.height} is certified by a validator set the client does not trust; include that set`);
  // From genesis only the genesis set itself: skipping needs a trusting period that has started.
  if (client.height === 0) reject('unknown-validators', 'the set changed since genesis: show the header where it changed first');
  if (!same(setHash(named), header.validators)) reject('unknown-validators', 'the included validator set is not the one the header names');
  verifyWith(proof, named);
  const trusted = new Set(client.next.set.map((v) => Buffer.from(v.key).toString('hex')));
  const vouching = proof.cert.sigs.filter(([index]) => trusted.has(Buffer.from(named.set[index]!.key).toString('hex'))).length;
  if (vouching < client.next.faults + 1) {
    reject('untrusted-validators', `${vouching} of the validators the client trusts signed the header; at least ${client.next.faults + 1} must`);
  }
  return named;
}

function nextSetOf(proof: ProofHeader, certifying: BridgeValidatorSet): BridgeValidatorSet {
  const { header } = proof;
  if (same(header.next_validators, header.validators)) return certifying;
  const next = proof.next_set ?? reject('bad-next-set', `the validator set changes after height ${header.height}: include the next set`);
  if (!same(setHash(next), header.next_validators)) reject('bad-next-set', 'the included next set is not the one the header names');
  return next;
}

function adopt(view: StateView, other: string, proof: ProofHeader, next: BridgeValidatorSet): ConsensusState {
  const { header } = proof;
  const state: ConsensusState = { hash: blockHashOf(proof), root: header.state, time: header.time };
  const client: LightClient = { chain: other, height: header.height, hash: state.hash, time: header.time, root: header.state, next, next_hash: header.next_validators, frozen: null };
  view.write(bridgeKeys.client(other), client);
  view.write(bridgeKeys.consensus(other, header.height), state);
  return state;
}

/**
 * The state root `proof` shows, once the client trusts it: a header it already verified, or a
 * newer one it verifies now. Returns 'frozen' when the header conflicts with one it verified
 * (the client is now frozen: the caller commits that and does nothing else).
 */
export function trustHeader(ctx: LedgerContext, view: StateView, proof: ProofHeader): ConsensusState | 'frozen' {
  const other = ctx.counterparty;
  const client = readClient(view, other);
  if (client.frozen) reject('client-frozen', `the light client of ${other} is frozen (${client.frozen}) until a certified recovery`);
  const { header } = proof;
  if (header.chain !== other) reject('wrong-chain', `the header is from ${header.chain}, not ${other}`);
  const known = view.read<ConsensusState>(bridgeKeys.consensus(other, header.height));
  if (known) {
    if (same(known.hash, blockHashOf(proof))) return known;
    // A different block at a height the client verified: if it is certified too, the other chain forked.
    certifyingSet(client, proof);
    view.write(bridgeKeys.client(other), { ...client, frozen: `two certified headers at height ${header.height}` } satisfies LightClient);
    return 'frozen';
  }
  if (header.height < client.height) reject('stale-header', `the client trusts height ${client.height}; show that height or a newer one`);
  const period = ctx.params.trusting_period_ms;
  if (header.time < ctx.time - period) reject('outside-trusting-period', `the header is ${ctx.time - header.time} ms old, beyond the trusting period of ${period} ms`);
  // A client still at genesis trusts the genesis file, as a full node syncing from genesis does (a
  // network may start long after its genesis time); it expires only once it has followed a header.
  if (client.height > 0 && ctx.time > client.time + period) reject('client-expired', `the light client of ${other} last trusted a header ${ctx.time - client.time} ms ago, beyond its trusting period of ${period} ms`);
  if (header.time > ctx.time + MAX_CLOCK_DRIFT_MS) reject('header-from-future', `the header's time is ${header.time - ctx.time} ms ahead of this chain`);
  if (header.time < client.time) reject('header-time', 'the header is older than the one the client trusts');
  const certifying = certifyingSet(client, proof);
  return adopt(view, other, proof, nextSetOf(proof, certifying));
}

/** A certified recovery (this chain's validators approved it): the client restarts from `proof`, trusting the set included with it. */
export function recoverClient(ctx: LedgerContext, view: StateView, proof: ProofHeader): void {
  const named = proof.set ?? reject('unknown-validators', 'a recovery names the set that certified its header');
  if (!same(setHash(named), proof.header.validators)) reject('unknown-validators', 'the included validator set is not the one the header names');
  if (proof.header.chain !== ctx.counterparty) reject('wrong-chain', `the header is from ${proof.header.chain}, not ${ctx.counterparty}`);
  verifyWith(proof, named);
  adopt(view, ctx.counterparty, proof, nextSetOf(proof, named));
}

/** The verified state at `height`, for proofs against a header the client already trusts. */
export function consensusAt(ctx: LedgerContext, view: StateView, height: number): ConsensusState {
  const client = readClient(view, ctx.counterparty);
  if (client.frozen) reject('client-frozen', `the light client of ${ctx.counterparty} is frozen (${client.frozen}) until a certified recovery`);
  return view.read<ConsensusState>(bridgeKeys.consensus(ctx.counterparty, height)) ?? reject('unknown-height', `the client has not verified height ${height} of ${ctx.counterparty}; include its header`);
}
