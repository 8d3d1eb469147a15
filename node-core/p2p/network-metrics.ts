import type { Libp2p } from '@libp2p/interface';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { FrameBudget } from './frame-budget.ts';
import type { InboundLimits } from './inbound-limits.ts';

export interface NetworkCounters {
  readonly rejected: Counter<'protocol' | 'reason'>;
  readonly bans: Counter;
  readonly ipBans: Counter;
  readonly refused: Counter<'what' | 'reason'>;
}

/**
 * A counter already in the registry (a network built again in the same process) is counted on,
 * not registered twice, which prom-client refuses.
 */
function counter<L extends string>(registry: Registry, name: string, help: string, labelNames: readonly L[] = []): Counter<L> {
  const existing = registry.getSingleMetric(name);
  if (existing instanceof Counter) return existing as Counter<L>;
  return new Counter({ name, help, labelNames, registers: [registry] });
}

export function createNetworkCounters(registry: Registry): NetworkCounters {
  return {
    rejected: counter(registry, 'dchat_p2p_frames_rejected_total', 'Frames from peers that were dropped, by protocol and reason', ['protocol', 'reason'] as const),
    bans: counter(registry, 'dchat_p2p_peers_banned_total', 'Peers banned for misbehaving'),
    ipBans: counter(registry, 'dchat_p2p_ips_banned_total', 'IP addresses banned because several of their peer ids misbehaved'),
    refused: counter(
      registry,
      'dchat_p2p_refused_total',
      'Inbound connections, streams and frames refused by the resource limits, by what and why',
      ['what', 'reason'] as const,
    ),
  };
}

export interface GaugeSources {
  readonly libp2p: Libp2p;
  readonly budget: FrameBudget;
  readonly inbound: InboundLimits;
}

/**
 * Registers the gauges read from a running network; returns what unregisters them. They read
 * libp2p and the budget on every scrape, so they live exactly as long as the network runs.
 */
export function registerNetworkGauges(registry: Registry, sources: GaugeSources): () => void {
  const { libp2p, budget, inbound } = sources;
  const names: string[] = [];
  const gauge = (name: string, help: string, read: () => number) => {
    names.push(name);
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(read());
      },
    });
  };
  gauge('dchat_p2p_frame_buffer_bytes', 'Bytes held for peers in partial frames, pending requests and unsent answers', () => budget.used);
  gauge('dchat_p2p_frame_budget_bytes', 'The most bytes peers may make the node hold in frames', () => budget.limit);
  gauge('dchat_p2p_inbound_streams', 'Inbound dchat protocol streams being served', () => inbound.streams);
  gauge('dchat_p2p_connected_peers', 'Peers with an open connection', () => new Set(libp2p.getConnections().map((c) => c.remotePeer.toString())).size);
  return () => {
    for (const name of names) registry.removeSingleMetric(name);
  };
}
