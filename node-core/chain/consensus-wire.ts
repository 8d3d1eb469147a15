import { z } from 'zod';
import { encodeCbor } from '../p2p/codec.ts';
import { bytes } from '../wire/protocols.ts';
import { decodeWith } from './blocks.ts';

/**
 * Consensus messages on gossipsub (one topic per chain) and the block-sync protocol. Votes and
 * proposals are signed (blocks.ts has their statements); `n` is not signed: a validator re-sends
 * its messages of a stuck round with a new n so gossip's duplicate filter lets them through.
 */

export const consensusTopic = (chain: string) => `/dchat/chain/${chain}/consensus/1`;
export const txTopic = (chain: string) => `/dchat/chain/${chain}/txs/1`;
export const CHAIN_PROTOCOL = '/dchat/chain/1.0.0';

const index = z.number().int().nonnegative().max(1000);
const height = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);
const round = z.number().int().nonnegative().max(10_000);

export const consensusFrameSchema = z.discriminatedUnion('t', [
  z.object({ t: z.literal('p'), chain: z.string().max(64), height, round, value: bytes(32), vr: z.number().int().min(-1).max(10_000), v: index, sig: bytes(64), block: bytes(), n: z.number().int().nonnegative() }),
  z.object({ t: z.literal('v'), chain: z.string().max(64), height, round, type: z.enum(['prevote', 'precommit']), value: bytes(32).nullable(), v: index, sig: bytes(64), n: z.number().int().nonnegative() }),
]);
export type ConsensusFrame = z.output<typeof consensusFrameSchema>;
export type ProposalFrame = Extract<ConsensusFrame, { t: 'p' }>;
export type VoteFrame = Extract<ConsensusFrame, { t: 'v' }>;

export const decodeConsensusFrame = (data: Uint8Array): ConsensusFrame => decodeWith(consensusFrameSchema, data, 'consensus message');
export const encodeConsensusFrame = (frame: ConsensusFrame): Uint8Array => encodeCbor(frame);

export const MAX_BLOCKS_PER_REQUEST = 100;
export const MAX_HEADERS_PER_REQUEST = 1000;

export const chainRequestSchema = z.discriminatedUnion('op', [
  z.object({ op: z.literal('status'), chain: z.string().max(64) }),
  z.object({ op: z.literal('blocks'), chain: z.string().max(64), from: height, count: z.number().int().positive().max(MAX_BLOCKS_PER_REQUEST) }),
  z.object({ op: z.literal('headers'), chain: z.string().max(64), from: height, count: z.number().int().positive().max(MAX_HEADERS_PER_REQUEST) }),
  z.object({ op: z.literal('snapshot'), chain: z.string().max(64), height, chunk: z.number().int().nonnegative() }),
]);
export type ChainRequest = z.output<typeof chainRequestSchema>;

export const statusReply = z.object({ ok: z.literal(true), height: z.number().int().nonnegative(), lowest: z.number().int().nonnegative(), snapshots: z.array(z.number().int().positive()).max(16) });
export const blocksReply = z.object({ ok: z.literal(true), blocks: z.array(z.tuple([bytes(), bytes()])).max(MAX_BLOCKS_PER_REQUEST) });
export const headersReply = z.object({ ok: z.literal(true), headers: z.array(z.tuple([bytes(), bytes()])).max(MAX_HEADERS_PER_REQUEST) });
export const snapshotReply = z.object({ ok: z.literal(true), data: bytes(), chunks: z.number().int().positive().max(100_000), root: bytes(32) });
