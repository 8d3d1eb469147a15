/**
 * A deterministic simulated network of consensus machines (node-core/chain/consensus.ts) for tests:
 * a seeded PRNG, one event queue on a simulated clock (message deliveries with random delays, the
 * machines' timeouts), optional drops, duplicates, late joiners, crashed nodes and Byzantine
 * validators. Each honest host buffers future-height messages and starts the next height after a
 * decision, as the real host does. Proposer of (h, r) is (h + r) mod validators.
 */
import assert from 'node:assert/strict';
import { createConsensus } from '../../chain/consensus.ts';
import type { ConsensusParams, Decision, Equivocation, ProposalMessage, VoteMessage, VoteType } from '../../chain/consensus-types.ts';

export type Wire = { readonly kind: 'proposal'; readonly proposal: ProposalMessage } | { readonly kind: 'vote'; readonly vote: VoteMessage };

export interface SimOptions {
  readonly seed: number;
  readonly validators: number;
  readonly quorum: number;
  readonly faults: number;
  readonly heights: number;
  /** Nodes that only follow (no validator index), numbered after the validators. */
  readonly followers?: number;
  /** When a node comes online (Infinity: crashed for good). Messages to it wait until then. */
  readonly onlineAt?: ReadonlyMap<number, number>;
  readonly byzantine?: readonly number[];
  readonly dropRate?: number;
  /** Drops happen only before this time (default: always). */
  readonly dropUntil?: number;
  /** At this time every honest node sends again all it ever sent (the gossip layer catching up). */
  readonly retransmitAt?: number;
  readonly duplicateRate?: number;
  /** The host starts the next height from inside decide (exercises the machine's input queue). */
  readonly startInsideDecide?: boolean;
  /**
   * Honest hosts forward the Byzantine validators' messages they receive for the first time: the
   * paper's gossip assumption (what one correct process receives, all do), needed against a
   * Byzantine validator that completes a polka or a commit for some nodes only. Honest broadcasts
   * already reach everyone where this is used (no drops), so forwarding them would only add events.
   */
  readonly relay?: boolean;
  readonly maxTime: number;
}

export interface SimDecision {
  readonly value: string;
  readonly round: number;
  readonly at: number;
}

export interface SimResult {
  /** Node → height → its decision, for honest nodes. */
  readonly decisions: ReadonlyMap<number, ReadonlyMap<number, SimDecision>>;
  readonly equivocations: readonly Equivocation[];
  readonly honest: readonly number[];
}

export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Scheduled {
  readonly at: number;
  readonly seq: number;
  readonly run: () => void;
}

/** A binary min-heap on (at, seq): same-time events run in the order they were scheduled. */
function createEventQueue() {
  const heap: Scheduled[] = [];
  let seq = 0;
  const before = (a: Scheduled, b: Scheduled): boolean => a.at < b.at || (a.at === b.at && a.seq < b.seq);
  const swap = (i: number, j: number): void => void ([heap[i], heap[j]] = [heap[j]!, heap[i]!]);
  const siftDown = (i: number): void => {
    for (;;) {
      const [l, r] = [2 * i + 1, 2 * i + 2];
      let top = i;
      if (l < heap.length && before(heap[l]!, heap[top]!)) top = l;
      if (r < heap.length && before(heap[r]!, heap[top]!)) top = r;
      if (top === i) return;
      swap(i, top);
      i = top;
    }
  };
  return {
    at(at: number, run: () => void): void {
      heap.push({ at, seq: seq++, run });
      for (let i = heap.length - 1; i > 0 && before(heap[i]!, heap[(i - 1) >> 1]!); i = (i - 1) >> 1) swap(i, (i - 1) >> 1);
    },
    next(): Scheduled | undefined {
      const first = heap[0];
      const last = heap.pop();
      if (heap.length > 0 && last !== undefined) {
        heap[0] = last;
        siftDown(0);
      }
      return first;
    },
  };
}

export const simParams = (o: Pick<SimOptions, 'validators' | 'quorum' | 'faults'>): ConsensusParams => ({
  validators: o.validators,
  quorum: o.quorum,
  faults: o.faults,
  timeouts: { propose: { base: 40, delta: 20 }, prevote: { base: 30, delta: 10 }, precommit: { base: 30, delta: 10 } },
});

function append<K, V>(map: Map<K, V[]>, key: K, item: V): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [item]);
  else list.push(item);
}

const messageOf = (wire: Wire): ProposalMessage | VoteMessage => (wire.kind === 'proposal' ? wire.proposal : wire.vote);
/** Identifies a message's content (relays and duplicates share it). */
const keyOf = (wire: Wire): string =>
  wire.kind === 'proposal'
    ? `p|${wire.proposal.height}|${wire.proposal.round}|${wire.proposal.validator}|${wire.proposal.validRound}|${wire.proposal.value}`
    : `v|${wire.vote.height}|${wire.vote.round}|${wire.vote.type}|${wire.vote.validator}|${wire.vote.value ?? '∅'}`;
const senderOf = (wire: Wire): number => messageOf(wire).validator;
const heightOf = (wire: Wire): number => messageOf(wire).height;
const roundOf = (wire: Wire): number => messageOf(wire).round;

export function checkDecision(d: Decision, quorum: number): void {
  const voters = new Set(d.precommits.map((v) => v.validator));
  assert.ok(voters.size >= quorum, `decision carries ${voters.size} distinct precommits`);
  for (const v of d.precommits) assert.deepEqual([v.height, v.round, v.type, v.value], [d.height, d.round, 'precommit', d.value]);
}

/** What the nodes of one run share: options, randomness, the clock, the queue and the wires. */
interface Net {
  readonly o: SimOptions;
  readonly rand: () => number;
  readonly queue: ReturnType<typeof createEventQueue>;
  readonly proposer: (h: number, r: number) => number;
  readonly byzantine: ReadonlySet<number>;
  readonly decisions: Map<number, Map<number, SimDecision>>;
  readonly equivocations: Equivocation[];
  readonly receivers: Map<number, (wire: Wire) => void>;
  readonly held: Map<number, Wire[]>;
  now: number;
  peersOf(i: number): readonly number[];
  onlineAt(i: number): number;
  /** Deliver after a random delay (a node not yet online gets it when it comes up). */
  deliverLater(to: number, wire: Wire): void;
  /** Deliver, unless dropped; maybe twice. */
  send(to: number, wire: Wire): void;
}

function createNet(o: SimOptions): Net {
  const everyone = [...Array(o.validators + (o.followers ?? 0)).keys()];
  const peerLists = everyone.map((i) => everyone.filter((j) => j !== i));
  const byzantine = new Set(o.byzantine ?? []);
  const net: Net = {
    o,
    rand: mulberry32(o.seed),
    queue: createEventQueue(),
    proposer: (h, r) => (h + r) % o.validators,
    byzantine,
    decisions: new Map(everyone.filter((i) => !byzantine.has(i)).map((i) => [i, new Map()])),
    equivocations: [],
    receivers: new Map(),
    held: new Map(),
    now: 0,
    peersOf: (i) => peerLists[i]!,
    onlineAt: (i) => o.onlineAt?.get(i) ?? 0,
    deliverLater: (to, wire) =>
      net.queue.at(net.now + 1 + Math.floor(net.rand() * 20), () => {
        if (net.now >= net.onlineAt(to)) net.receivers.get(to)?.(wire);
        else append(net.held, to, wire);
      }),
    send: (to, wire) => {
      if (net.now < (o.dropUntil ?? Infinity) && net.rand() < (o.dropRate ?? 0)) return;
      net.deliverLater(to, wire);
      if (net.rand() < (o.duplicateRate ?? 0)) net.deliverLater(to, wire);
    },
  };
  return net;
}

/** An honest node: its machine and a host that buffers future heights and starts the next one after a decision. */
function honestNode(net: Net, index: number) {
  const { o } = net;
  let current = 0;
  const future = new Map<number, Wire[]>();
  const sent: Wire[] = [];
  const broadcast = (wire: Wire): boolean => {
    sent.push(wire);
    for (const j of net.peersOf(index)) net.send(j, wire);
    return true;
  };
  const feed = (wire: Wire): void => {
    if (wire.kind === 'vote') machine.receiveVote(wire.vote);
    else machine.receiveProposal(wire.proposal, !wire.proposal.value.startsWith('bad'));
  };
  const start = (h: number): void => {
    current = h;
    machine.startHeight(h);
    for (const wire of future.get(h) ?? []) feed(wire);
    future.delete(h);
  };
  let made = 0;
  const machine = createConsensus(
    {
      self: index < o.validators ? index : undefined,
      proposer: net.proposer,
      getValue: (h) => `h${h}-n${index}-${made++}`,
      broadcastProposal: (proposal) => broadcast({ kind: 'proposal', proposal }),
      broadcastVote: (vote) => broadcast({ kind: 'vote', vote }),
      scheduleTimeout: (kind, h, r, ms) => net.queue.at(net.now + ms, () => machine.timeout(kind, h, r)),
      decide: (d) => {
        checkDecision(d, o.quorum);
        assert.equal(net.decisions.get(index)!.has(d.height), false, `node ${index} decided height ${d.height} twice`);
        net.decisions.get(index)!.set(d.height, { value: d.value, round: d.round, at: net.now });
        if (d.height >= o.heights) return;
        if (o.startInsideDecide === true) start(d.height + 1);
        else net.queue.at(net.now, () => start(d.height + 1));
      },
      equivocation: (e) => void net.equivocations.push(e),
    },
    simParams(o),
  );
  const relayed = new Set<string>();
  net.receivers.set(index, (wire) => {
    if (o.relay === true && net.byzantine.has(senderOf(wire)) && !relayed.has(keyOf(wire))) {
      relayed.add(keyOf(wire));
      for (const j of net.peersOf(index)) net.send(j, wire);
    }
    const h = heightOf(wire);
    if (h === current) feed(wire);
    else if (h > current) append(future, h, wire);
  });
  return { start, resend: () => sent.forEach((wire) => net.peersOf(index).forEach((j) => net.send(j, wire))) };
}

/**
 * A Byzantine validator: on news of a round it sends every peer its own random prevote and
 * precommit (values it saw proposed, two fresh ones, nil), proposes different values to the two
 * halves of its peers when it is the proposer, and now and then sends a peer a second, different vote.
 */
function byzantineNode(net: Net, index: number): void {
  const { rand } = net;
  const handled = new Set<string>();
  const known = new Map<string, string[]>();
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)]!;
  const values = (h: number, r: number): Array<string | null> => [...(known.get(`${h}/${r}`) ?? []), `byz-${h}-${r}-a`, `byz-${h}-${r}-b`, null];
  const vote = (to: number, h: number, r: number, type: VoteType): void =>
    net.send(to, { kind: 'vote', vote: { height: h, round: r, type, value: pick(values(h, r)), validator: index } });
  /** A fresh value per half of its peers, or an honest value of an earlier round claimed with that validRound. */
  const proposalFor = (to: number, h: number, r: number): ProposalMessage => {
    const earlier = pick([-1, ...Array(r).keys()]);
    const old = earlier < 0 ? undefined : known.get(`${h}/${earlier}`)?.[0];
    if (old !== undefined && rand() < 0.5) return { height: h, round: r, value: old, validRound: earlier, validator: index };
    return { height: h, round: r, value: `byz-${h}-${r}-${to % 2 === 0 ? 'a' : 'b'}`, validRound: -1, validator: index };
  };
  const act = (h: number, r: number): void => {
    if (handled.has(`${h}/${r}`)) return;
    handled.add(`${h}/${r}`);
    for (const j of net.peersOf(index)) {
      if (net.proposer(h, r) === index) net.send(j, { kind: 'proposal', proposal: proposalFor(j, h, r) });
      vote(j, h, r, 'prevote');
      vote(j, h, r, 'precommit');
    }
  };
  const seen = new Set<string>();
  net.receivers.set(index, (wire) => {
    // It reacts to news only: not to duplicates, nor to its own messages relayed back (which would chain rounds).
    if (seen.has(keyOf(wire)) || senderOf(wire) === index) return;
    seen.add(keyOf(wire));
    const [h, r] = [heightOf(wire), roundOf(wire)];
    if (wire.kind === 'proposal') append(known, `${h}/${r}`, wire.proposal.value);
    act(h, r);
    act(h, r + 1);
    act(h + 1, 0);
    if (rand() < 0.3) vote(pick(net.peersOf(index)), h, r, pick(['prevote', 'precommit'] as const));
  });
}

export function runSim(o: SimOptions): SimResult {
  const net = createNet(o);
  const honest = [...net.decisions.keys()];
  const nodes = new Map(honest.map((i) => [i, honestNode(net, i)]));
  for (const b of net.byzantine) byzantineNode(net, b);
  for (const [i, node] of nodes) {
    if (net.onlineAt(i) === Infinity) continue;
    net.queue.at(net.onlineAt(i), () => {
      node.start(1);
      for (const wire of net.held.get(i) ?? []) net.deliverLater(i, wire);
      net.held.delete(i);
    });
  }
  if (o.retransmitAt !== undefined) net.queue.at(o.retransmitAt, () => nodes.forEach((node) => node.resend()));
  const live = honest.filter((i) => net.onlineAt(i) !== Infinity);
  const done = (): boolean => live.every((i) => net.decisions.get(i)!.size >= o.heights);
  for (let event = net.queue.next(); event !== undefined && event.at <= o.maxTime && !done(); event = net.queue.next()) {
    net.now = event.at;
    event.run();
  }
  return { decisions: net.decisions, equivocations: net.equivocations, honest };
}

/** Height → the distinct values honest nodes decided there. */
export function decidedValues(result: SimResult): Map<number, Set<string>> {
  const byHeight = new Map<number, Set<string>>();
  for (const perHeight of result.decisions.values()) {
    for (const [h, d] of perHeight) byHeight.set(h, (byHeight.get(h) ?? new Set()).add(d.value));
  }
  return byHeight;
}
