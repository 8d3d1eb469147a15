import { bytesToHex, hexToBytes } from '../crypto/hex.ts';
import { encodeBlock, evidenceKey, proposalStatement, voteStatement, type Certificate, type Evidence } from './blocks.ts';
import type { ConsensusHost, Decision, Equivocation, ProposalMessage, TimeoutKind, VoteMessage } from './consensus-types.ts';
import type { ProposalFrame, VoteFrame } from './consensus-wire.ts';
import type { CommittedChain } from './committed-chain.ts';
import type { Execution } from './ledger.ts';
import type { Mempool } from './mempool.ts';
import { DoubleSignRefusedError, type SignGuard } from './sign-guard.ts';

const MAX_PENDING_EVIDENCE = 1_000;

/**
 * The validator's side of the consensus machine for one height: it builds blocks when it is
 * the proposer, signs through the sign guard (persisted before anything leaves), keeps every
 * signature it sent or saw (the certificate and equivocation evidence are made of them) and
 * turns decisions into commits.
 */

export interface HostInit {
  readonly committed: CommittedChain;
  readonly mempool: Mempool;
  readonly height: number;
  readonly self: number | undefined;
  readonly secretKey: Uint8Array | undefined;
  readonly guard: SignGuard | undefined;
  /** Blocks seen this height (built or received), by hash. */
  readonly executions: Map<string, Execution>;
  readonly evidencePool: Evidence[];
  onEvidence(): void;
  publish(frame: ProposalFrame | VoteFrame): void;
  schedule(kind: TimeoutKind, height: number, round: number, afterMs: number): void;
  decided(execution: Execution, certificate: Certificate): void;
  refused(err: Error): void;
  now(): number;
}

export interface HeightHost extends ConsensusHost {
  /** Records a verified vote's signature (ours are recorded when signed). */
  noteSignature(vote: VoteMessage, sig: Uint8Array): void;
  /** Our frames of this height, for re-sending while the height is stuck. */
  readonly sent: Array<ProposalFrame | VoteFrame>;
}

const voteKey = (v: { round: number; type: string; validator: number; value: string | null }) => `${v.round}/${v.type}/${v.validator}/${v.value ?? 'nil'}`;

export function createHeightHost(init: HostInit): HeightHost {
  const { committed, height } = init;
  const chain = committed.chain;
  const signatures = new Map<string, Uint8Array>();
  const sent: Array<ProposalFrame | VoteFrame> = [];
  const value = (v: string | null) => (v === null ? null : hexToBytes(v));

  const guarded = (round: number, step: 'propose' | 'prevote' | 'precommit', bytes: Uint8Array, sign: () => Uint8Array): Uint8Array | undefined => {
    if (!init.guard || !init.secretKey) return undefined;
    try {
      return init.guard.sign(height, round, step, bytes, sign);
    } catch (err) {
      if (err instanceof DoubleSignRefusedError) {
        init.refused(err);
        return undefined;
      }
      throw err;
    }
  };

  return {
    self: init.self,
    sent,
    proposer: (h, round) => (h + round) % committed.validators.set.length,
    getValue() {
      const time = Math.max(init.now(), committed.top.time);
      const { execution, rejected } = committed.rules.build({ top: committed.top, candidates: init.mempool.candidates(), evidence: init.evidencePool, time, proposer: init.self ?? 0 });
      // A nonce gap may close with the next arrival: only what can never apply leaves the mempool.
      for (const r of rejected) if (r.error.code !== 'bad-nonce') init.mempool.remove(r.id);
      const hash = bytesToHex(execution.hash);
      init.executions.set(hash, execution);
      return hash;
    },
    broadcastProposal(p: ProposalMessage) {
      const execution = init.executions.get(p.value);
      if (!execution) return false;
      const fields = { chain, height: p.height, round: p.round, value: execution.hash, valid_round: p.validRound };
      const sig = guarded(p.round, 'propose', proposalStatement.bytes(fields), () => proposalStatement.sign(init.secretKey!, fields));
      if (!sig) return false;
      const frame: ProposalFrame = { t: 'p', chain, height: p.height, round: p.round, value: execution.hash, vr: p.validRound, v: p.validator, sig, block: encodeBlockOnce(execution), n: 0 };
      sent.push(frame);
      init.publish(frame);
      return true;
    },
    broadcastVote(v: VoteMessage) {
      const fields = { chain, height: v.height, round: v.round, type: v.type, value: value(v.value) };
      const sig = guarded(v.round, v.type, voteStatement.bytes(fields), () => voteStatement.sign(init.secretKey!, fields));
      if (!sig) return false;
      signatures.set(voteKey(v), sig);
      const frame: VoteFrame = { t: 'v', chain, height: v.height, round: v.round, type: v.type, value: fields.value, v: v.validator, sig, n: 0 };
      sent.push(frame);
      init.publish(frame);
      return true;
    },
    scheduleTimeout: (kind, h, round, afterMs) => init.schedule(kind, h, round, afterMs),
    decide(d: Decision) {
      const execution = init.executions.get(d.value);
      if (!execution) return; // the machine decides only on a proposal it saw, whose block we executed
      const sigs: Array<[number, Uint8Array]> = [];
      for (const vote of d.precommits) {
        const sig = signatures.get(voteKey(vote));
        if (sig) sigs.push([vote.validator, sig]);
      }
      sigs.sort((a, b) => a[0] - b[0]);
      init.decided(execution, { height: d.height, round: d.round, block: execution.hash, sigs });
    },
    equivocation(e: Equivocation) {
      const a = signatures.get(voteKey(e.first));
      const b = signatures.get(voteKey(e.second));
      if (!a || !b) return;
      init.onEvidence();
      // Bounded: a validator equivocating in every round must not grow the pool without end.
      if (init.evidencePool.length >= MAX_PENDING_EVIDENCE || init.evidencePool.some((held) => evidenceKey(held) === evidenceKey(e.first))) return;
      init.evidencePool.push({ validator: e.first.validator, height: e.first.height, round: e.first.round, type: e.first.type, a: { value: value(e.first.value), sig: a }, b: { value: value(e.second.value), sig: b } });
    },
    noteSignature(vote, sig) {
      signatures.set(voteKey(vote), sig);
    },
  };
}

const encoded = new WeakMap<Execution, Uint8Array>();
function encodeBlockOnce(execution: Execution): Uint8Array {
  let bytes = encoded.get(execution);
  if (!bytes) {
    bytes = encodeBlock(execution.block);
    encoded.set(execution, bytes);
  }
  return bytes;
}
