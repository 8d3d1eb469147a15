import { bytesToHex } from '../crypto/hex.ts';
import { signingPublicKey } from '../crypto/signing.ts';
import type { Startable } from '../runtime/startable.ts';
import { evidenceKey, proposalStatement, voteStatement, type Certificate, type Evidence } from './blocks.ts';
import type { CommittedChain } from './committed-chain.ts';
import { createConsensus, type Consensus } from './consensus.ts';
import { createHeightHost, type HeightHost } from './consensus-host.ts';
import type { TimeoutKind } from './consensus-types.ts';
import type { ConsensusFrame, ProposalFrame, VoteFrame } from './consensus-wire.ts';
import type { Execution } from './ledger.ts';
import type { Mempool } from './mempool.ts';
import type { SignGuard } from './sign-guard.ts';

/**
 * One chain's consensus, height after height: a fresh machine and host per height, timers,
 * verification of incoming proposals and votes, messages for later heights held until then, and
 * the pause between blocks (a height starts once there is something to put in it, or after
 * empty_block_interval_ms). Network and catching up are the caller's (chain-node.ts).
 */

export interface EngineInit {
  readonly committed: CommittedChain;
  readonly mempool: Mempool;
  readonly secretKey: Uint8Array | undefined;
  readonly guard: SignGuard | undefined;
  publish(frame: ProposalFrame | VoteFrame): void;
  /** A block became final here (by consensus or sync): persist is done, tell the rest. */
  committedBlock(execution: Execution, certificate: Certificate, decidedAt: number): void;
  /** A frame for a height above ours arrived from `peer`: we are behind. */
  behind(peer: string | undefined, height: number): void;
  warn(message: string, err?: unknown): void;
  /** A validator signed two conflicting votes (the evidence goes into the next block we propose). */
  evidence(): void;
  now(): number;
}

export interface ConsensusEngine extends Startable {
  start(): void;
  stop(): void;
  receive(frame: ConsensusFrame, peer: string | undefined): void;
  /** Something new in the mempool: an idle height may start. */
  wake(): void;
  /** A block arrived by sync: stop the current height, it is decided. */
  restartAfterSync(): void;
  readonly self: number | undefined;
  readonly position: { height: number; round: number; step: string };
}

const FUTURE_HEIGHTS = 2;
const FUTURE_FRAMES = 2_000;
const RESEND_MS = 1_000;
const MAX_HEARD = 1_000;

export function createConsensusEngine(init: EngineInit): ConsensusEngine {
  const { committed, mempool } = init;
  const params = committed.genesis.params;
  const publicKey = init.secretKey ? bytesToHex(signingPublicKey(init.secretKey)) : undefined;
  const timers = new Set<NodeJS.Timeout>();
  const future: Array<{ frame: ConsensusFrame; peer: string | undefined }> = [];
  let machine: Consensus | undefined;
  let machineHeight = 0;
  let host: HeightHost | undefined;
  let executions = new Map<string, Execution>();
  let validity = new Map<string, boolean>();
  /** Prevotes for a value heard at this height, by round and validator (see resend). */
  let heard = new Map<string, VoteFrame>();
  const evidencePool: Evidence[] = [];
  let running = false;
  let idle: NodeJS.Timeout | undefined;
  let waiting = false;
  let resender: NodeJS.Timeout | undefined;
  // Each re-send differs in this (unsigned) number, or gossip's duplicate filter would drop it.
  let resends = 0;

  const self = (): number | undefined => {
    if (!publicKey) return undefined;
    const index = committed.validators.set.findIndex((v) => bytesToHex(v.key) === publicKey);
    return index < 0 ? undefined : index;
  };
  const later = (ms: number, fn: () => void) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      if (running) fn();
    }, ms);
    timers.add(timer);
    return timer;
  };

  function startHeight(): void {
    waiting = false;
    if (idle) clearTimeout(idle);
    const height = committed.top.height + 1;
    executions = new Map();
    validity = new Map();
    heard = new Map();
    const set = committed.validators;
    host = createHeightHost({
      committed,
      mempool,
      height,
      self: self(),
      secretKey: init.secretKey,
      guard: init.guard,
      executions,
      evidencePool,
      onEvidence: init.evidence,
      publish: init.publish,
      schedule: (kind, h, round, ms) => void later(ms, () => (machine === current ? current.timeout(kind as TimeoutKind, h, round) : undefined)),
      decided: (execution, certificate) => decided(execution, certificate),
      refused: (err) => init.warn('the sign guard refused to sign', err),
      now: init.now,
    });
    const timeouts = { base: params.timeout_vote_ms, delta: params.timeout_delta_ms };
    const current = createConsensus(host, { validators: set.set.length, quorum: set.quorum, faults: set.faults, timeouts: { propose: { base: params.timeout_propose_ms, delta: params.timeout_delta_ms }, prevote: timeouts, precommit: timeouts } });
    machine = current;
    machineHeight = height;
    current.startHeight(height);
    for (const held of future.splice(0)) receive(held.frame, held.peer);
  }

  function decided(execution: Execution, certificate: Certificate): void {
    const at = init.now();
    committed.commit(execution, certificate);
    forgetRecorded(execution.block.evidence);
    machine = undefined;
    host = undefined;
    mempool.committed(execution.txIds, (address) => committed.rules.nonce(committed.top.tree, address));
    init.committedBlock(execution, certificate, at);
    scheduleNext(params.block_interval_ms);
  }

  /** Evidence now on chain leaves the pool (a proposer would only find it stale again). */
  function forgetRecorded(recorded: readonly Evidence[]): void {
    if (recorded.length === 0) return;
    const keys = new Set(recorded.map(evidenceKey));
    const kept = evidencePool.filter((e) => !keys.has(evidenceKey(e)));
    evidencePool.splice(0, evidencePool.length, ...kept);
  }

  /** After a block: wait the block interval, then for a transaction (or the empty-block interval). */
  function scheduleNext(afterMs: number): void {
    later(afterMs, () => {
      if (mempool.size > 0 || init.now() - committed.top.time >= params.empty_block_interval_ms) return startHeight();
      waiting = true;
      idle = later(Math.max(1, params.empty_block_interval_ms - (init.now() - committed.top.time)), startHeight);
    });
  }

  function judge(frame: ProposalFrame): boolean {
    const key = bytesToHex(frame.value);
    const known = validity.get(key);
    if (known !== undefined) return known;
    let valid = false;
    try {
      const execution = committed.rules.check(committed.top, committed.rules.decodeBlock(frame.block), mempool.verified);
      valid = Buffer.compare(execution.hash, frame.value) === 0;
      if (valid) executions.set(key, execution);
    } catch (err) {
      init.warn(`refused the block proposed at height ${frame.height} round ${frame.round}`, err);
    }
    validity.set(key, valid);
    return valid;
  }

  function receive(frame: ConsensusFrame, peer: string | undefined): void {
    if (!running || frame.chain !== committed.chain) return;
    const height = committed.top.height + 1;
    if (frame.height < height) return;
    if (frame.height > height || waiting || !machine) {
      if (frame.height > height) init.behind(peer, frame.height);
      if (frame.height <= height + FUTURE_HEIGHTS && future.length < FUTURE_FRAMES) future.push({ frame, peer });
      if (frame.height === height && waiting) startHeight();
      return;
    }
    const member = committed.validators.set[frame.v];
    if (!member) return;
    if (frame.t === 'p') {
      const fields = { chain: frame.chain, height: frame.height, round: frame.round, value: frame.value, valid_round: frame.vr };
      if (!proposalStatement.verify(member.key, fields, frame.sig)) return;
      machine.receiveProposal({ height: frame.height, round: frame.round, value: bytesToHex(frame.value), validRound: frame.vr, validator: frame.v }, judge(frame));
      return;
    }
    if (!voteStatement.verify(member.key, { chain: frame.chain, height: frame.height, round: frame.round, type: frame.type, value: frame.value }, frame.sig)) return;
    const vote = { height: frame.height, round: frame.round, type: frame.type, value: frame.value ? bytesToHex(frame.value) : null, validator: frame.v };
    host!.noteSignature(vote, frame.sig);
    if (frame.type === 'prevote' && frame.value !== null && frame.v !== host!.self && heard.size < MAX_HEARD) heard.set(`${frame.round}/${frame.v}`, frame);
    machine.receiveVote(vote);
  }

  /** While a height is stuck, our messages of it go out again (a peer may have missed them). */
  function resend(): void {
    resender = setTimeout(resend, RESEND_MS);
    resender.unref();
    if (!host || !machine) return;
    const round = machine.state.round;
    resends++;
    for (const frame of host.sent) if (frame.round >= round - 1) init.publish({ ...frame, n: resends });
    // Others' prevotes for a value go out again too: a validator that restarted (and lost what it
    // saw) needs a proposal's proof-of-lock prevotes to accept it, or a height whose lockers wait
    // for it never ends. They are signed, so relaying them is safe.
    for (const frame of heard.values()) init.publish({ ...frame, n: resends });
  }

  return {
    start() {
      running = true;
      scheduleNext(0);
      resender = setTimeout(resend, RESEND_MS);
      resender.unref();
    },
    stop() {
      running = false;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      if (resender) clearTimeout(resender);
      machine = undefined;
      host = undefined;
    },
    receive,
    wake() {
      if (running && waiting) startHeight();
    },
    restartAfterSync() {
      // A height still undecided goes on as it is: starting it again at round 0 would forget its
      // rounds (and the sign guard would refuse the votes it already cast), so an attempt to
      // catch up that found nothing new must not disturb it.
      if (!running || !machine || machineHeight > committed.top.height) return;
      machine = undefined;
      host = undefined;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      future.splice(0, future.length, ...future.filter((f) => f.frame.height > committed.top.height));
      scheduleNext(0);
    },
    get self() {
      return self();
    },
    get position() {
      const state = machine?.state;
      return { height: committed.top.height + 1, round: state?.round ?? 0, step: waiting ? 'waiting' : (state?.step ?? 'new-height') };
    },
  };
}
