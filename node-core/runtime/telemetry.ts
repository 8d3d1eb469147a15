/**
 * What components record about themselves, independent of the exporter: counters, gauges and
 * histograms by name and labels. Components get a Telemetry injected (observability/ implements
 * it over Prometheus); a tracing exporter can stand beside it without components changing.
 */

export type LabelValues<L extends string> = Partial<Record<L, string | number>>;

export interface MetricDefinition<L extends string> {
  readonly name: string;
  readonly help: string;
  readonly labels?: readonly L[];
}

/** A metric without labels takes just the amount; one with labels takes them first. */
type IncArgs<L extends string> = [L] extends [never] ? [value?: number] : [labels: LabelValues<L>, value?: number];

export interface CounterMetric<L extends string = never> {
  inc(...args: IncArgs<L>): void;
}

export interface GaugeMetric<L extends string = never> {
  set(value: number, labels?: LabelValues<L>): void;
}

export interface HistogramMetric<L extends string = never> {
  observe(value: number, labels?: LabelValues<L>): void;
}

export interface Telemetry {
  counter<L extends string = never>(definition: MetricDefinition<L>): CounterMetric<L>;
  /** `read`, when given, is asked for the value each time the metrics are collected. */
  gauge<L extends string = never>(definition: MetricDefinition<L> & { readonly read?: () => number | Promise<number> }): GaugeMetric<L>;
  histogram<L extends string = never>(definition: MetricDefinition<L> & { readonly buckets?: readonly number[] }): HistogramMetric<L>;
}
