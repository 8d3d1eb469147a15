import type { RelayFigures } from '../domain/model.ts';
import type { CounterMetric, Telemetry } from '../runtime/telemetry.ts';

export interface RelayMetrics {
  readonly stored: CounterMetric;
  readonly delivered: CounterMetric;
  readonly expired: CounterMetric;
  readonly refused: CounterMetric<'reason'>;
}

/** The relay's series; the gauges take one fresh reading per scrape. */
export function createRelayMetrics(telemetry: Telemetry, read: () => Promise<RelayFigures>): RelayMetrics {
  const gauge = (name: string, help: string, pick: (f: RelayFigures) => number) => telemetry.gauge({ name, help, read: async () => pick(await read()) });
  gauge('dchat_relay_bytes_held', 'Bytes of mail and attachment chunks held for recipients', (f) => f.bytes_held);
  gauge('dchat_relay_messages_held', 'Envelopes held for recipients', (f) => f.messages_held);
  gauge('dchat_relay_recipients', 'Identities registered with this relay', (f) => f.recipients);
  gauge('dchat_relay_uptime_ratio', 'Share of time this relay has been up since it first started', (f) => f.uptime_ratio);
  gauge('dchat_relay_uptime_target', 'The configured uptime target', (f) => f.uptime_target);
  return {
    stored: telemetry.counter({ name: 'dchat_relay_messages_stored_total', help: 'Envelopes this relay accepted for offline recipients' }),
    delivered: telemetry.counter({ name: 'dchat_relay_messages_delivered_total', help: 'Stored envelopes handed over on a signed receipt' }),
    expired: telemetry.counter({ name: 'dchat_relay_messages_expired_total', help: 'Stored envelopes dropped when their TTL ran out' }),
    refused: telemetry.counter({ name: 'dchat_relay_deposits_refused_total', help: 'Deposits refused, by reason', labels: ['reason'] }),
  };
}
