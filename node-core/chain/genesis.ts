import { z } from 'zod';

/**
 * A chain's genesis: who validates it, how many of them make a quorum, what fault the quorum is
 * said to survive, the parameters and the first balances. Every node of a network holds the same
 * file; a chain's identity is its chain_id.
 *
 * Quorums are judged honestly. With n validators of one vote each and a quorum q, any two quorums
 * share at least 2q − n validators; agreement holds against f Byzantine validators only if that
 * overlap always holds an honest one (2q − n ≥ f + 1), and the chain goes on with f of them silent
 * only if the rest still form a quorum (n − f ≥ q). For f = 1 that means n ≥ 4, q = 3 of 4; the
 * deployment guide's 2-of-3 (f = 0) survives one crashed validator (3 − 1 ≥ 2) and no Byzantine one.
 */

export const CHAIN_KINDS = ['chat', 'currency'] as const;
export type ChainKind = (typeof CHAIN_KINDS)[number];

const hex32 = z.string().regex(/^[0-9a-f]{64}$/, 'expected 32 bytes as 64 lowercase hex digits');
const amount = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);

export const validatorSchema = z.object({
  name: z.string().min(1).max(64),
  /** The validator's Ed25519 consensus key. */
  public_key: hex32,
  /** Where its node listens (multiaddrs ending in /p2p/<peer id>), so others can dial it. */
  addresses: z.array(z.string().min(1).max(300)).max(8).default([]),
});
export type Validator = z.output<typeof validatorSchema>;

export const chainParamsSchema = z.object({
  /** The pause after a block is final before the next height starts. */
  block_interval_ms: z.number().int().min(0).max(60_000).default(100),
  /** With nothing to put in a block, the next height still starts after this long (a heartbeat, not a flood of empty blocks). */
  empty_block_interval_ms: z.number().int().min(0).max(3_600_000).default(10_000),
  max_block_txs: z.number().int().positive().max(100_000).default(5_000),
  max_block_bytes: z.number().int().positive().max(1_900_000).default(1_500_000),
  max_tx_bytes: z.number().int().positive().max(65_536).default(4_096),
  /** Relaying transactions (bridge proofs, batched) may be this large. */
  max_relay_tx_bytes: z.number().int().positive().max(1_000_000).default(262_144),
  min_fee: amount.default(1),
  /** Blocks a stake stays bonded after unstaking. */
  unbonding_blocks: z.number().int().nonnegative().default(100),
  /** What registering a username costs (burned), against squatting. */
  username_fee: amount.default(100),
  /** Blocks per relay uptime-attestation period. */
  attestation_period_blocks: z.number().int().positive().max(1_000_000).default(1_000),
  /** The bridge: how long this chain's light client of the other trusts a header (IBC's trusting period). */
  trusting_period_ms: z.number().int().positive().default(14 * 24 * 3_600_000),
  /** How long packets this chain makes itself (stake reports, delivery rewards) wait for the other chain. */
  bridge_packet_timeout_ms: z.number().int().positive().default(600_000),
  /** Currency chain: what a relay earns per message a recipient proved it delivered, from the reward pool. */
  relay_reward_per_message: amount.default(0),
  /** Currency chain: the reward pool at genesis. */
  relay_reward_pool: amount.default(0),
  /** Currency chain: the stake a relay needs to earn rewards. */
  min_relay_stake: amount.default(1_000_000),
  /** Currency chain: the network's fee on a seller's marketplace proceeds (basis points, burned). */
  market_fee_bp: z.number().int().min(0).max(5_000).default(100),
  /** What one faucet request gives (0 = no faucet: not a devnet). */
  faucet_amount: amount.default(0),
  /** Consensus timeouts, growing per round. */
  timeout_propose_ms: z.number().int().positive().default(1_000),
  timeout_vote_ms: z.number().int().positive().default(500),
  timeout_delta_ms: z.number().int().nonnegative().default(500),
});
export type ChainParams = z.output<typeof chainParamsSchema>;

export const genesisSchema = z.object({
  chain_id: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, 'expected a chain id of lowercase letters, digits, dots, dashes'),
  kind: z.enum(CHAIN_KINDS),
  genesis_time: z.number().int().nonnegative(),
  validators: z.array(validatorSchema).min(1).max(100),
  quorum: z.number().int().positive(),
  /** f: how many Byzantine validators the quorum is claimed to tolerate. */
  byzantine_faults: z.number().int().nonnegative(),
  params: chainParamsSchema.prefault({}),
  allocations: z.array(z.object({ address: hex32, amount })).max(100_000).default([]),
});
export type Genesis = z.output<typeof genesisSchema>;

/** Both chains of a network, as `dchat devnet init` writes them. */
export const networkGenesisSchema = z.object({ chat: genesisSchema, currency: genesisSchema });
export type NetworkGenesis = z.output<typeof networkGenesisSchema>;

export class UnsafeQuorumError extends Error {
  override readonly name = 'UnsafeQuorumError';
}

export class GenesisError extends Error {
  override readonly name = 'GenesisError';
}

/** What a quorum of q out of n survives: f Byzantine, and how many crashed validators. */
export function quorumGuarantees(n: number, q: number): { byzantine: number; crashed: number } {
  return { byzantine: Math.max(-1, Math.min(2 * q - n - 1, n - q)), crashed: n - q };
}

/** Throws UnsafeQuorumError (naming the rule) when q of n cannot keep the stated f. */
export function checkQuorum(n: number, q: number, f: number): void {
  if (q > n) throw new UnsafeQuorumError(`a quorum of ${q} is more than the ${n} validators: the chain could never make a block`);
  if (2 * q - n < f + 1) {
    throw new UnsafeQuorumError(
      `a quorum of ${q} of ${n} validators is not safe against ${f} Byzantine: two quorums share only ${2 * q - n} validators (need ${f + 1}); use a quorum of at least ${Math.ceil((n + f + 1) / 2)}`,
    );
  }
  if (n - f < q) throw new UnsafeQuorumError(`with ${f} of ${n} validators faulty only ${n - f} remain, fewer than the quorum of ${q}: the chain would halt`);
}

/** Parses and judges a genesis; the message names the chain and what is wrong. */
export function parseGenesis(value: unknown): Genesis {
  const parsed = genesisSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new GenesisError(`genesis ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  const genesis = parsed.data;
  checkQuorum(genesis.validators.length, genesis.quorum, genesis.byzantine_faults);
  const keys = new Set(genesis.validators.map((v) => v.public_key));
  if (keys.size !== genesis.validators.length) throw new UnsafeQuorumError(`genesis of ${genesis.chain_id} names one validator key twice`);
  return genesis;
}
