#!/usr/bin/env bash
# Checks the Prometheus alert rules with Prometheus's own tools: `promtool check rules` (syntax,
# PromQL, templates) and `promtool test rules` over deploy/prometheus/alert-rules.test.yml (each
# alert fires over its threshold and stays quiet under it). The Grafana dashboards' queries are
# parsed by promtool too, as recording rules of a throwaway rules file. Without promtool (Debian:
# apt-get install prometheus) the check is skipped with a note, except in CI (CI=true).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v promtool >/dev/null 2>&1; then
  echo "check-alerts: promtool not installed (Debian: apt-get install prometheus)" >&2
  if [ "${CI:-}" = "true" ]; then
    exit 1
  fi
  echo "check-alerts: skipped (not CI)" >&2
  exit 0
fi

echo "check-alerts: $(promtool --version 2>&1 | head -1)"
promtool check rules deploy/prometheus/alert-rules.yml
(cd deploy/prometheus && promtool test rules alert-rules.test.yml)

# Every panel's query, each as a recording rule: promtool parses them as Prometheus would.
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
node scripts/dashboard-queries.ts --rules >"$work/dashboards.rules.yml"
promtool check rules "$work/dashboards.rules.yml"
echo "check-alerts: rules, their tests and the dashboards' queries pass"
