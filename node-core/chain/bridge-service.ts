import type { Logger } from 'pino';
import { hexToBytes } from '../crypto/hex.ts';
import type { BridgeHealth, BridgePacketView, ChainKindName, LightClientStatus, SubmittedTransaction } from '../domain/chain-model.ts';
import type { Startable } from '../runtime/startable.ts';
import type { Telemetry } from '../runtime/telemetry.ts';
import { createBridgeRelayer, type BridgeRelayer } from './bridge-relayer.ts';
import { createBridgeTracker, type PacketEvent } from './bridge-tracker.ts';
import { bridgeKeys } from './bridge-wire.ts';
import type { Chains } from './chains-service.ts';
import type { Execution } from './ledger.ts';
import type { LightClient } from './light-client.ts';
import { StateView } from './state-view.ts';
import type { WalletService } from './wallet-service.ts';

/**
 * The bridge as this node runs it: the packets it sees on both chains (tracker), the relayer
 * (on validators by default), what a person does with it (move funds between the chains, stake as
 * a relay), its metrics and its health (/health/bridge).
 */

export interface BridgeInit {
  readonly chains: Chains;
  readonly wallet: WalletService;
  readonly logger: Logger;
  readonly telemetry: Telemetry;
  /** 'auto': relay when this node validates either chain. */
  readonly relayer: 'auto' | 'on' | 'off';
  /** bridge.transaction_timeout_secs: how long a packet may take before it is rolled back. */
  readonly transactionTimeoutSecs: number;
  /** bridge.finality_proof_timeout_secs: a packet waiting longer for its finality proof makes the bridge unhealthy. */
  readonly finalityProofTimeoutSecs: number;
}

export interface BridgeService extends Startable {
  blockApplied(kind: ChainKindName, execution: Execution): void;
  packets(i: { identity_id?: string | undefined; all?: boolean | undefined; limit: number }): { packets: BridgePacketView[] };
  transfer(i: { identity_id?: string | undefined; to_chain: ChainKindName; to?: string | undefined; amount: number; wait: boolean }): Promise<SubmittedTransaction>;
  stake(i: { identity_id?: string | undefined; amount: number; wait: boolean }): Promise<SubmittedTransaction>;
  unstake(i: { identity_id?: string | undefined; amount: number; wait: boolean }): Promise<SubmittedTransaction>;
  health(): BridgeHealth;
}

const STATE_LABEL = { initiated: 'initiated', proved: 'finality_proved', executed: 'executed', 'rolled-back': 'rolled_back' } as const;

function bridgeMetrics(telemetry: Telemetry) {
  const packets = telemetry.counter<'state' | 'direction'>({ name: 'bridge_packets_total', help: 'Bridge packets seen reaching each state (initiated, finality_proved, executed, rolled_back, refused), by direction.', labels: ['state', 'direction'] });
  const timeouts = telemetry.counter({ name: 'bridge_finality_proof_timeout_total', help: 'Bridge packets rolled back because no finality proof reached the destination before their timeout.' });
  const finality = telemetry.histogram<'direction'>({ name: 'bridge_finality_latency_seconds', help: 'From a packet committed on its source to the destination accepting its finality proof (block times).', labels: ['direction'], buckets: [0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300] });
  const endToEnd = telemetry.histogram<'direction'>({ name: 'bridge_packet_latency_seconds', help: 'From a packet committed on its source to its outcome settled there (acknowledged or rolled back).', labels: ['direction'], buckets: [0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 600] });
  return (event: PacketEvent) => {
    const p = event.packet;
    packets.inc({ state: STATE_LABEL[event.kind], direction: p.direction });
    if (event.refused && event.kind === 'proved') packets.inc({ state: 'refused', direction: p.direction });
    if (event.kind === 'proved' && p.proved) finality.observe(Math.max(0, p.proved.time - p.initiated.time) / 1000, { direction: p.direction });
    if ((event.kind === 'executed' || event.kind === 'rolled-back') && p.finished) endToEnd.observe(Math.max(0, p.finished.time - p.initiated.time) / 1000, { direction: p.direction });
    if (event.kind === 'rolled-back' && p.error === 'timeout') timeouts.inc();
  };
}

export function createBridgeService(init: BridgeInit): BridgeService {
  const { chains, wallet } = init;
  const record = bridgeMetrics(init.telemetry);
  const tracker = createBridgeTracker({ chat: chains.chat.committed, currency: chains.currency.committed }, (event) => record(event));
  let relayer: BridgeRelayer | undefined;
  const validates = () => chains.chat.engine.self !== undefined || chains.currency.engine.self !== undefined;

  function clientStatus(kind: ChainKindName): LightClientStatus {
    const { committed } = chains.byKind(kind);
    const tracks = committed.counterparty?.chain_id ?? '';
    const client = new StateView(committed.top.tree).read<LightClient>(bridgeKeys.client(tracks));
    const period = committed.genesis.params.trusting_period_ms;
    if (!client) return { tracks, height: 0, header_time: 0, age_ms: 0, trusting_period_ms: period, status: 'frozen', frozen: 'no light client in this chain state' };
    const age = Math.max(0, committed.top.time - client.time);
    return { tracks, height: client.height, header_time: client.time, age_ms: age, trusting_period_ms: period, status: client.frozen ? 'frozen' : client.height > 0 && age > period ? 'expired' : 'active', frozen: client.frozen };
  }

  const relayed = init.telemetry.counter<'kind'>({
    name: 'bridge_relayer_transactions_total',
    help: "This node's relaying transactions that became final, by kind (bridge_recv carries finality proofs; bridge_ack, bridge_timeout, bridge_update, client_recover).",
    labels: ['kind'],
  });
  const proofs = init.telemetry.counter({ name: 'bridge_finality_proofs_submitted_total', help: 'Packets this node proved to the other chain (in final bridge_recv transactions).' });
  init.telemetry.gauge({ name: 'bridge_backlog_packets', help: 'Bridge packets initiated and not yet executed or rolled back.', read: () => tracker.backlog });

  return {
    async start() {
      tracker.rebuild();
      if (init.relayer === 'on' || (init.relayer === 'auto' && validates())) {
        relayer = createBridgeRelayer({
          nodes: { chat: chains.chat, currency: chains.currency },
          secretKey: chains.validatorKey,
          logger: init.logger,
          onFinal(kind, packets) {
            relayed.inc({ kind });
            if (kind === 'bridge_recv') proofs.inc(packets);
          },
        });
        await relayer.start();
      }
    },
    async stop() {
      await relayer?.stop();
      relayer = undefined;
    },
    blockApplied(kind, execution) {
      tracker.blockApplied(kind, execution);
      relayer?.poke();
    },
    packets(i) {
      const account = i.all ? undefined : wallet.identity(i.identity_id);
      return { packets: tracker.list({ ...(account ? { account } : {}), limit: i.limit }) };
    },
    transfer(i) {
      const id = wallet.identity(i.identity_id);
      const source = i.to_chain === 'chat' ? 'currency' : 'chat';
      const dest = chains.byKind(i.to_chain).committed;
      // The timeout is the destination's time: its last block time plus the configured allowance.
      const timeout = Math.max(Date.now(), dest.top.time) + init.transactionTimeoutSecs * 1000;
      return wallet.submitAs(source, id, { kind: 'bridge_send', timeout, payload: { app: 'transfer', to: hexToBytes(i.to ?? id), amount: i.amount } }, i.wait);
    },
    stake: (i) => wallet.submitAs('currency', i.identity_id, { kind: 'relay_stake', amount: i.amount }, i.wait),
    unstake: (i) => wallet.submitAs('currency', i.identity_id, { kind: 'relay_unstake', amount: i.amount }, i.wait),
    health() {
      const clients = { chat: clientStatus('chat'), currency: clientStatus('currency') };
      const pending = tracker.pending();
      const oldest = pending[0];
      const now = Date.now();
      const problems: string[] = [];
      for (const [kind, c] of Object.entries(clients)) if (c.status !== 'active') problems.push(`the ${kind} chain's light client of ${c.tracks} is ${c.status}${c.frozen ? ` (${c.frozen})` : ''}`);
      const overdue = pending.filter((p) => p.state === 'Initiated' && now - p.initiated.time > init.finalityProofTimeoutSecs * 1000).length;
      if (overdue > 0) problems.push(`${overdue} packets have waited longer than finality_proof_timeout_secs (${init.finalityProofTimeoutSecs} s) for a finality proof`);
      const stats = relayer?.stats;
      return {
        status: problems.length === 0 ? 'healthy' : 'degraded',
        clients,
        backlog: pending.length,
        oldest_pending: oldest ? { id: oldest.id, age_ms: Math.max(0, now - oldest.initiated.time) } : null,
        relayer: { enabled: relayer !== undefined, submitted: stats?.submitted ?? 0, lost: stats?.lost ?? 0, failures: stats?.failures ?? 0, last_error: stats?.lastError ?? null },
        problems,
      };
    },
  };
}
