import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { CounterMetric, LabelValues, Telemetry } from '../runtime/telemetry.ts';

/** Telemetry over prom-client: every metric registered on the node's registry (served at /metrics). */
export function createPrometheusTelemetry(registry: Registry): Telemetry {
  return {
    counter({ name, help, labels }) {
      const counter = new Counter<string>({ name, help, labelNames: labels ?? [], registers: [registry] });
      return {
        inc: (...args: [LabelValues<string> | number | undefined, number?]) => {
          const [first, by] = args;
          if (first === undefined || typeof first === 'number') counter.inc(first ?? 1);
          else counter.inc(plain(first), by ?? 1);
        },
      } as CounterMetric<never>;
    },
    gauge({ name, help, labels, read }) {
      const gauge = new Gauge<string>({
        name,
        help,
        labelNames: labels ?? [],
        registers: [registry],
        ...(read
          ? {
              async collect() {
                this.set(await read());
              },
            }
          : {}),
      });
      return { set: (value, values) => (values ? gauge.set(plain(values), value) : gauge.set(value)) };
    },
    histogram({ name, help, labels, buckets }) {
      const histogram = new Histogram<string>({ name, help, labelNames: labels ?? [], registers: [registry], ...(buckets ? { buckets: [...buckets] } : {}) });
      return { observe: (value, values) => (values ? histogram.observe(plain(values), value) : histogram.observe(value)) };
    },
  };
}

const plain = (values: LabelValues<string>): Record<string, string | number> => {
  const out: Record<string, string | number> = {};
  for (const [key, value] of Object.entries(values)) if (value !== undefined) out[key] = value;
  return out;
};
