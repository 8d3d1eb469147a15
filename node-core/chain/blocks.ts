import { createHash } from 'node:crypto';
import { z } from 'zod';
import { bytesToHex } from '../crypto/hex.ts';
import { defineStatement } from '../crypto/statements.ts';
import { decodeCbor, encodeCbor } from '../p2p/codec.ts';
import { bytes } from '../wire/protocols.ts';
import type { VoteType } from './consensus-types.ts';

/**
 * Blocks, votes and certificates: the signed statements of consensus, each with one builder.
 * A block's hash is over its header; the header commits to the transactions, the state after
 * them (state_root), the validator set that certifies it and the one that certifies the next.
 * A certificate is a quorum of precommit signatures over (chain, height, round, block hash): with
 * it the block is final; without it nothing is.
 */

export const headerSchema = z.object({
  chain: z.string().min(1).max(64),
  height: z.number().int().positive(),
  time: z.number().int().nonnegative(),
  prev: bytes(32),
  txs: bytes(32),
  state: bytes(32),
  validators: bytes(32),
  next_validators: bytes(32),
  evidence: bytes(32),
  proposer: z.number().int().nonnegative(),
});
export type BlockHeader = z.output<typeof headerSchema>;

export const MAX_BLOCK_EVIDENCE = 100;
export const evidenceSchema = z.object({
  validator: z.number().int().nonnegative(),
  height: z.number().int().positive(),
  round: z.number().int().nonnegative(),
  type: z.enum(['prevote', 'precommit']),
  a: z.object({ value: bytes(32).nullable(), sig: bytes(64) }),
  b: z.object({ value: bytes(32).nullable(), sig: bytes(64) }),
});
export type Evidence = z.output<typeof evidenceSchema>;
/** Where the chain state records a piece of evidence (one per validator, height, round and vote type). */
export const evidenceKey = (e: Pick<Evidence, 'validator' | 'height' | 'round' | 'type'>) => `e/${e.validator}/${e.height}/${e.round}/${e.type}`;

export const blockSchema = z.object({
  header: headerSchema,
  txs: z.array(bytes()).max(100_000),
  evidence: z.array(evidenceSchema).max(MAX_BLOCK_EVIDENCE),
  /** Present when next_validators differs from validators: the new set, so followers can check the next certificates. */
  next_set: z
    .object({ set: z.array(z.object({ name: z.string().min(1).max(64), key: bytes(32) })).min(1).max(100), quorum: z.number().int().positive(), faults: z.number().int().nonnegative() })
    .optional(),
});
export type Block = z.output<typeof blockSchema>;

export const certificateSchema = z.object({
  height: z.number().int().positive(),
  round: z.number().int().nonnegative(),
  block: bytes(32),
  sigs: z.array(z.tuple([z.number().int().nonnegative(), bytes(64)])).min(1).max(100),
});
export type Certificate = z.output<typeof certificateSchema>;

const headerStatement = defineStatement<BlockHeader>('dchat/chain/block/v1', (h) => encodeCbor(h));
export const blockHash = (header: BlockHeader): Uint8Array => createHash('sha256').update(headerStatement.bytes(header)).digest();
export const blockHashHex = (header: BlockHeader): string => bytesToHex(blockHash(header));

export interface VoteFields {
  readonly chain: string;
  readonly height: number;
  readonly round: number;
  readonly type: VoteType;
  readonly value: Uint8Array | null;
}
export const voteStatement = defineStatement<VoteFields>('dchat/chain/vote/v1', (v) => encodeCbor({ chain: v.chain, height: v.height, round: v.round, type: v.type, value: v.value }));

export interface ProposalFields {
  readonly chain: string;
  readonly height: number;
  readonly round: number;
  readonly value: Uint8Array;
  readonly valid_round: number;
}
export const proposalStatement = defineStatement<ProposalFields>('dchat/chain/proposal/v1', (p) => encodeCbor({ chain: p.chain, height: p.height, round: p.round, value: p.value, valid_round: p.valid_round }));

/** Merkle-free commitments to lists (the list is always shipped whole with its block). */
export const listHash = (context: string, items: readonly Uint8Array[]): Uint8Array => {
  const hash = createHash('sha256').update(context);
  for (const item of items) hash.update(createHash('sha256').update(item).digest());
  return hash.digest();
};
export const txsHash = (txs: readonly Uint8Array[]) => listHash('dchat/chain/txs/v1', txs);
export const evidenceHash = (evidence: readonly Evidence[]) => listHash('dchat/chain/evidence/v1', evidence.map((e) => encodeCbor(e)));
export const validatorSetHash = (set: ReadonlyArray<{ key: Uint8Array }>, quorum: number) =>
  listHash(`dchat/chain/validators/v1/${quorum}`, set.map((v) => v.key));

export class BlockFormatError extends Error {
  override readonly name = 'BlockFormatError';
}

export function decodeWith<T extends z.ZodType>(schema: T, encoded: Uint8Array, what: string): z.output<T> {
  let raw: unknown;
  try {
    raw = decodeCbor(encoded);
  } catch (err) {
    throw new BlockFormatError(`${what}: ${(err as Error).message}`);
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw new BlockFormatError(`${what}: ${parsed.error.issues[0]?.path.join('.')} ${parsed.error.issues[0]?.message}`);
  return parsed.data;
}

export const encodeBlock = (block: Block): Uint8Array => encodeCbor(block);
export const decodeBlock = (encoded: Uint8Array): Block => decodeWith(blockSchema, encoded, 'block');
export const decodeCertificate = (encoded: Uint8Array): Certificate => decodeWith(certificateSchema, encoded, 'certificate');

export class CertificateError extends Error {
  override readonly name = 'CertificateError';
}

/**
 * Throws CertificateError unless `cert` holds valid precommits for `hash` at its height from at
 * least `quorum` distinct members of `set` (the set that certifies that height).
 */
export function verifyCertificate(chain: string, cert: Certificate, hash: Uint8Array, set: ReadonlyArray<{ key: Uint8Array }>, quorum: number): void {
  const votes = certificateVotes(chain, cert, hash, set, quorum);
  for (const vote of votes) if (!voteStatement.verify(vote.key, vote.fields, vote.sig)) throw badCertificateSignature(vote.index, cert.height);
}

/** verifyCertificate() with the signatures checked at once on the thread pool (block sync checks many). */
export async function verifyCertificateAsync(chain: string, cert: Certificate, hash: Uint8Array, set: ReadonlyArray<{ key: Uint8Array }>, quorum: number): Promise<void> {
  const votes = certificateVotes(chain, cert, hash, set, quorum);
  const valid = await Promise.all(votes.map((vote) => voteStatement.verifyAsync(vote.key, vote.fields, vote.sig)));
  const bad = valid.indexOf(false);
  if (bad >= 0) throw badCertificateSignature(votes[bad]!.index, cert.height);
}

/** Everything about a certificate but its signatures: the block, distinct members, a quorum. */
function certificateVotes(chain: string, cert: Certificate, hash: Uint8Array, set: ReadonlyArray<{ key: Uint8Array }>, quorum: number) {
  if (Buffer.compare(cert.block, hash) !== 0) throw new CertificateError(`the certificate at height ${cert.height} is for another block`);
  const seen = new Set<number>();
  const votes: Array<{ index: number; key: Uint8Array; sig: Uint8Array; fields: VoteFields }> = [];
  for (const [index, sig] of cert.sigs) {
    const member = set[index];
    if (!member) throw new CertificateError(`the certificate names validator ${index}, not in the set of ${set.length}`);
    if (seen.has(index)) throw new CertificateError(`the certificate names validator ${index} twice`);
    seen.add(index);
    votes.push({ index, key: member.key, sig, fields: { chain, height: cert.height, round: cert.round, type: 'precommit', value: hash } });
  }
  if (seen.size < quorum) throw new CertificateError(`the certificate at height ${cert.height} has ${seen.size} signatures, fewer than the quorum of ${quorum}`);
  return votes;
}

const badCertificateSignature = (index: number, height: number) => new CertificateError(`validator ${index}'s signature in the certificate at height ${height} does not verify`);
