import type { Logger } from 'pino';
import { bytesToHex } from '../crypto/hex.ts';
import { signingPublicKey } from '../crypto/signing.ts';
import type { ChainKindName } from '../domain/chain-model.ts';
import type { Startable } from '../runtime/startable.ts';
import { blockHash, validatorSetHash } from './blocks.ts';
import { bridgeKeys, clientRecoveryStatement, type Packet, type PacketOutcome, type ProofHeader, type Receipt } from './bridge-wire.ts';
import { nextNonce, refusalOf, type ChainNode } from './chain-node.ts';
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
  /** Relaying transactions sent, lost to another relayer's (taken back), and rounds that failed. */
  readonly stats: { submitted: number; lost: number; failures: number; lastError: string | null };
  /** Relay now (after a block), instead of at the next interval. */
  poke(): void;
}

const other = (kind: ChainKindName): ChainKindName => (kind === 'chat' ? 'currency' : 'chat');
/** Packets per relaying transaction: each carries a Merkle proof (~0.5–1 KB), so 200 stay well inside max_relay_tx_bytes. */
const BATCH = 200;
/** Sequences looked at per direction and round (past a packet that cannot move yet). */
const SCAN = 5_000;
/** How often a sent transaction is checked for a lost race. */
const LOST_CHECK_MS = 150;

export function createBridgeRelayer(init: RelayerInit): BridgeRelayer {
  const { nodes } = init;
  const log = init.logger.child({ component: 'bridge-relayer' });
  const self = signingPublicKey(init.secretKey);
  const address = bytesToHex(self);
  const interval = init.intervalMs ?? 500;
  const finalWait = init.finalWaitMs ?? 15_000;
  const stats = { submitted: 0, lost: 0, failures: 0, lastError: null as string | null };
  // The lowest sequence per direction that may still need work (everything below is settled).
  const cursor: Record<ChainKindName, number> = { chat: 1, currency: 1 };
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let again = false;
  let stopped = true;

  const proofHeader = (source: ChainNode, client: LightClient) => headerFor(source.committed, client);


  type Sent = { readonly kind: ChainKindName; readonly body: TxBody; readonly id: string };

  /** Signs and checks against the chain's rules after our waiting transactions (a refusal is not sent), then submits. */
  async function send(kind: ChainKindName, body: TxBody): Promise<Sent | undefined> {
    const node = nodes[kind];
    const { committed } = node;
    const signed = signTx(init.secretKey, { chain: committed.chain, from: self, nonce: nextNonce(node, address), fee: body.kind === 'faucet' ? 0 : committed.genesis.params.min_fee, body });
    const refused = refusalOf(node, signed);
    if (refused) {
      log.debug({ chain: committed.chain, kind: body.kind, code: refused.code }, 'relaying transaction not sent: %s', refused.message);
      return undefined;
    }
    await node.submitAsync(signed.bytes);
    stats.submitted++;
    return { kind, body, id: signed.id };
  }

  /**
   * Waits until a sent transaction is final, or lost: another relayer's made it inapplicable (the
   * rules now refuse it), so it is taken out of the mempool at once instead of blocking the next
   * nonces until the wait runs out.
   */
  async function settle(sent: Sent): Promise<void> {
    const node = nodes[sent.kind];
    let watching: NodeJS.Timeout | undefined;
    const lost = new Promise<'lost'>((resolve) => {
      const check = () => {
        const entry = node.mempool.pendingFor(address).find((t) => t.id === sent.id);
        if (entry && refusalOf(node, entry)) return resolve('lost');
        watching = setTimeout(check, LOST_CHECK_MS);
        watching.unref();
      };
      watching = setTimeout(check, LOST_CHECK_MS);
      watching.unref();
    });
    try {
      const outcome = await Promise.race([node.finalized(sent.id, finalWait), lost]);
      if (outcome === 'lost') {
        node.mempool.remove(sent.id);
        stats.lost++;
        return;
      }
      const body = sent.body;
      init.onFinal?.(body.kind, 'packets' in body ? body.packets.length : 'acks' in body ? body.acks.length : 0);
    } catch {
      // Not final in time (a stalled chain): give it up so the next nonce is not stuck behind it.
      node.mempool.remove(sent.id);
      throw new Error(`${sent.body.kind} on ${node.committed.chain} was not final within ${finalWait} ms`);
    } finally {
      clearTimeout(watching);
    }
  }

  /** Each chain's transactions in nonce order without waiting in between, both chains at once; then waits for all. */
  async function sendAll(work: Record<ChainKindName, TxBody[]>): Promise<void> {
    await Promise.all(
      (['chat', 'currency'] as const).map(async (kind) => {
        const sent: Sent[] = [];
        for (const body of work[kind]) {
          const s = await send(kind, body);
          if (s) sent.push(s);
        }
        const results = await Promise.allSettled(sent.map(settle));
        const failed = results.find((r) => r.status === 'rejected');
        if (failed) throw (failed as PromiseRejectedResult).reason;
      }),
    );
  }

  /** Relaying costs fees: on a chain with a faucet (a devnet) the relayer tops itself up. */
  async function fund(kind: ChainKindName): Promise<void> {
    const { committed } = nodes[kind];
    const params = committed.genesis.params;
    const balance = readAccount(new StateView(committed.top.tree), self).balance;
    if (balance < params.min_fee * 10 && params.faucet_amount > 0) {
      const sent = await send(kind, { kind: 'faucet' });
      if (sent) await settle(sent);
    }
  }

  /** A client this node alone can recover (a local chain of one validator) is recovered when it expires. */
  function recoverIfLocal(kind: ChainKindName, client: LightClient): TxBody | undefined {
    const dest = nodes[kind];
    const own = dest.committed.validators;
    const index = own.set.findIndex((v) => Buffer.compare(v.key, self) === 0);
    if (own.quorum !== 1 || index < 0) return undefined;
    const source = nodes[other(kind)];
    const top = source.committed.top;
    const found = source.committed.block(top.height);
    const set = source.committed.validators;
    if (!found || Buffer.compare(validatorSetHash(set.set, set.quorum), found.block.header.validators) !== 0) return undefined;
    const header: ProofHeader = { header: found.block.header, cert: found.certificate, set: { set: set.set, quorum: set.quorum, faults: set.faults }, ...(found.block.next_set ? { next_set: found.block.next_set } : {}) };
    const sig = clientRecoveryStatement.sign(init.secretKey, { chain: dest.committed.chain, client: client.chain, height: header.header.height, hash: blockHash(header.header) });
    log.warn({ chain: dest.committed.chain, client: client.chain }, 'recovering the expired light client of a local chain');
    return { kind: 'client_recover', header, approvals: [[index, sig]] };
  }

  /** The client `on` keeps of the other chain, if it can take a header now (else its recovery, when this node alone can make it). */
  function usableClient(on: ChainKindName, work: Record<ChainKindName, TxBody[]>): LightClient | undefined {
    const { committed } = nodes[on];
    const client = new StateView(committed.top.tree).read<LightClient>(bridgeKeys.client(nodes[other(on)].committed.chain));
    if (!client || client.frozen) return undefined;
    if (client.height > 0 && committed.top.time > client.time + committed.genesis.params.trusting_period_ms) {
      const recovery = recoverIfLocal(on, client);
      if (recovery) work[on].push(recovery);
      return undefined;
    }
    return client;
  }

  /** One direction's work: packets from `from` to receive on the other chain, receipts and timeouts to prove back. */
  function plan(from: ChainKindName, work: Record<ChainKindName, TxBody[]>): void {
    const to = other(from);
    const source = nodes[from];
    const dest = nodes[to];
    const here = new StateView(source.committed.top.tree);
    const there = new StateView(dest.committed.top.tree);
    const destChain = dest.committed.chain;
    const sourceChain = source.committed.chain;
    const last = here.read<number>(bridgeKeys.sequence(destChain)) ?? 0;
    const toReceive: Packet[] = [];
    const toAck: Array<{ seq: number; receipt: Receipt }> = [];
    const toTimeOut: number[] = [];
    let settledBelow = true;
    for (let seq = cursor[from]; seq <= last && (toReceive.length < BATCH || toAck.length < BATCH) && seq < cursor[from] + SCAN; seq++) {
      if (here.read<PacketOutcome>(bridgeKeys.outcome(destChain, seq))) {
        if (settledBelow) cursor[from] = seq + 1;
        continue;
      }
      settledBelow = false;
      const packet = here.read<Packet>(bridgeKeys.packet(destChain, seq));
      if (!packet) continue;
      const receipt = there.read<Receipt>(bridgeKeys.receipt(sourceChain, seq));
      if (receipt) {
        if (toAck.length < BATCH) toAck.push({ seq, receipt });
      } else if (dest.committed.top.time >= packet.timeout) {
        if (toTimeOut.length < BATCH) toTimeOut.push(seq);
      } else if (toReceive.length < BATCH) toReceive.push(packet);
    }
    const destClient = usableClient(to, work);
    if (destClient) {
      const header = proofHeader(source, destClient);
      const tree = source.committed.top.tree;
      if (header && toReceive.length > 0) work[to].push({ kind: 'bridge_recv', header, packets: toReceive.map((packet) => ({ packet, proof: tree.prove(keyBytes(bridgeKeys.packet(destChain, packet.seq))) })) });
      // A quiet bridge: its client is updated every third of the trusting period, so it does not expire.
      else if (header && dest.committed.top.time - destClient.time > dest.committed.genesis.params.trusting_period_ms / 3 && source.committed.top.height > destClient.height) work[to].push({ kind: 'bridge_update', header });
    }
    if (toAck.length + toTimeOut.length === 0) return;
    const sourceClient = usableClient(from, work);
    const header = sourceClient && proofHeader(dest, sourceClient);
    if (!header) return;
    const tree = dest.committed.top.tree;
    const proofOf = (seq: number) => tree.prove(keyBytes(bridgeKeys.receipt(sourceChain, seq)));
    if (toAck.length > 0) work[from].push({ kind: 'bridge_ack', header, acks: toAck.map(({ seq, receipt }) => ({ seq, receipt, proof: proofOf(seq) })) });
    if (toTimeOut.length > 0) work[from].push({ kind: 'bridge_timeout', header, packets: toTimeOut.map((seq) => ({ seq, proof: proofOf(seq) })) });
  }

  async function round(): Promise<void> {
    try {
      await fund('chat');
      await fund('currency');
      if (stopped) return;
      const work: Record<ChainKindName, TxBody[]> = { chat: [], currency: [] };
      plan('chat', work);
      plan('currency', work);
      await sendAll(work);
    } catch (err) {
      stats.failures++;
      stats.lastError = (err as Error).message;
      log.warn({ err: (err as Error).message }, 'relaying failed; retrying');
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
