import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { createPrometheusTelemetry } from '../../observability/prometheus-telemetry.ts';

describe('telemetry over Prometheus', () => {
  it('counts, sets, reads and observes as the component asked, labels or not', async () => {
    const registry = new Registry();
    const telemetry = createPrometheusTelemetry(registry);
    const plain = telemetry.counter({ name: 't_plain_total', help: 'plain' });
    const labelled = telemetry.counter({ name: 't_labelled_total', help: 'labelled', labels: ['path'] });
    const read = telemetry.gauge({ name: 't_read', help: 'read at scrape', read: async () => 42 });
    const set = telemetry.gauge({ name: 't_set', help: 'set', labels: ['kind'] });
    const latency = telemetry.histogram({ name: 't_seconds', help: 'latency', buckets: [0.1, 1] });
    plain.inc();
    plain.inc(4);
    labelled.inc({ path: 'relay' }, 3);
    labelled.inc({ path: 'direct' });
    set.set(7, { kind: 'x' });
    read.set(1); // overwritten by the reading at scrape time
    latency.observe(0.5);
    const text = await registry.metrics();
    assert.match(text, /^t_plain_total 5$/m);
    assert.match(text, /^t_labelled_total\{path="relay"\} 3$/m);
    assert.match(text, /^t_labelled_total\{path="direct"\} 1$/m);
    assert.match(text, /^t_read 42$/m);
    assert.match(text, /^t_set\{kind="x"\} 7$/m);
    assert.match(text, /^t_seconds_bucket\{le="1"\} 1$/m);
    assert.match(text, /^t_seconds_bucket\{le="0.1"\} 0$/m);
  });

  it('gives a component built again the same metrics: counters count on, read gauges read the newest source', async () => {
    const registry = new Registry();
    const first = createPrometheusTelemetry(registry);
    first.counter({ name: 't_again_total', help: 'again', labels: ['why'] }).inc({ why: 'x' }, 2);
    first.gauge({ name: 't_again_peers', help: 'peers', read: () => 5 });
    const second = createPrometheusTelemetry(registry);
    second.counter({ name: 't_again_total', help: 'again', labels: ['why'] }).inc({ why: 'x' });
    second.gauge({ name: 't_again_peers', help: 'peers', read: () => 9 });
    const text = await registry.metrics();
    assert.match(text, /^t_again_total\{why="x"\} 3$/m);
    assert.match(text, /^t_again_peers 9$/m);
    assert.throws(() => second.gauge({ name: 't_again_total', help: 'a gauge now' }), /declared twice, as a counter \[why\] and a gauge \[\]/);
    assert.throws(() => second.counter({ name: 't_again_total', help: 'other labels', labels: ['how'] }), /declared twice/);
  });
});
