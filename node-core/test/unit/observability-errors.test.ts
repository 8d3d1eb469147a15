import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import pino from 'pino';
import { createLogger } from '../../observability/logger.ts';
import { createMetrics } from '../../observability/metrics.ts';

/**
 * observability_errors_total (the guide's MetricsRecordingError alert) counts real failures: a
 * metric's source that throws while /metrics is read, and log lines the disk refused (/dev/full
 * answers every write with ENOSPC).
 */

const count = (text: string, kind: string) => Number(new RegExp(`^observability_errors_total\\{kind="${kind}"\\} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);

describe('observability_errors_total', () => {
  it('counts a read gauge whose source fails, and the scrape still answers', async () => {
    const metrics = createMetrics({ version: 'test', storeFigures: () => undefined });
    let fail = false;
    metrics.telemetry.gauge({ name: 'test_flaky_gauge', help: 'a source that fails on demand', read: () => (fail ? Promise.reject(new Error('database gone')) : 7) });
    const first = await metrics.render();
    assert.match(first, /^test_flaky_gauge 7$/m);
    assert.equal(count(first, 'metric_read'), 0);
    fail = true;
    // The last value stays; the failure is counted (and shows in the next scrape, since the
    // counter is written out before the gauge is read).
    assert.match(await metrics.render(), /^test_flaky_gauge 7$/m);
    assert.equal(count(await metrics.render(), 'metric_read'), 1);
    fail = false;
    assert.equal(count(await metrics.render(), 'metric_read'), 2);
    assert.equal(count(await metrics.render(), 'metric_read'), 2);
  });

  it('counts the store figures failing to read', async () => {
    const metrics = createMetrics({
      version: 'test',
      storeFigures: () => {
        throw new Error('SQLITE_CORRUPT');
      },
    });
    assert.equal(count(await metrics.render(), 'metric_read'), 1);
  });

  it('counts log writes the disk refuses, and the process goes on', async () => {
    const metrics = createMetrics({ version: 'test', storeFigures: () => undefined });
    const log = createLogger({ level: 'info', format: 'json', output: 'file', file_path: '/dev/full' } as Parameters<typeof createLogger>[0], 'test');
    const seen: string[] = [];
    log.onError((err) => {
      seen.push((err as NodeJS.ErrnoException).code ?? err.name);
      metrics.observabilityErrors.inc({ kind: 'log_write' });
    });
    log.logger.info('a line the disk cannot take');
    for (let i = 0; i < 50 && seen.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(seen[0], 'ENOSPC');
    assert.ok(count(await metrics.render(), 'log_write') >= 1);
    // The destination keeps retrying a refused write; end it so the test can exit.
    (Reflect.get(log.logger, pino.symbols.streamSym) as { destroy(): void }).destroy();
  });
});
