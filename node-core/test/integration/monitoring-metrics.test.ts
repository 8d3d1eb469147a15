import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parser } from '@prometheus-io/lezer-promql';
import { startTestPostgres, type TestPostgres } from '../helpers/postgres.ts';
import { startRelay } from '../helpers/p2p-net.ts';
import { killAllNodes, REPO_ROOT, type RunningNode } from '../helpers/spawn-node.ts';

/**
 * The alert rules (deploy/prometheus/alert-rules.yml) and every Grafana panel
 * (deploy/grafana/dashboards) name only metrics a real node exports: a relay node (whose state is
 * on a real PostgreSQL, so the database pool's gauges are there too) is started and its /metrics
 * read. Each expression is parsed with Prometheus's own PromQL grammar (@prometheus-io/lezer-promql,
 * the one Prometheus's UI uses); scripts/check-alerts.sh parses them with promtool as well.
 */

/** Series Prometheus makes itself for each target or rule, never in a node's /metrics. */
const PROMETHEUS_SERIES = new Set(['up', 'scrape_samples_scraped', 'scrape_duration_seconds', 'ALERTS']);
/** Exported only by a node whose relay state is on PostgreSQL (database.url). */
const POSTGRES_ONLY = /^database_/;

interface Panel {
  readonly title?: string;
  readonly targets?: ReadonlyArray<{ readonly expr?: string }>;
  readonly panels?: readonly Panel[];
}

/** Every panel's query, Grafana's variables replaced as scripts/dashboard-queries.ts does for promtool. */
function dashboardQueries(): Array<{ dashboard: string; panel: string; expr: string }> {
  const dir = path.join(REPO_ROOT, 'deploy/grafana/dashboards');
  const out: Array<{ dashboard: string; panel: string; expr: string }> = [];
  for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.json'))) {
    const dashboard = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as { title: string; panels: Panel[] };
    const walk = (panels: readonly Panel[]): void => {
      for (const panel of panels) {
        for (const t of panel.targets ?? []) if (t.expr) out.push({ dashboard: dashboard.title, panel: panel.title ?? '', expr: t.expr.replaceAll('$__rate_interval', '5m').replaceAll('$instance', '.*') });
        walk(panel.panels ?? []);
      }
    };
    walk(dashboard.panels);
  }
  return out;
}

function alertExpressions(): Array<{ alert: string; expr: string }> {
  const text = fs.readFileSync(path.join(REPO_ROOT, 'deploy/prometheus/alert-rules.yml'), 'utf8');
  const alerts = [...text.matchAll(/^\s+- alert: (\S+)\n\s+expr: (.+)$/gm)].map((m) => ({ alert: m[1]!, expr: m[2]! }));
  // Every rule is read (an expression over several lines would be missed by the pattern).
  assert.equal(alerts.length, [...text.matchAll(/- alert: /g)].length, 'each alert has a one-line expr right after its name');
  return alerts;
}

/** Metric names an expression selects; fails on a syntax error. */
function metricsOf(expr: string): string[] {
  const tree = parser.parse(expr);
  const names: string[] = [];
  const cursor = tree.cursor();
  do {
    if (cursor.type.isError) assert.fail(`PromQL syntax error at ${cursor.from} in: ${expr}`);
    if (cursor.name === 'VectorSelector') {
      const id = cursor.node.getChild('Identifier');
      if (id) names.push(expr.slice(id.from, id.to));
      const byName = /__name__\s*=\s*"([^"]+)"/.exec(expr.slice(cursor.from, cursor.to));
      if (byName) names.push(byName[1]!);
    }
  } while (cursor.next());
  assert.ok(names.length > 0, `no metric in: ${expr}`);
  return names;
}

/** Sample names /metrics can give: each family, with a histogram's and summary's own series. */
function exported(text: string): Set<string> {
  const names = new Set<string>();
  for (const [, name, type] of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    names.add(name!);
    if (type === 'histogram') for (const s of ['_bucket', '_sum', '_count']) names.add(name! + s);
    if (type === 'summary') for (const s of ['_sum', '_count']) names.add(name! + s);
  }
  return names;
}

after(killAllNodes);

describe('alert rules and dashboards over the metrics a node exports', () => {
  let postgres: TestPostgres | undefined;
  let skipPostgres: string | undefined;
  let relay: RunningNode;
  let names: Set<string>;
  before(async () => {
    const started = await startTestPostgres();
    postgres = started.server;
    skipPostgres = started.skip;
    const env: Record<string, string> = postgres ? { DATABASE_URL: await postgres.createDatabase() } : {};
    relay = await startRelay({ env });
    names = exported(await (await fetch(`${relay.url}/metrics`)).text());
  });
  after(async () => {
    await relay?.stop();
    await postgres?.stop();
  });

  const check = (where: string, expr: string, missing: string[], skipped: Set<string>) => {
    for (const name of metricsOf(expr)) {
      if (PROMETHEUS_SERIES.has(name) || names.has(name)) continue;
      if (!postgres && POSTGRES_ONLY.test(name)) skipped.add(name);
      else missing.push(`${where}: ${name}`);
    }
  };

  it("every alert rule's metrics are in a real node's /metrics", (t) => {
    const alerts = alertExpressions();
    for (const guide of ['MarketplacePurchaseLatencyHigh', 'BridgeFinalityProofTimeout', 'MetricsRecordingError', 'AccessibilityValidationFailure', 'HighErrorRate', 'PodMemoryUsageHigh', 'DatabaseConnectionPoolExhausted']) {
      assert.ok(alerts.some((a) => a.alert === guide), `the guide's ${guide} is among the rules`);
    }
    const missing: string[] = [];
    const skipped = new Set<string>();
    for (const a of alerts) check(a.alert, a.expr, missing, skipped);
    assert.deepEqual(missing, []);
    if (skipped.size > 0) t.diagnostic(`not checked without PostgreSQL (${skipPostgres}): ${[...skipped].join(', ')}`);
  });

  it("every dashboard panel's query parses and names only exported metrics", (t) => {
    const queries = dashboardQueries();
    const dashboards = new Set(queries.map((q) => q.dashboard));
    assert.deepEqual([...dashboards].sort(), ['dchat / Bridge', 'dchat / Infrastructure', 'dchat / Marketplace', 'dchat / Observability', 'dchat / Overview']);
    const missing: string[] = [];
    const skipped = new Set<string>();
    for (const q of queries) check(`${q.dashboard} / ${q.panel}`, q.expr, missing, skipped);
    assert.deepEqual(missing, []);
    if (skipped.size > 0) t.diagnostic(`not checked without PostgreSQL (${skipPostgres}): ${[...skipped].join(', ')}`);
  });

  it('a name the node does not export is found (the check can fail)', () => {
    const missing: string[] = [];
    check('probe', 'rate(dchat_no_such_metric_total[5m]) + on() group_left() dchat_build_info', missing, new Set());
    assert.deepEqual(missing, ['probe: dchat_no_such_metric_total']);
    assert.throws(() => metricsOf('rate(dchat_errors_total[5m]'), /syntax error/);
  });
});
