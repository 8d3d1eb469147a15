import { bytesToHex } from '../crypto/hex.ts';
import type { BridgePacketView, ChainKindName } from '../domain/chain-model.ts';
import { decodeCbor } from '../p2p/codec.ts';
import { bridgeKeys, type Packet, type PacketOutcome, type Receipt } from './bridge-wire.ts';
import type { CommittedChain } from './committed-chain.ts';
import type { Execution } from './ledger.ts';
import { StateView } from './state-view.ts';

/**
 * Every bridge packet this node has seen on its two chains, with its state as the chains show
 * it: Initiated (committed on the source), FinalityProved (the destination verified the finality
 * proof and wrote its receipt), Executed (the receipt proved back on the source, funds settled)
 * or RolledBack (refused by the destination or timed out; held funds returned, `error` says why). Rebuilt from the chain state at start (packets
 * stay in it), then kept current from each final block's state changes.
 */

export type PacketEvent = { kind: 'initiated' | 'proved' | 'executed' | 'rolled-back'; packet: BridgePacketView; refused: boolean };

export interface BridgeTracker {
  rebuild(): void;
  blockApplied(kind: ChainKindName, execution: Execution): void;
  list(filter: { account?: string; limit: number }): BridgePacketView[];
  /** Packets not yet Executed or RolledBack, oldest first. */
  pending(): BridgePacketView[];
  readonly backlog: number;
}

const KEYS = /^(p|rc|po)\/(.+)\/(\d+)$/;
const MAX_HELD = 100_000;
const MAX_PER_ACCOUNT = 10_000;

export function createBridgeTracker(chains: Record<ChainKindName, CommittedChain>, onEvent: (event: PacketEvent) => void): BridgeTracker {
  const packets = new Map<string, BridgePacketView>();
  // The ids of each account's packets (as sender or recipient), oldest first, and of those still open.
  const byAccount = new Map<string, string[]>();
  const open = new Set<string>();
  const kindOf = (chainId: string): ChainKindName | undefined => (chains.chat.chain === chainId ? 'chat' : chains.currency.chain === chainId ? 'currency' : undefined);
  const idOf = (from: string, seq: number) => `${from}/${seq}`;
  // Rebuilding reads a block's time for every packet: once per block, not once per packet.
  const times = new Map<string, number>();
  const blockTime = (chain: CommittedChain, height: number) => {
    const key = `${chain.chain}/${height}`;
    let time = times.get(key);
    if (time === undefined) {
      time = chain.stored(height)?.time ?? chain.top.time;
      times.set(key, time);
    }
    return time;
  };

  const viewOf = (packet: Packet, time: number): BridgePacketView => {
    const p = packet.payload;
    const amount = p.app === 'transfer' ? p.amount : p.app === 'membership' ? p.price : p.app === 'reward' ? p.count : p.staked;
    const recipient = p.app === 'transfer' ? p.to : p.app === 'membership' ? p.member : p.relay;
    return {
      id: idOf(packet.from, packet.seq),
      seq: packet.seq,
      from_chain: packet.from,
      to_chain: packet.to,
      direction: `${kindOf(packet.from) ?? '?'}-to-${kindOf(packet.to) ?? '?'}`,
      app: p.app,
      sender: bytesToHex(packet.sender),
      recipient: bytesToHex(recipient),
      amount,
      held: packet.held,
      state: 'Initiated',
      timeout: packet.timeout,
      initiated: { height: packet.height, time },
      proved: null,
      finished: null,
      error: null,
    };
  };

  const index = (account: string, id: string) => {
    const list = byAccount.get(account) ?? [];
    if (list[list.length - 1] !== id) list.push(id);
    if (list.length > MAX_PER_ACCOUNT) list.shift();
    byAccount.set(account, list);
  };
  const remember = (view: BridgePacketView) => {
    if (!packets.has(view.id)) {
      index(view.sender, view.id);
      if (view.recipient !== view.sender) index(view.recipient, view.id);
    }
    packets.set(view.id, view);
    open.add(view.id);
    if (packets.size > MAX_HELD) {
      for (const [id, p] of packets) {
        if (p.state === 'Executed' || p.state === 'RolledBack') {
          packets.delete(id);
          break;
        }
      }
    }
  };

  function proved(id: string, receipt: Receipt, time: number, live: boolean): void {
    const p = packets.get(id);
    if (!p || p.proved) return;
    const next = { ...p, proved: { height: receipt.height, time }, error: receipt.ok ? null : (receipt.error ?? 'refused'), state: p.state === 'Initiated' ? ('FinalityProved' as const) : p.state };
    packets.set(id, next);
    if (live) onEvent({ kind: 'proved', packet: next, refused: !receipt.ok });
  }

  function finished(id: string, outcome: PacketOutcome, time: number, live: boolean): void {
    const p = packets.get(id);
    if (!p || p.finished) return;
    // A refusal by the destination returns the held funds as a timeout does: rolled back, with the reason.
    const state = outcome.state === 'executed' && outcome.ok ? ('Executed' as const) : ('RolledBack' as const);
    const next = { ...p, state, finished: { height: outcome.height, time }, error: outcome.ok ? null : (outcome.error ?? 'refused') };
    packets.set(id, next);
    open.delete(id);
    if (live) onEvent({ kind: state === 'Executed' ? 'executed' : 'rolled-back', packet: next, refused: !outcome.ok });
  }

  return {
    rebuild() {
      packets.clear();
      byAccount.clear();
      open.clear();
      for (const kind of ['chat', 'currency'] as const) {
        const source = chains[kind];
        const dest = chains[kind === 'chat' ? 'currency' : 'chat'];
        const here = new StateView(source.top.tree);
        const there = new StateView(dest.top.tree);
        const last = here.read<number>(bridgeKeys.sequence(dest.chain)) ?? 0;
        for (let seq = Math.max(1, last - MAX_HELD + 1); seq <= last; seq++) {
          const packet = here.read<Packet>(bridgeKeys.packet(dest.chain, seq));
          if (!packet) continue;
          remember(viewOf(packet, blockTime(source, packet.height)));
          const receipt = there.read<Receipt>(bridgeKeys.receipt(source.chain, seq));
          if (receipt) proved(idOf(source.chain, seq), receipt, blockTime(dest, receipt.height), false);
          const outcome = here.read<PacketOutcome>(bridgeKeys.outcome(dest.chain, seq));
          if (outcome) finished(idOf(source.chain, seq), outcome, blockTime(source, outcome.height), false);
        }
      }
      times.clear();
    },
    blockApplied(kind, execution) {
      const here = chains[kind];
      const time = execution.block.header.time;
      for (const [key, value] of execution.changes) {
        if (!value) continue;
        const match = KEYS.exec(Buffer.from(key).toString('utf8'));
        if (!match) continue;
        const [, what, other, seqText] = match;
        const seq = Number(seqText);
        if (what === 'p') {
          const view = viewOf(decodeCbor(value) as Packet, time);
          remember(view);
          onEvent({ kind: 'initiated', packet: view, refused: false });
        } else if (what === 'rc') proved(idOf(other!, seq), decodeCbor(value) as Receipt, time, true);
        else finished(idOf(here.chain, seq), decodeCbor(value) as PacketOutcome, time, true);
      }
    },
    list({ account, limit }) {
      const out: BridgePacketView[] = [];
      if (!account) {
        const ids = [...packets.keys()];
        for (let i = ids.length - 1; i >= 0 && out.length < limit; i--) out.push(packets.get(ids[i]!)!);
        return out;
      }
      const ids = byAccount.get(account) ?? [];
      for (let i = ids.length - 1; i >= 0 && out.length < limit; i--) {
        const p = packets.get(ids[i]!);
        if (p) out.push(p);
      }
      return out;
    },
    pending: () => [...open].flatMap((id) => packets.get(id) ?? []),
    get backlog() {
      return open.size;
    },
  };
}
