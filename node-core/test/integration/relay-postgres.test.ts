import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import pg from 'pg';
import { freePort, startTestPostgres, type TestPostgres } from '../helpers/postgres.ts';
import { introduceOverRelay, messages, relayFigures, send, startRelay, startUser, waitFor } from '../helpers/p2p-net.ts';
import { killAllNodes, runCli, tempDir } from '../helpers/spawn-node.ts';

/**
 * A relay whose state is on PostgreSQL (DATABASE_URL, as in the Phase 5 guide), with users on
 * separate node processes and a real throwaway PostgreSQL server; and a relay that cannot reach
 * its PostgreSQL refusing to start with an error that names database.url.
 */

after(killAllNodes);

describe('relay on PostgreSQL', () => {
  let postgres: TestPostgres | undefined;
  let skip: string | undefined;
  before(async () => {
    const started = await startTestPostgres();
    postgres = started.server;
    skip = started.skip;
  });
  after(async () => postgres?.stop());

  it('holds mail for an offline recipient in PostgreSQL and hands it over when the recipient is back', async (t) => {
    if (!postgres) return t.skip(skip);
    const url = await postgres.createDatabase();
    const db = new pg.Client({ connectionString: url });
    await db.connect();
    const relay = await startRelay({ env: { DATABASE_URL: url, DATABASE_MAX_CONNECTIONS: '5' } });
    const a = await startUser(relay);
    let b = await startUser(relay);
    try {
      const chat = await introduceOverRelay(a, b, 'hello while online');
      assert.equal(await b.stop(), 0);

      for (let i = 0; i < 5; i++) await send(a, chat, `offline ${i}`);
      await waitFor('R to hold the five envelopes', async () => (await relayFigures(relay)).messages_held >= 5, 20_000);
      const inPostgres = await db.query<{ recipient: string; n: number }>('SELECT recipient, count(*)::int AS n FROM mailbox GROUP BY recipient');
      assert.equal(inPostgres.rows.length, 1, 'mail for one recipient, B');
      const { recipient: bob, n } = inPostgres.rows[0]!;
      assert.equal(n, 5, 'the envelopes are in PostgreSQL');
      const local = new Database(path.join(relay.dataDir, 'dchat.db'), { readonly: true });
      assert.deepEqual(local.prepare('SELECT count(*) AS n FROM mailbox').get(), { n: 0 }, "and not in the relay's own dchat.db");
      local.close();
      assert.equal(await a.stop(), 0);

      b = await startUser(relay, { dataDir: b.dataDir });
      const all = await waitFor('B to have all six messages', async () => {
        const list = await messages(b, chat);
        return list.length === 6 ? list : undefined;
      }, 20_000);
      assert.deepEqual(all.map((m) => m.text), ['hello while online', ...Array.from({ length: 5 }, (_, i) => `offline ${i}`)]);
      // B's delivery receipts for A (offline, and also on R) are mail too: count B's alone.
      await waitFor("R's PostgreSQL mailbox for B to empty after B's receipts", async () => (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM mailbox WHERE recipient = $1', [bob])).rows[0]!.n === 0);
      const figures = await relayFigures(relay);
      assert.ok(figures.delivered_total >= 5, `delivered_total ${figures.delivered_total}`);

      const metrics = await (await relay.api('/metrics')).text();
      for (const name of ['database_connections_active', 'database_pool_waiting', 'database_query_duration_seconds_bucket{le="0.001",op="deposit"}']) {
        assert.ok(metrics.includes(name), `/metrics has ${name}`);
      }
      const versions = await db.query<{ component: string; version: number }>('SELECT component, version FROM schema_version ORDER BY version');
      assert.deepEqual(versions.rows, [{ component: 'relay', version: 1 }, { component: 'relay', version: 2 }, { component: 'relay', version: 3 }]);
    } finally {
      await Promise.all([a.stop(), b.stop(), relay.stop()]);
      await db.end();
    }
  });
});

describe('relay with an unreachable PostgreSQL', () => {
  it('refuses to start, naming database.url and host:port, without a stack trace or the password', async () => {
    const port = await freePort();
    const result = await runCli(['--headless', '--role', 'relay', '--data-dir', tempDir(), '--api-port', '0', '--p2p-port', '0', '--p2p-ws-port', '0'], {
      env: { DATABASE_URL: `postgres://dchat:s3cret@127.0.0.1:${port}/dchat`, DCHAT_P2P_HOST: '127.0.0.1' },
      timeoutMs: 30_000,
    });
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, new RegExp(`^dchat: cannot start: cannot reach the PostgreSQL server at 127\\.0\\.0\\.1:${port}/dchat named by database\\.url: connection refused`));
    assert.doesNotMatch(result.stderr, /s3cret/);
    assert.doesNotMatch(result.stderr, /^\s+at /m);
  });
});
