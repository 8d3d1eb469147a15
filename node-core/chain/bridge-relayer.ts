import type { Logger } from 'pino';
import { bytesToHex } from '../crypto/hex.ts';
import { signingPublicKey } from '../crypto/signing.ts';
import type { ChainKindName } from '../domain/chain-model.ts';
import type { Startable } from '../runtime/startable.ts';
import { blockHash, validatorSetHash } from './blocks.ts';
import { bridgeKeys, clientRecoveryStatement, type Packet, type PacketOutcome, type ProofHeader, type Receipt } from './bridge-wire.ts';
import type { ChainNode } from './chain-node.ts';
import { headerFor } from './bridge-headers.ts';
import type { LightClient } from './light-client.ts';
import { signTx, type TxBody } from './transactions.ts';
import { keyBytes, StateView } from './state-view.ts';
import { readAccount } from './ledger-context.ts';

/**
 * The relaying party (any node may run one; validators do by default): it watches both chains
 * and, for each direction, carries the source's certified header with Merkle proofs of its new
 * packets to the destination (bridge_recv), the destination's receipts back (bridge_ack), and
 * proofs of non-receipt for packets whose timeout has passed (bridge_timeout). It holds no
 * authority: the chains verify everything, so several relayers may race (the loser's transaction
 * is refused before it is sent) and one killed mid-way is finished by another.
 */

export interface RelayerInit {
  readonly nodes: Record<ChainKindName, ChainNode>;
  readonly secretKey: Uint8Array;
  readonly logger: Logger;
  readonly intervalMs?: number;
  /** Seconds a relaying transaction may take to become final before it is given up and re-made. */
  readonly finalWaitMs?: number;
  /** A relaying transaction became final (its kind and how many packets it carried). */
  onFinal?(kind: TxBody['kind'], packets: number): void;
}

export interface BridgeRelayer extends Startable {
  readonly stats: { submitted: number; failures: number; lastError: string | null };
  /** Relay now (after a block), instead of at the next interval. */
  poke(): void;
}

const other = (kind: ChainKindName): ChainKindName => (kind === 'chat' ? 'currency' : 'chat');
/** Packets per relaying transaction: each carries a Merkle proof (~0.5–1 KB), so 200 stay well inside max_relay_tx_bytes. */
const BATCH = 200;

export function createBridgeRelayer(init: RelayerInit): BridgeRelayer {
  const { nodes } = init;
  const log = init.logger.child({ component: 'bridge-relayer' });
  const self = signingPublicKey(init.secretKey);
  const address = bytesToHex(self);
  const interval = init.intervalMs ?? 500;
  const finalWait = init.finalWaitMs ?? 15_000;
  const stats = { submitted: 0, failures: 0, lastError: null as string | null };
  // The lowest sequence per direction that may still need work (everything below is settled).
  const cursor: Record<ChainKindName, number> = { chat: 1, currency: 1 };
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let again = false;
  let stopped = true;

  const proofHeader = (source: ChainNode, client: LightClient) => headerFor(source.committed, client);

  const nextNonce = (node: ChainNode): number => {
    const committed = node.committed.rules.nonce(node.committed.top.tree, address);
    return Math.max(committed, ...node.mempool.pendingFor(address).map((t) => t.tx.nonce + 1));
  };

  /** Signs, checks against the chain's rules (a refusal is not sent), submits and waits for finality. */
  async function submit(kind: ChainKindName, body: TxBody): Promise<boolean> {
    const node = nodes[kind];
    const { committed } = node;
    const signed = signTx(init.secretKey, { chain: committed.chain, from: self, nonce: nextNonce(node), fee: body.kind === 'faucet' ? 0 : committed.genesis.params.min_fee, body });
    const preview = committed.rules.build({ top: committed.top, candidates: [...node.mempool.pendingFor(address), signed].sort((a, b) => a.tx.nonce - b.tx.nonce), evidence: [], time: Date.now(), proposer: 0 });
    const refused = preview.rejected.find((r) => r.id === signed.id);
    if (refused) {
      log.debug({ chain: committed.chain, kind: body.kind, code: refused.error.code }, 'relaying transaction not sent: %s', refused.error.message);
      return false;
    }
    await node.submitAsync(signed.bytes);
    stats.submitted++;
    try {
      await node.finalized(signed.id, finalWait);
      init.onFinal?.(body.kind, 'packets' in body ? body.packets.length : 'acks' in body ? body.acks.length : 0);
      return true;
    } catch {
      // Not final in time (a lost race, a stalled chain): give it up so the next nonce is not stuck behind it.
      node.mempool.remove(signed.id);
      throw new Error(`${body.kind} on ${committed.chain} was not final within ${finalWait} ms`);
    }
  }

  /** Relaying costs fees: on a chain with a faucet (a devnet) the relayer tops itself up. */
  async function fund(kind: ChainKindName): Promise<void> {
    const { committed } = nodes[kind];
    const params = committed.genesis.params;
    const balance = readAccount(new StateView(committed.top.tree), self).balance;
    if (balance < params.min_fee * 10 && params.faucet_amount > 0) await submit(kind, { kind: 'faucet' });
  }

  /** A client this node alone can recover (a local chain of one validator) is recovered when it expires. */
  async function recoverIfLocal(kind: ChainKindName, client: LightClient): Promise<void> {
    const dest = nodes[kind];
    const own = dest.committed.validators;
    const index = own.set.findIndex((v) => Buffer.compare(v.key, self) === 0);
    if (own.quorum !== 1 || index < 0) return;
    const source = nodes[other(kind)];
    const top = source.committed.top;
    const found = source.committed.block(top.height);
    const set = source.committed.validators;
    if (!found || Buffer.compare(validatorSetHash(set.set, set.quorum), found.block.header.validators) !== 0) return;
    const header: ProofHeader = { header: found.block.header, cert: found.certificate, set: { set: set.set, quorum: set.quorum, faults: set.faults }, ...(found.block.next_set ? { next_set: found.block.next_set } : {}) };
    const sig = clientRecoveryStatement.sign(init.secretKey, { chain: dest.committed.chain, client: client.chain, height: header.header.height, hash: blockHash(header.header) });
    log.warn({ chain: dest.committed.chain, client: client.chain }, 'recovering the expired light client of a local chain');
    await submit(kind, { kind: 'client_recover', header, approvals: [[index, sig]] });
  }

  /** One direction: packets from `from` to the other chain. */
  async function relay(from: ChainKindName): Promise<void> {
    const source = nodes[from];
    const dest = nodes[other(from)];
    const here = new StateView(source.committed.top.tree);
    const there = new StateView(dest.committed.top.tree);
    const destChain = dest.committed.chain;
    const sourceChain = source.committed.chain;
    const last = here.read<number>(bridgeKeys.sequence(destChain)) ?? 0;
    const toReceive: Packet[] = [];
    const toAck: Array<{ seq: number; receipt: Receipt }> = [];
    const toTimeOut: number[] = [];
    let settledBelow = true;
    for (let seq = cursor[from]; seq <= last && toReceive.length + toAck.length + toTimeOut.length < BATCH; seq++) {
      if (here.read<PacketOutcome>(bridgeKeys.outcome(destChain, seq))) {
        if (settledBelow) cursor[from] = seq + 1;
        continue;
      }
      settledBelow = false;
      const packet = here.read<Packet>(bridgeKeys.packet(destChain, seq));
      if (!packet) continue;
      const receipt = there.read<Receipt>(bridgeKeys.receipt(sourceChain, seq));
      if (receipt) toAck.push({ seq, receipt });
      else if (dest.committed.top.time >= packet.timeout) toTimeOut.push(seq);
      else toReceive.push(packet);
    }
    if (toReceive.length > 0) {
      const client = there.read<LightClient>(bridgeKeys.client(sourceChain));
      if (!client) return;
      if (client.height > 0 && dest.committed.top.time > client.time + dest.committed.genesis.params.trusting_period_ms) return recoverIfLocal(other(from), client);
      const header = proofHeader(source, client);
      if (header) {
        const tree = source.committed.top.tree;
        await submit(other(from), { kind: 'bridge_recv', header, packets: toReceive.map((packet) => ({ packet, proof: tree.prove(keyBytes(bridgeKeys.packet(destChain, packet.seq))) })) });
      }
    }
    if (toAck.length + toTimeOut.length === 0) return;
    const client = here.read<LightClient>(bridgeKeys.client(destChain));
    if (!client) return;
    if (client.height > 0 && source.committed.top.time > client.time + source.committed.genesis.params.trusting_period_ms) return recoverIfLocal(from, client);
    const header = proofHeader(dest, client);
    if (!header) return;
    const tree = dest.committed.top.tree;
    const proofOf = (seq: number) => tree.prove(keyBytes(bridgeKeys.receipt(sourceChain, seq)));
    if (toAck.length > 0) await submit(from, { kind: 'bridge_ack', header, acks: toAck.map(({ seq, receipt }) => ({ seq, receipt, proof: proofOf(seq) })) });
    if (toTimeOut.length > 0) await submit(from, { kind: 'bridge_timeout', header, packets: toTimeOut.map((seq) => ({ seq, proof: proofOf(seq) })) });
  }

  /** A client not updated for a third of its trusting period is updated, so a quiet bridge does not expire. */
  async function refresh(from: ChainKindName): Promise<void> {
    const source = nodes[from];
    const dest = nodes[other(from)];
    const client = new StateView(dest.committed.top.tree).read<LightClient>(bridgeKeys.client(source.committed.chain));
    if (!client || client.frozen) return;
    const age = dest.committed.top.time - client.time;
    const period = dest.committed.genesis.params.trusting_period_ms;
    if (client.height > 0 && age > period) return recoverIfLocal(other(from), client);
    if (age < period / 3 || source.committed.top.height <= client.height) return;
    const header = proofHeader(source, client);
    if (header) await submit(other(from), { kind: 'bridge_update', header });
  }

  async function round(): Promise<void> {
    for (const kind of ['chat', 'currency'] as const) {
      if (stopped) return;
      try {
        await fund(kind);
        await fund(other(kind));
        await relay(kind);
        await refresh(kind);
      } catch (err) {
        stats.failures++;
        stats.lastError = (err as Error).message;
        log.warn({ err: (err as Error).message, from: kind }, 'relaying failed; retrying');
      }
    }
  }

  function tick(): void {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    running = round().finally(() => {
      running = undefined;
      if (again && !stopped) {
        again = false;
        tick();
      }
    });
  }

  return {
    stats,
    poke: tick,
    start() {
      stopped = false;
      timer = setInterval(tick, interval);
      timer.unref();
    },
    async stop() {
      stopped = true;
      if (timer) clearInterval(timer);
      await running;
    },
  };
}
