/**
 * The messages and decisions of the consensus state machine (consensus.ts), as plain data. Values
 * are block hashes (hex); the machine never sees blocks, only whether the host judged one valid.
 * Validators are indices into the validator set of the height; every validator has one vote.
 */

export type VoteType = 'prevote' | 'precommit';
export type TimeoutKind = 'propose' | 'prevote' | 'precommit';
/** Steps in signing order within a round (CometBFT's: propose < prevote < precommit). */
export type Step = 'propose' | 'prevote' | 'precommit';

export interface ProposalMessage {
  readonly height: number;
  readonly round: number;
  readonly value: string;
  /** The round in which the proposer saw a polka for this value, or -1. */
  readonly validRound: number;
  readonly validator: number;
}

export interface VoteMessage {
  readonly height: number;
  readonly round: number;
  readonly type: VoteType;
  /** null = a vote for nil. */
  readonly value: string | null;
  readonly validator: number;
}

export interface Decision {
  readonly height: number;
  readonly round: number;
  readonly value: string;
  /** The precommits for the value in that round: at least `quorum` distinct validators. */
  readonly precommits: readonly VoteMessage[];
}

/** Conflicting signed messages from one validator at one height, round and type. */
export interface Equivocation {
  readonly first: VoteMessage;
  readonly second: VoteMessage;
}

export interface ConsensusParams {
  readonly validators: number;
  readonly quorum: number;
  /** The number of Byzantine validators the genesis says it tolerates (the f of f+1 round skips; at least 1 is used). */
  readonly faults: number;
  /** Timeouts grow linearly with the round: base + round × delta (milliseconds). */
  readonly timeouts: Readonly<Record<TimeoutKind, { readonly base: number; readonly delta: number }>>;
}

/** What the machine asks of its host. All calls are synchronous; the host queues network work. */
export interface ConsensusHost {
  /** Our index in the validator set, or undefined on a node that only follows. */
  readonly self: number | undefined;
  proposer(height: number, round: number): number;
  /** A new value to propose (the host builds the block and remembers it by hash). */
  getValue(height: number): string;
  /**
   * Sign and broadcast. The host persists the sign guard before the message leaves; it returns
   * false when the guard refuses (the machine then acts as if the message was never sent).
   */
  broadcastProposal(proposal: ProposalMessage): boolean;
  broadcastVote(vote: VoteMessage): boolean;
  scheduleTimeout(kind: TimeoutKind, height: number, round: number, afterMs: number): void;
  decide(decision: Decision): void;
  equivocation(evidence: Equivocation): void;
}
