/**
 * The votes of one height, as the consensus machine (consensus.ts) counts them: per (round, type)
 * each value's tally counts a validator at most once, the "any value" total counts it once, and the
 * round remembers who sent anything (the f+1 round skip counts senders, not messages). Pure data;
 * the caller checks heights and indices.
 *
 * A validator that votes for two values (an equivocation) counts in both values' tallies, as the
 * paper counts messages per value: safe, since two quorums would need more than f equivocators to
 * overlap, and needed for liveness: a correct node that first got a Byzantine vote for w must still
 * count the same validator's vote for v that completed the polka or commit its peers saw (gossip
 * relays it), or it may never follow them. The "any value" totals and the evidence count it once.
 */
import type { VoteMessage, VoteType } from './consensus-types.ts';

/** What adding a vote did. A conflict carries the first vote as evidence; `report` is true only the first time. */
export type VoteOutcome =
  | { readonly kind: 'counted' }
  | { readonly kind: 'duplicate' }
  | { readonly kind: 'conflict'; readonly first: VoteMessage; readonly report: boolean };

export interface VoteBook {
  add(vote: VoteMessage): VoteOutcome;
  /** A validator sent a proposal in a round (votes note their sender themselves). */
  noteSender(round: number, validator: number): void;
  /** Distinct validators that sent anything in the round. */
  senders(round: number): number;
  /** Every round anything was heard of, in no particular order. */
  rounds(): Iterable<number>;
  /** Distinct validators with a vote of this type in the round, whatever the value. */
  total(round: number, type: VoteType): number;
  /** Distinct validators with a vote of this type for this value in the round. */
  count(round: number, type: VoteType, value: string | null): number;
  votesFor(round: number, type: VoteType, value: string | null): readonly VoteMessage[];
  /** Non-nil values with at least `threshold` votes of this type in the round. */
  valuesWithAtLeast(round: number, type: VoteType, threshold: number): string[];
}

interface Tally {
  /** Each validator's first vote: the evidence when it sends another. */
  readonly byValidator: Map<number, VoteMessage>;
  readonly byValue: Map<string | null, Map<number, VoteMessage>>;
  /** Validators already reported for a conflict here: evidence goes out once per validator. */
  readonly reported: Set<number>;
}

interface RoundVotes {
  readonly senders: Set<number>;
  readonly tallies: Record<VoteType, Tally>;
}

const emptyTally = (): Tally => ({ byValidator: new Map(), byValue: new Map(), reported: new Set() });

export function createVoteBook(): VoteBook {
  const rounds = new Map<number, RoundVotes>();

  const roundOf = (round: number): RoundVotes => {
    let entry = rounds.get(round);
    if (entry === undefined) {
      entry = { senders: new Set(), tallies: { prevote: emptyTally(), precommit: emptyTally() } };
      rounds.set(round, entry);
    }
    return entry;
  };

  const add = (vote: VoteMessage): VoteOutcome => {
    const entry = roundOf(vote.round);
    entry.senders.add(vote.validator);
    const tally = entry.tallies[vote.type];
    let forValue = tally.byValue.get(vote.value);
    if (forValue?.has(vote.validator) === true) return { kind: 'duplicate' };
    if (forValue === undefined) tally.byValue.set(vote.value, (forValue = new Map()));
    forValue.set(vote.validator, vote);
    const first = tally.byValidator.get(vote.validator);
    if (first === undefined) {
      tally.byValidator.set(vote.validator, vote);
      return { kind: 'counted' };
    }
    const report = !tally.reported.has(vote.validator);
    tally.reported.add(vote.validator);
    return { kind: 'conflict', first, report };
  };

  const forValue = (round: number, type: VoteType, value: string | null) => rounds.get(round)?.tallies[type].byValue.get(value);

  return {
    add,
    noteSender: (round, validator) => void roundOf(round).senders.add(validator),
    senders: (round) => rounds.get(round)?.senders.size ?? 0,
    rounds: () => rounds.keys(),
    total: (round, type) => rounds.get(round)?.tallies[type].byValidator.size ?? 0,
    count: (round, type, value) => forValue(round, type, value)?.size ?? 0,
    votesFor: (round, type, value) => [...(forValue(round, type, value)?.values() ?? [])],
    valuesWithAtLeast: (round, type, threshold) => {
      const values: string[] = [];
      for (const [value, votes] of rounds.get(round)?.tallies[type].byValue ?? []) {
        if (value !== null && votes.size >= threshold) values.push(value);
      }
      return values;
    },
  };
}
