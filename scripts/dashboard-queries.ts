/**
 * The PromQL of every panel of the Grafana dashboards (deploy/grafana/dashboards/*.json), with
 * Grafana's variables replaced by values Prometheus accepts ($__rate_interval by 5m, $instance by
 * .*). `--rules` prints them as recording rules of one throwaway group, so that
 * `promtool check rules` parses each with Prometheus's own parser (scripts/check-alerts.sh);
 * without it, one "dashboard<TAB>panel<TAB>expression" line each.
 */
import fs from 'node:fs';
import path from 'node:path';

const DIR = path.resolve(import.meta.dirname, '..', 'deploy', 'grafana', 'dashboards');

interface Panel {
  readonly title?: string;
  readonly targets?: ReadonlyArray<{ readonly expr?: string }>;
  readonly panels?: readonly Panel[];
}

export const grafanaToPromql = (expr: string) => expr.replaceAll('$__rate_interval', '5m').replaceAll('$instance', '.*');

export function dashboardQueries(dir = DIR): Array<{ dashboard: string; panel: string; expr: string }> {
  const out: Array<{ dashboard: string; panel: string; expr: string }> = [];
  for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.json')).sort()) {
    const dashboard = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as { title: string; panels: Panel[] };
    const walk = (panels: readonly Panel[]) => {
      for (const panel of panels) {
        for (const target of panel.targets ?? []) if (target.expr) out.push({ dashboard: dashboard.title, panel: panel.title ?? '', expr: grafanaToPromql(target.expr) });
        walk(panel.panels ?? []);
      }
    };
    walk(dashboard.panels);
  }
  return out;
}

if (import.meta.main) {
  const queries = dashboardQueries();
  if (process.argv.includes('--rules')) {
    const lines = ['groups:', '  - name: dashboards', '    rules:'];
    // JSON strings are valid YAML scalars, so no expression needs escaping by hand.
    queries.forEach((q, i) => lines.push(`      - record: dashboard:query_${i}`, `        expr: ${JSON.stringify(q.expr)}`));
    console.log(lines.join('\n'));
  } else {
    for (const q of queries) console.log(`${q.dashboard}\t${q.panel}\t${q.expr}`);
  }
}
