import type { Libp2p } from '@libp2p/interface';
import type { CounterMetric, Telemetry } from '../runtime/telemetry.ts';
import type { FrameBudget } from './frame-budget.ts';
import type { InboundLimits } from './inbound-limits.ts';

export interface NetworkCounters {
  readonly rejected: CounterMetric<'protocol' | 'reason'>;
  readonly bans: CounterMetric;
  readonly ipBans: CounterMetric;
  readonly refused: CounterMetric<'what' | 'reason'>;
}

export function createNetworkCounters(telemetry: Telemetry): NetworkCounters {
  return {
    rejected: telemetry.counter({ name: 'dchat_p2p_frames_rejected_total', help: 'Frames from peers that were dropped, by protocol and reason', labels: ['protocol', 'reason'] }),
    bans: telemetry.counter({ name: 'dchat_p2p_peers_banned_total', help: 'Peers banned for misbehaving' }),
    ipBans: telemetry.counter({ name: 'dchat_p2p_ips_banned_total', help: 'IP addresses banned because several of their peer ids misbehaved' }),
    refused: telemetry.counter({
      name: 'dchat_p2p_refused_total',
      help: 'Inbound connections, streams and frames refused by the resource limits, by what and why',
      labels: ['what', 'reason'],
    }),
  };
}

export interface GaugeSources {
  readonly libp2p: Libp2p;
  readonly budget: FrameBudget;
  readonly inbound: InboundLimits;
}

/**
 * The gauges read from the network on every collection. They are declared once, with the
 * network; a stopped network has no connections, streams or buffered frames, so they read 0.
 */
export function declareNetworkGauges(telemetry: Telemetry, sources: GaugeSources): void {
  const { libp2p, budget, inbound } = sources;
  const gauge = (name: string, help: string, read: () => number) => telemetry.gauge({ name, help, read });
  gauge('dchat_p2p_frame_buffer_bytes', 'Bytes held for peers in partial frames, pending requests and unsent answers', () => budget.used);
  gauge('dchat_p2p_frame_budget_bytes', 'The most bytes peers may make the node hold in frames', () => budget.limit);
  gauge('dchat_p2p_inbound_streams', 'Inbound dchat protocol streams being served', () => inbound.streams);
  gauge('dchat_p2p_connected_peers', 'Peers with an open connection', () => new Set(libp2p.getConnections().map((c) => c.remotePeer.toString())).size);
}
