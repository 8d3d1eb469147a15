import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { ApiEvent, Identity, Message } from '../../api/contract.ts';
import { freePort } from '../helpers/net.ts';
import { prepareChat, runCli, startNode, tempDir } from '../helpers/spawn-node.ts';

describe('shutdown', () => {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`${signal} lets an in-flight request finish, then exits 0 with the store closed cleanly`, async () => {
      const node = await startNode();
      // A passphrase-protected identity takes a few hundred ms of scrypt: a request surely in flight.
      const inflight = node.api('/api/identities', { json: { username: 'slowpoke', passphrase: 'correct horse battery staple' } });
      await new Promise((r) => setTimeout(r, 60));
      node.child.kill(signal);
      const res = await inflight;
      assert.equal(res.status, 201, 'the in-flight request completed');
      const code = await node.exited;
      assert.equal(code, 0);
      assert.ok(node.logs.some((l) => String(l.msg).includes('shutting down')));
      assert.ok(!fs.existsSync(path.join(node.dataDir, 'dchat.pid')), 'the lock is released');
      assert.ok(!fs.existsSync(path.join(node.dataDir, 'dchat.db-wal')) || fs.statSync(path.join(node.dataDir, 'dchat.db-wal')).size === 0, 'the WAL was checkpointed at close');
      const again = await startNode({ dataDir: node.dataDir });
      const list = (await (await again.api('/api/identities')).json()) as { identities: Identity[] };
      assert.deepEqual(list.identities.map((i) => i.username), ['slowpoke']);
      await again.stop();
    });
  }
});

describe('event stream (WebSocket /api/events)', () => {
  it('pushes new messages to authenticated subscribers only', async () => {
    const node = await startNode();
    try {
      await prepareChat(node);
      const wsUrl = `${node.url.replace('http', 'ws')}/api/events`;

      const refused = await new Promise<string>((resolve) => {
        const ws = new WebSocket(`${wsUrl}?access_token=wrong`);
        ws.onopen = () => resolve('open');
        ws.onerror = () => resolve('refused');
      });
      assert.equal(refused, 'refused');

      const ws = new WebSocket(`${wsUrl}?access_token=${node.token}`);
      const frames: ApiEvent[] = [];
      const got = (predicate: (e: ApiEvent) => boolean) =>
        new Promise<ApiEvent>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`no such event; saw ${JSON.stringify(frames)}`)), 5000);
          const check = () => {
            const found = frames.find(predicate);
            if (found) {
              clearTimeout(timer);
              resolve(found);
            } else setTimeout(check, 10);
          };
          check();
        });
      ws.onmessage = (e) => frames.push(JSON.parse(String(e.data)) as ApiEvent);
      await got((e) => (e.type as string) === 'hello');

      const sent = (await (await node.api('/api/messages/send', { json: { chat_id: 'test', text: 'live!' } })).json()) as Message;
      const event = await got((e) => e.type === 'message.created');
      assert.deepEqual(event.data, sent);
      await node.api(`/api/messages/${sent.id}`, { method: 'PATCH', json: { text: 'live, edited' } });
      const updated = await got((e) => e.type === 'message.updated');
      assert.equal((updated.data as Message).text, 'live, edited');
      ws.close();
    } finally {
      await node.stop();
    }
  });
});

describe('metrics port', () => {
  it('serves /health, /ready and /metrics without a token on server.metrics_port, and nothing else', async () => {
    const port = await freePort();
    const node = await startNode({ args: ['--metrics-port', String(port)] });
    try {
      const base = `http://127.0.0.1:${port}`;
      assert.deepEqual(await (await fetch(`${base}/health`)).json(), { status: 'healthy', version: (await (await fetch(`${node.url}/health`)).json() as { version: string }).version });
      assert.equal((await fetch(`${base}/ready`)).status, 200);
      assert.match(await (await fetch(`${base}/metrics`)).text(), /dchat_build_info/);
      assert.equal((await fetch(`${base}/api/identities`, { headers: { authorization: `Bearer ${node.token}` } })).status, 404);
    } finally {
      await node.stop();
    }
  });
});

describe('TLS', () => {
  it('serves the API over HTTPS with the configured certificate', async (t) => {
    const dir = tempDir();
    const cert = path.join(dir, 'cert.pem');
    const key = path.join(dir, 'key.pem');
    try {
      // The deployment guide's self-signed certificate step (a smaller key, for speed).
      execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-out', cert, '-keyout', key, '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
    } catch {
      t.skip('openssl is not installed, so no certificate can be made for the TLS test');
      return;
    }
    const node = await startNode({ env: { DCHAT_TLS_ENABLED: 'true', DCHAT_TLS_CERT: cert, DCHAT_TLS_KEY: key } });
    try {
      assert.match(node.url, /^https:\/\//);
      const body = await new Promise<string>((resolve, reject) => {
        https
          .get(`${node.url}/health`, { ca: fs.readFileSync(cert) }, (res) => {
            let data = '';
            res.on('data', (d: Buffer) => (data += d));
            res.on('end', () => resolve(data));
          })
          .on('error', reject);
      });
      assert.equal(JSON.parse(body).status, 'healthy');
    } finally {
      await node.stop();
    }
    const missing = await runCli(['--headless', '--data-dir', tempDir(), '--api-port', '0'], {
      env: { DCHAT_TLS_ENABLED: 'true', DCHAT_TLS_CERT: path.join(dir, 'absent.pem'), DCHAT_TLS_KEY: key },
    });
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /cannot read the TLS certificate or key \(security\.tls_cert_path/);
  });
});
