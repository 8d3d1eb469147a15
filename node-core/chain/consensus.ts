/**
 * Tendermint's consensus for one validator, as Algorithm 1 of "The latest gossip on BFT consensus"
 * (Buchman, Kwon, Milosevic 2018) states it: a pure, synchronous state machine. The host feeds it
 * verified messages and fired timeouts; it answers through the host (broadcast, schedule a timeout,
 * decide). Line numbers in comments are the paper's. `quorum` stands for 2f+1 and `faults + 1` for
 * f+1. Every input is followed by re-evaluating all "upon" rules until none fires, so a rule whose
 * condition became true by any input (a proposal after its votes, say) fires.
 *
 * Votes are counted as the paper counts messages: per value, each validator once (vote-book.ts). A
 * validator's second, different vote at one (round, type) is reported once through host.equivocation
 * and counts for its own value only, never twice towards "any value" (lines 34, 47, 55).
 *
 * Choices the paper leaves open:
 * - A broadcast the host's sign guard refuses is not counted as ours, but the step still advances:
 *   the validator stays silent for that step, as a crashed one would. A refused proposal schedules
 *   timeoutPropose so the proposer still prevotes nil.
 * - A follower (`host.self` undefined) runs the same rules and never broadcasts.
 * - Of several round-skip candidates (line 55) the highest round is started.
 * - Inputs that arrive while the machine is acting (a host calling back synchronously, e.g. startHeight
 *   from inside decide) are queued and run after the current one, in order.
 */
import type {
  ConsensusHost,
  ConsensusParams,
  ProposalMessage,
  Step,
  TimeoutKind,
  VoteMessage,
  VoteType,
} from './consensus-types.ts';
import { createVoteBook, type VoteBook } from './vote-book.ts';

export interface ConsensusState {
  readonly height: number;
  readonly round: number;
  readonly step: Step;
  readonly lockedRound: number;
  readonly validRound: number;
  readonly lockedValue: string | null;
  readonly validValue: string | null;
}

export interface Consensus {
  /** Start height h at round 0 (StartRound(0)). Called once per height, heights increasing. */
  startHeight(height: number): void;
  /** A proposal whose signature the host verified; `valid` = the host's valid(v) for its block. */
  receiveProposal(proposal: ProposalMessage, valid: boolean): void;
  /** A vote whose signature the host verified. Our own votes are counted when sent; echoes are duplicates. */
  receiveVote(vote: VoteMessage): void;
  /** A timeout the machine scheduled has fired; stale ones are ignored (lines 57, 61, 65). */
  timeout(kind: TimeoutKind, height: number, round: number): void;
  /** A snapshot of where the machine is. */
  readonly state: ConsensusState;
}

/** startHeight was called with a height not above the last one started. */
export class ConsensusHeightError extends Error {
  constructor(previous: number, requested: number) {
    super(`consensus: height ${requested} started after height ${previous}; heights must increase`);
    this.name = 'ConsensusHeightError';
  }
}

interface StoredProposal {
  readonly message: ProposalMessage;
  readonly valid: boolean;
}

/** Rules that fire once per round ("for the first time", lines 34, 36, 47). */
interface RoundFlags {
  prevoteTimeout: boolean;
  polka: boolean;
  precommitTimeout: boolean;
}

const freshFlags = (): RoundFlags => ({ prevoteTimeout: false, polka: false, precommitTimeout: false });

export function createConsensus(host: ConsensusHost, params: ConsensusParams): Consensus {
  const { quorum } = params;
  const skipThreshold = Math.max(1, params.faults + 1);
  let height = 0;
  let round = 0;
  let step: Step = 'propose';
  let lockedValue: string | null = null;
  let lockedRound = -1;
  let validValue: string | null = null;
  let validRound = -1;
  /** False before the first height and from a decision until the next startHeight. */
  let active = false;
  let book: VoteBook = createVoteBook();
  let proposals = new Map<number, Map<string, StoredProposal>>();
  let flags = freshFlags();

  const pending: Array<() => void> = [];
  let busy = false;
  const run = (input: () => void): void => {
    pending.push(input);
    if (busy) return;
    busy = true;
    try {
      for (let next = pending.shift(); next !== undefined; next = pending.shift()) {
        next();
        while (active && fireOneRule());
      }
    } finally {
      busy = false;
    }
  };

  const timeoutFor = (kind: TimeoutKind, r: number): number => params.timeouts[kind].base + r * params.timeouts[kind].delta;
  const schedule = (kind: TimeoutKind): void => host.scheduleTimeout(kind, height, round, timeoutFor(kind, round));
  const isValidator = (index: number): boolean => Number.isInteger(index) && index >= 0 && index < params.validators;
  const isRound = (r: number): boolean => Number.isInteger(r) && r >= 0;
  const proposalsOf = (r: number): Iterable<StoredProposal> => proposals.get(r)?.values() ?? [];

  const storeProposal = (message: ProposalMessage, valid: boolean): void => {
    let ofRound = proposals.get(message.round);
    if (ofRound === undefined) proposals.set(message.round, (ofRound = new Map()));
    if (!ofRound.has(message.value)) ofRound.set(message.value, { message, valid });
    book.noteSender(message.round, message.validator);
  };

  const sendVote = (type: VoteType, value: string | null): void => {
    if (host.self === undefined) return;
    const vote: VoteMessage = { height, round, type, value, validator: host.self };
    if (host.broadcastVote(vote)) book.add(vote);
  };

  const startRound = (r: number): void => {
    round = r;
    step = 'propose';
    flags = freshFlags();
    if (host.self !== undefined && host.proposer(height, round) === host.self) {
      const proposal: ProposalMessage = { height, round, value: validValue ?? host.getValue(height), validRound, validator: host.self };
      if (host.broadcastProposal(proposal)) return storeProposal(proposal, true);
    }
    schedule('propose');
  };

  const prevote = (value: string | null): void => {
    sendVote('prevote', value);
    step = 'prevote';
  };

  const precommit = (value: string | null): void => {
    sendVote('precommit', value);
    step = 'precommit';
  };

  /** Lines 49-54: a proposal of any round with a quorum of precommits for its value. */
  const decideRule = (): boolean => {
    for (const r of book.rounds()) {
      for (const value of book.valuesWithAtLeast(r, 'precommit', quorum)) {
        if (proposals.get(r)?.get(value)?.valid !== true) continue;
        active = false;
        host.decide({ height, round: r, value, precommits: book.votesFor(r, 'precommit', value) });
        return true;
      }
    }
    return false;
  };

  /** Line 55: f+1 validators heard from in a later round. */
  const roundSkipRule = (): boolean => {
    let target = -1;
    for (const r of book.rounds()) if (r > round && r > target && book.senders(r) >= skipThreshold) target = r;
    if (target < 0) return false;
    startRound(target);
    return true;
  };

  /** Lines 22-33: prevote on the round's proposal, honouring the lock. */
  const proposalRule = (): boolean => {
    if (step !== 'propose') return false;
    for (const { message, valid } of proposalsOf(round)) {
      const vr = message.validRound;
      const v = message.value;
      if (vr === -1) {
        prevote(valid && (lockedRound === -1 || lockedValue === v) ? v : null);
        return true;
      }
      if (vr >= 0 && vr < round && book.count(vr, 'prevote', v) >= quorum) {
        prevote(valid && (lockedRound <= vr || lockedValue === v) ? v : null);
        return true;
      }
    }
    return false;
  };

  /** Line 34: a quorum of any prevotes. */
  const prevoteTimeoutRule = (): boolean => {
    if (step !== 'prevote' || flags.prevoteTimeout || book.total(round, 'prevote') < quorum) return false;
    flags.prevoteTimeout = true;
    schedule('prevote');
    return true;
  };

  /** Lines 36-43: a polka for the round's valid proposal: lock and precommit, or just remember it as valid. */
  const polkaRule = (): boolean => {
    if (step === 'propose' || flags.polka) return false;
    for (const { message, valid } of proposalsOf(round)) {
      if (!valid || book.count(round, 'prevote', message.value) < quorum) continue;
      flags.polka = true;
      if (step === 'prevote') {
        lockedValue = message.value;
        lockedRound = round;
        precommit(message.value);
      }
      validValue = message.value;
      validRound = round;
      return true;
    }
    return false;
  };

  /** Lines 44-46: a polka for nil. */
  const nilPolkaRule = (): boolean => {
    if (step !== 'prevote' || book.count(round, 'prevote', null) < quorum) return false;
    precommit(null);
    return true;
  };

  /** Line 47: a quorum of any precommits. */
  const precommitTimeoutRule = (): boolean => {
    if (flags.precommitTimeout || book.total(round, 'precommit') < quorum) return false;
    flags.precommitTimeout = true;
    schedule('precommit');
    return true;
  };

  const rules = [decideRule, roundSkipRule, proposalRule, prevoteTimeoutRule, polkaRule, nilPolkaRule, precommitTimeoutRule];
  const fireOneRule = (): boolean => rules.some((rule) => rule());

  const onTimeout = (kind: TimeoutKind, h: number, r: number): void => {
    if (!active || h !== height || r !== round) return;
    if (kind === 'propose' && step === 'propose') prevote(null);
    else if (kind === 'prevote' && step === 'prevote') precommit(null);
    else if (kind === 'precommit') startRound(round + 1);
  };

  const onProposal = (proposal: ProposalMessage, valid: boolean): void => {
    if (!active || proposal.height !== height || !isRound(proposal.round)) return;
    if (!isValidator(proposal.validator) || proposal.validator !== host.proposer(height, proposal.round)) return;
    if (!Number.isInteger(proposal.validRound) || proposal.validRound < -1) return;
    storeProposal(proposal, valid);
  };

  const onVote = (vote: VoteMessage): void => {
    if (!active || vote.height !== height || !isRound(vote.round) || !isValidator(vote.validator)) return;
    const outcome = book.add(vote);
    if (outcome.kind === 'conflict' && outcome.report) host.equivocation({ first: outcome.first, second: vote });
  };

  let lastStarted: number | undefined;
  const onStartHeight = (h: number): void => {
    height = h;
    lockedValue = validValue = null;
    lockedRound = validRound = -1;
    book = createVoteBook();
    proposals = new Map();
    active = true;
    startRound(0);
  };

  return {
    startHeight: (h) => {
      if (lastStarted !== undefined && h <= lastStarted) throw new ConsensusHeightError(lastStarted, h);
      lastStarted = h;
      run(() => onStartHeight(h));
    },
    receiveProposal: (proposal, valid) => run(() => onProposal(proposal, valid)),
    receiveVote: (vote) => run(() => onVote(vote)),
    timeout: (kind, h, r) => run(() => onTimeout(kind, h, r)),
    get state() {
      return { height, round, step, lockedRound, validRound, lockedValue, validValue };
    },
  };
}
