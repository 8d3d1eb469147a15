import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { CounterMetric, GaugeMetric, HistogramMetric, LabelValues, Telemetry } from '../runtime/telemetry.ts';

type Kind = 'counter' | 'gauge' | 'histogram';

/** A metric as declared, with the source of a read gauge (swappable, see below). */
interface Declared {
  readonly kind: Kind;
  readonly labels: string;
  readonly metric: CounterMetric<string> | GaugeMetric<string> | HistogramMetric<string>;
  read?: (() => number | Promise<number>) | undefined;
}

// One cache per registry, so every Telemetry over a registry sees the same declarations.
const declaredByRegistry = new WeakMap<Registry, Map<string, Declared>>();

/**
 * Telemetry over prom-client: every metric registered on the node's registry (served at /metrics).
 * A component built again over the same registry (the node started a second time in one process)
 * declares its metrics again: it gets the same metric back, counting on, and a read gauge reads
 * from the newest declaration's source. The same name as another kind or labels is a mistake.
 * A read gauge's failures go to the onReadError of the Telemetry that declared it.
 */
export function createPrometheusTelemetry(registry: Registry, onReadError: (err: unknown) => void = () => undefined): Telemetry {
  const declared = declaredByRegistry.get(registry) ?? new Map<string, Declared>();
  declaredByRegistry.set(registry, declared);
  const once = (name: string, kind: Kind, labels: readonly string[] = [], make: (entry: Declared) => Declared['metric']): Declared => {
    const key = labels.join(',');
    const existing = declared.get(name);
    if (existing) {
      if (existing.kind !== kind || existing.labels !== key) throw new Error(`the metric ${name} is declared twice, as a ${existing.kind} [${existing.labels}] and a ${kind} [${key}]`);
      return existing;
    }
    const entry = { kind, labels: key } as Declared;
    (entry as { metric: Declared['metric'] }).metric = make(entry);
    declared.set(name, entry);
    return entry;
  };
  return {
    counter: ({ name, help, labels }) => once(name, 'counter', labels, () => prometheusCounter(new Counter<string>({ name, help, labelNames: labels ?? [], registers: [registry] }))).metric as never,
    gauge({ name, help, labels, read }) {
      const entry = once(name, 'gauge', labels, (self) => {
        const gauge = new Gauge<string>({
          name,
          help,
          labelNames: labels ?? [],
          registers: [registry],
          // A source that fails (a database gone away) keeps its last value and is counted
          // (observability_errors_total), rather than failing the whole scrape.
          async collect() {
            if (!self.read) return;
            try {
              this.set(await self.read());
            } catch (err) {
              onReadError(err);
            }
          },
        });
        return { set: (value, values) => (values ? gauge.set(plain(values), value) : gauge.set(value)) } satisfies GaugeMetric<string>;
      });
      if (read) entry.read = read;
      return entry.metric as GaugeMetric<never>;
    },
    histogram: ({ name, help, labels, buckets }) =>
      once(name, 'histogram', labels, () => {
        const histogram = new Histogram<string>({ name, help, labelNames: labels ?? [], registers: [registry], ...(buckets ? { buckets: [...buckets] } : {}) });
        return { observe: (value, values) => (values ? histogram.observe(plain(values), value) : histogram.observe(value)) } satisfies HistogramMetric<string>;
      }).metric as never,
  };
}

function prometheusCounter(counter: Counter<string>): CounterMetric<never> {
  return {
    inc: (...args: [LabelValues<string> | number | undefined, number?]) => {
      const [first, by] = args;
      if (first === undefined || typeof first === 'number') counter.inc(first ?? 1);
      else counter.inc(plain(first), by ?? 1);
    },
  } as CounterMetric<never>;
}

const plain = (values: LabelValues<string>): Record<string, string | number> => {
  const out: Record<string, string | number> = {};
  for (const [key, value] of Object.entries(values)) if (value !== undefined) out[key] = value;
  return out;
};
