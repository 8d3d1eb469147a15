import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { StoreFigures } from '../domain/model.ts';
import type { Telemetry } from '../runtime/telemetry.ts';
import { createPrometheusTelemetry } from './prometheus-telemetry.ts';

export interface Metrics {
  readonly registry: Registry;
  /** What components record their own metrics through (on the same registry). */
  readonly telemetry: Telemetry;
  readonly httpRequestDuration: Histogram<'method' | 'route' | 'status_code'>;
  /** Every error the node counts, by component and error name (the seeds' HighErrorRate alert). */
  readonly errors: Counter<'component' | 'error'>;
  readonly messagesStored: Counter<'origin'>;
  readonly wsClients: Gauge;
  /** 1 once dchat.db was found damaged (writes refused until it is restored), else 0. */
  readonly storeDamaged: Gauge;
  /**
   * Failures to record or export metrics or to write the log, by kind (metric_read, export,
   * log_write): the Phase 5 guide's MetricsRecordingError alert.
   */
  readonly observabilityErrors: Counter<'kind'>;
  /**
   * Accessibility checks that failed at run time, by check (shortcut_conflict: the shortcut
   * registry found two actions on one key): the guide's AccessibilityValidationFailure alert.
   */
  readonly accessibilityFailures: Counter<'check'>;
  render(): Promise<string>;
  readonly contentType: string;
}

export interface MetricsInit {
  readonly version: string;
  /** Current store figures, or undefined while the store is not open. */
  readonly storeFigures: () => StoreFigures | undefined;
}

export function createMetrics(init: MetricsInit): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });

  new Gauge({
    name: 'dchat_build_info',
    help: 'Version of this dchat node (always 1)',
    labelNames: ['version', 'node_version'],
    registers: [registry],
  }).set({ version: init.version, node_version: process.version }, 1);

  const httpRequestDuration = new Histogram({
    name: 'dchat_http_request_duration_seconds',
    help: 'HTTP request duration by method, route pattern and status',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });

  const errors = new Counter({
    name: 'dchat_errors_total',
    help: 'Errors by component and error name',
    labelNames: ['component', 'error'] as const,
    registers: [registry],
  });

  const messagesStored = new Counter({
    name: 'dchat_messages_stored_total',
    help: 'Messages stored since start, by origin',
    labelNames: ['origin'] as const,
    registers: [registry],
  });

  const wsClients = new Gauge({
    name: 'dchat_api_event_subscribers',
    help: 'WebSocket clients subscribed to the event stream',
    registers: [registry],
  });

  const storeDamaged = new Gauge({
    name: 'dchat_store_damaged',
    help: '1 once dchat.db was found damaged (writes are refused; stop the node and run dchat check), else 0',
    registers: [registry],
  });
  storeDamaged.set(0);

  const observabilityErrors = new Counter({
    name: 'observability_errors_total',
    help: 'Failures to record or export metrics or to write the log, by kind (metric_read, export, log_write)',
    labelNames: ['kind'] as const,
    registers: [registry],
  });
  const accessibilityFailures = new Counter({
    name: 'accessibility_validation_failures_total',
    help: 'Accessibility checks that failed at run time, by check (shortcut_conflict)',
    labelNames: ['check'] as const,
    registers: [registry],
  });

  // Read the store once per scrape, not once per gauge.
  let figures: StoreFigures | undefined;
  const storeGauge = (name: string, help: string, pick: (f: StoreFigures) => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        if (figures) this.set(pick(figures));
      },
    });
  storeGauge('dchat_store_messages', 'Messages in the local store', (f) => f.messages);
  storeGauge('dchat_store_conversations', 'Conversations in the local store', (f) => f.conversations);
  storeGauge('dchat_store_identities', 'Local identities', (f) => f.identities);
  storeGauge('dchat_store_size_bytes', 'Size of dchat.db', (f) => f.size_bytes);
  storeGauge('dchat_store_wal_bytes', 'Size of the write-ahead log', (f) => f.wal_bytes);
  storeGauge('dchat_store_schema_version', 'Schema version of dchat.db', (f) => f.schema_version);

  return {
    registry,
    telemetry: createPrometheusTelemetry(registry, () => observabilityErrors.inc({ kind: 'metric_read' })),
    httpRequestDuration,
    errors,
    messagesStored,
    wsClients,
    storeDamaged,
    observabilityErrors,
    accessibilityFailures,
    async render() {
      try {
        figures = init.storeFigures();
      } catch {
        // The scrape goes on without the store's figures; the failure is counted.
        figures = undefined;
        observabilityErrors.inc({ kind: 'metric_read' });
      }
      try {
        return await registry.metrics();
      } catch (err) {
        observabilityErrors.inc({ kind: 'export' });
        throw err;
      }
    },
    contentType: registry.contentType,
  };
}
