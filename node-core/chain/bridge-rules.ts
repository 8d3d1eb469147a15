import { bridgeKeys, clientRecoveryStatement, packetValue, receiptValue, type Packet, type PacketOutcome, type PacketPayload, type ProofHeader, type Receipt } from './bridge-wire.ts';
import { body, credit, reject, scheduleRelease, TxRejectedError, type LedgerContext, type Rule } from './ledger-context.ts';
import { consensusAt, recoverClient, trustHeader, type ConsensusState } from './light-client.ts';
import { verifyStateProof, type StateProof } from './state-tree.ts';
import { keyBytes, type StateView } from './state-view.ts';
import { blockHash } from './blocks.ts';
import type { TxBody } from './transactions.ts';

/**
 * The bridge's transaction rules, the same on both chains (IBC's packet flow for two chains):
 * - bridge_send commits a packet for the other chain (funds it carries held in escrow here);
 * - bridge_recv, on the other chain, proves the packet against a header its light client trusts,
 *   executes it at most once (unless its timeout has passed there) and writes a receipt: the
 *   acknowledgement, ok or the named refusal;
 * - bridge_ack, back here, proves the receipt and settles: held funds stay (a transfer out of the
 *   currency chain backs what the chat chain minted), are burned (a transfer back out of the chat
 *   chain) or paid on (a membership), and a refusal returns them to the sender;
 * - bridge_timeout proves, with a header from the other chain at or past the timeout, that no
 *   receipt exists there — after the timeout none can be written — and returns the held funds.
 * Funds are native to the currency chain: the chat chain mints what arrives and burns what leaves.
 */


/** The longest a packet may wait (a week of the destination's time). */
const MAX_TIMEOUT_MS = 7 * 24 * 3_600_000;

const escrowOf = (view: StateView, other: string) => view.read<number>(bridgeKeys.escrow(other)) ?? 0;
const addEscrow = (view: StateView, other: string, delta: number) => view.write(bridgeKeys.escrow(other), escrowOf(view, other) + delta);

/** Commits a packet for the counterparty; `held` must already have left the sender's balance. */
export function commitPacket(ctx: LedgerContext, view: StateView, sender: Uint8Array, payload: PacketPayload, held: number, timeout: number): Packet {
  if (timeout <= ctx.time) reject('bad-timeout', 'the timeout has already passed');
  if (timeout > ctx.time + MAX_TIMEOUT_MS) reject('bad-timeout', `a packet may wait at most ${MAX_TIMEOUT_MS} ms`);
  const other = ctx.counterparty;
  const seq = (view.read<number>(bridgeKeys.sequence(other)) ?? 0) + 1;
  view.write(bridgeKeys.sequence(other), seq);
  if (held > 0) addEscrow(view, other, held);
  const packet: Packet = { seq, from: ctx.chain, to: other, sender, timeout, height: ctx.height, held, payload };
  view.write(bridgeKeys.packet(other, seq), packet);
  return packet;
}

const send: Rule = (ctx, view, tx, sender) => {
  const b = body<'bridge_send'>(tx);
  const held = b.payload.app === 'transfer' ? b.payload.amount : b.payload.price;
  if (b.payload.app === 'membership' && ctx.kind !== 'currency') reject('wrong-chain', 'memberships are paid on the currency chain');
  if (sender.balance < held) reject('insufficient-funds', `the balance ${sender.balance} does not cover ${held}`);
  sender.balance -= held;
  commitPacket(ctx, view, tx.from, b.payload, held, b.timeout);
  return [];
};

/** The state root the transaction's proofs are against. */
function provenState(ctx: LedgerContext, view: StateView, header: ProofHeader | undefined, height: number | undefined): ConsensusState | 'frozen' {
  if (header) return trustHeader(ctx, view, header);
  if (height === undefined) reject('no-header', 'include a header or name a height the client verified');
  return consensusAt(ctx, view, height!);
}

const proves = (root: Uint8Array, key: string, value: Uint8Array | undefined, proof: StateProof) => verifyStateProof(root, keyBytes(key), value, proof);

/** What executing a packet does here; a TxRejectedError becomes a refusal in the receipt. */
function execute(ctx: LedgerContext, view: StateView, packet: Packet): void {
  const p = packet.payload;
  switch (p.app) {
    case 'transfer':
      if (ctx.kind === 'currency') {
        // Back from the chat chain: released from what transfers out of here hold.
        if (escrowOf(view, packet.from) < p.amount) reject('insufficient-escrow', 'more than the chat chain holds from this one');
        addEscrow(view, packet.from, -p.amount);
      }
      credit(view, p.to, p.amount);
      return;
    case 'stake':
      if (ctx.kind !== 'chat') reject('wrong-chain', 'stake reports go to the chat chain');
      view.write(bridgeKeys.relayStake(p.relay), { staked: p.staked, height: ctx.height });
      return;
    case 'reward': {
      if (ctx.kind !== 'currency') reject('wrong-chain', 'rewards are paid on the currency chain');
      const stake = view.read<RelayStake>(bridgeKeys.relayStake(p.relay));
      if (!stake || stake.staked < ctx.params.min_relay_stake) reject('not-staked', 'the relay has no stake on the currency chain');
      const pool = view.read<number>(bridgeKeys.rewardPool) ?? 0;
      const due = Math.min(pool, p.count * ctx.params.relay_reward_per_message);
      if (due === 0) reject('no-reward', 'the reward pool is empty or pays nothing');
      view.write(bridgeKeys.rewardPool, pool - due);
      credit(view, p.relay, due);
      view.write(bridgeKeys.relayStake(p.relay), { ...stake!, earned: stake!.earned + due, deliveries: stake!.deliveries + p.count });
      return;
    }
    case 'membership': {
      if (ctx.kind !== 'chat') reject('wrong-chain', 'memberships are granted on the chat chain');
      if (!view.get(`c/${p.channel}`)) reject('no-channel', `no channel ${p.channel} is registered`);
      const key = bridgeKeys.membership(p.channel, p.member);
      view.write(key, Math.max(view.read<number>(key) ?? 0, p.until));
      return;
    }
  }
}

/** On the currency chain: a relay's stake, and what the bridge has paid it. */
export interface RelayStake {
  readonly staked: number;
  readonly earned: number;
  readonly deliveries: number;
}

const recv: Rule = (ctx, view, tx) => {
  const b = body<'bridge_recv'>(tx);
  const state = provenState(ctx, view, b.header, b.height);
  if (state === 'frozen') return [];
  let received = 0;
  const touched: Uint8Array[] = [];
  for (const { packet, proof } of b.packets) {
    if (packet.to !== ctx.chain || packet.from !== ctx.counterparty) reject('wrong-chain', `packet ${packet.seq} goes from ${packet.from} to ${packet.to}`);
    if (!proves(state.root, bridgeKeys.packet(ctx.chain, packet.seq), packetValue(packet), proof)) reject('bad-proof', `packet ${packet.seq} is not what ${packet.from} committed`);
    const key = bridgeKeys.receipt(packet.from, packet.seq);
    if (view.get(key) || ctx.time >= packet.timeout) continue;
    const attempt = view.fork();
    let receipt: Receipt;
    try {
      execute(ctx, attempt, packet);
      view.merge(attempt);
      receipt = { ok: true, height: ctx.height };
      if (packet.payload.app === 'transfer') touched.push(packet.payload.to);
    } catch (err) {
      if (!(err instanceof TxRejectedError)) throw err;
      receipt = { ok: false, error: err.code, height: ctx.height };
    }
    view.write(key, receipt);
    received++;
  }
  if (received === 0) reject('nothing-to-receive', 'every packet was already received or has timed out');
  return touched;
};

/** The source's side of an outcome: where the held funds go. */
function settle(ctx: LedgerContext, view: StateView, packet: Packet, ok: boolean): Uint8Array[] {
  if (packet.held === 0) return [];
  const other = ctx.counterparty;
  if (!ok) {
    addEscrow(view, other, -packet.held);
    credit(view, packet.sender, packet.held);
    return [packet.sender];
  }
  const p = packet.payload;
  if (p.app === 'membership') {
    addEscrow(view, other, -packet.held);
    credit(view, p.pay_to, packet.held);
    return [p.pay_to];
  }
  // A transfer out of the chat chain is burned here (the currency chain releases it); out of the currency chain it stays held.
  if (ctx.kind === 'chat') addEscrow(view, other, -packet.held);
  return [];
}

const pendingPacket = (ctx: LedgerContext, view: StateView, seq: number): Packet | undefined => {
  const packet = view.read<Packet>(bridgeKeys.packet(ctx.counterparty, seq)) ?? reject('unknown-packet', `no packet ${seq} was sent to ${ctx.counterparty}`);
  return view.get(bridgeKeys.outcome(ctx.counterparty, seq)) ? undefined : packet;
};

function conclude(ctx: LedgerContext, view: StateView, packet: Packet, outcome: PacketOutcome): Uint8Array[] {
  view.write(bridgeKeys.outcome(ctx.counterparty, packet.seq), outcome);
  return settle(ctx, view, packet, outcome.state === 'executed' && outcome.ok);
}

const ack: Rule = (ctx, view, tx) => {
  const b = body<'bridge_ack'>(tx);
  const state = provenState(ctx, view, b.header, b.height);
  if (state === 'frozen') return [];
  const touched: Uint8Array[] = [];
  let settled = 0;
  for (const { seq, receipt, proof } of b.acks) {
    const packet = pendingPacket(ctx, view, seq);
    if (!proves(state.root, bridgeKeys.receipt(ctx.chain, seq), receiptValue(receipt), proof)) reject('bad-proof', `the receipt of packet ${seq} is not what ${ctx.counterparty} wrote`);
    if (!packet) continue;
    touched.push(...conclude(ctx, view, packet, { state: 'executed', ok: receipt.ok, ...(receipt.error ? { error: receipt.error } : {}), height: ctx.height }));
    settled++;
  }
  if (settled === 0) reject('nothing-to-acknowledge', 'every packet is already settled');
  return touched;
};

const timeout: Rule = (ctx, view, tx) => {
  const b = body<'bridge_timeout'>(tx);
  const state = provenState(ctx, view, b.header, b.height);
  if (state === 'frozen') return [];
  const touched: Uint8Array[] = [];
  let settled = 0;
  for (const { seq, proof } of b.packets) {
    const packet = pendingPacket(ctx, view, seq);
    if (!packet) continue;
    if (state.time < packet.timeout) reject('not-timed-out', `packet ${seq} times out at ${packet.timeout}; the header shows ${state.time}`);
    if (!proves(state.root, bridgeKeys.receipt(ctx.chain, seq), undefined, proof)) reject('bad-proof', `the proof does not show that ${ctx.counterparty} holds no receipt of packet ${seq}`);
    touched.push(...conclude(ctx, view, packet, { state: 'rolled-back', ok: false, error: 'timeout', height: ctx.height }));
    settled++;
  }
  if (settled === 0) reject('nothing-to-time-out', 'every packet is already settled');
  return touched;
};

const update: Rule = (ctx, view, tx) => {
  const { header } = body<'bridge_update'>(tx);
  const known = view.read<ConsensusState>(bridgeKeys.consensus(ctx.counterparty, header.header.height));
  // Shown again, a header changes nothing; shown with another block at that height, it freezes the client (trustHeader).
  if (known && Buffer.compare(known.hash, blockHash(header.header)) === 0) reject('already-trusted', `the client already trusts height ${header.header.height}`);
  trustHeader(ctx, view, header);
  return [];
};

/** The ValidatorSet shape ledger-rules keeps under `v` (read here without importing the rules). */
interface OwnValidators {
  readonly set: ReadonlyArray<{ key: Uint8Array }>;
  readonly quorum: number;
}

const recover: Rule = (ctx, view, tx) => {
  const b = body<'client_recover'>(tx);
  const own = view.read<OwnValidators>('v') ?? reject('no-validators', 'the chain has no validator set');
  const fields = { chain: ctx.chain, client: ctx.counterparty, height: b.header.header.height, hash: blockHash(b.header.header) };
  const approved = new Set(b.approvals.filter(([i, sig]) => own.set[i] && clientRecoveryStatement.verify(own.set[i]!.key, fields, sig)).map(([i]) => i));
  if (approved.size < own.quorum) reject('not-certified', `${approved.size} of this chain's validators approved the recovery; ${own.quorum} must`);
  recoverClient(ctx, view, b.header);
  return [];
};

const readStake = (view: StateView, relay: Uint8Array): RelayStake => view.read<RelayStake>(bridgeKeys.relayStake(relay)) ?? { staked: 0, earned: 0, deliveries: 0 };
const reportStake = (ctx: LedgerContext, view: StateView, relay: Uint8Array, staked: number) =>
  commitPacket(ctx, view, relay, { app: 'stake', relay, staked }, 0, ctx.time + ctx.params.bridge_packet_timeout_ms);

const relayStake: Rule = (ctx, view, tx, sender) => {
  const { amount } = body<'relay_stake'>(tx);
  if (sender.balance < amount) reject('insufficient-funds', `the balance ${sender.balance} does not cover the stake of ${amount}`);
  sender.balance -= amount;
  const stake = readStake(view, tx.from);
  view.write(bridgeKeys.relayStake(tx.from), { ...stake, staked: stake.staked + amount });
  reportStake(ctx, view, tx.from, stake.staked + amount);
  return [];
};

const relayUnstake: Rule = (ctx, view, tx, sender) => {
  const { amount } = body<'relay_unstake'>(tx);
  const stake = readStake(view, tx.from);
  if (stake.staked < amount) reject('insufficient-stake', `only ${stake.staked} is staked as a relay`);
  view.write(bridgeKeys.relayStake(tx.from), { ...stake, staked: stake.staked - amount });
  // It leaves as any stake does: after the unbonding period.
  scheduleRelease(ctx, view, tx.from, sender, amount);
  reportStake(ctx, view, tx.from, stake.staked - amount);
  return [];
};

export const BRIDGE_RULES = {
  bridge_send: send,
  bridge_recv: recv,
  bridge_ack: ack,
  bridge_timeout: timeout,
  bridge_update: update,
  client_recover: recover,
  relay_stake: relayStake,
  relay_unstake: relayUnstake,
} satisfies Partial<Record<TxBody['kind'], Rule>>;

/**
 * Messages one proof of delivery is paid for at most. A proof is the recipient's word alone, so a
 * relay and recipients it controls can claim deliveries that never happened; this bounds what one
 * fee-paying transaction can draw from the pool (the registry still counts the whole claim).
 */
export const MAX_REWARDED_PER_PROOF = 1_000;

/** A recipient's proof of delivery on the chat chain becomes a reward packet for the currency chain. */
export function rewardDelivery(ctx: LedgerContext, view: StateView, recipient: Uint8Array, relay: Uint8Array, root: Uint8Array, count: number): void {
  const rewarded = Math.min(count, MAX_REWARDED_PER_PROOF);
  commitPacket(ctx, view, recipient, { app: 'reward', relay, recipient, root, count: rewarded }, 0, ctx.time + ctx.params.bridge_packet_timeout_ms);
}
