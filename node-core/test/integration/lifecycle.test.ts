import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import { once } from 'node:events';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { ApiEvent, Identity, Message } from '../../api/contract.ts';
import { freePort } from '../helpers/net.ts';
import { prepareChat, runCli, startNode, STOP_DEADLINE_MS, tempDir, type RunningNode } from '../helpers/spawn-node.ts';

/**
 * One HTTP request through `agent`; `written` runs once the whole request is on the connection
 * (flushed to the kernel, which hands loopback bytes to the node's socket at once).
 */
function rawRequest(agent: http.Agent, url: string, method: string, headers: Record<string, string> = {}, json?: unknown, written?: () => void): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const body = json === undefined ? undefined : JSON.stringify(json);
    const req = http.request(url, { agent, method, headers: { ...headers, ...(body ? { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) } : {}) } }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode!, body: text }));
    });
    req.on('error', reject);
    req.end(body, () => written?.());
  });
}

/** Opens the event stream by hand and then never answers anything on it. */
async function silentEventSocket(node: RunningNode): Promise<net.Socket> {
  const { hostname, port } = new URL(node.url);
  const socket = net.connect(Number(port), hostname);
  await once(socket, 'connect');
  socket.write(
    `GET /api/events?access_token=${node.token} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: ${crypto.randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
  );
  const [first] = (await once(socket, 'data')) as [Buffer];
  assert.match(first.toString('latin1'), /^HTTP\/1\.1 101 /, 'the upgrade was accepted');
  socket.on('data', () => undefined); // from here on it reads but never writes: no closing handshake
  return socket;
}

describe('shutdown', () => {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`${signal} lets an in-flight request finish, then exits 0 with the store closed cleanly`, async () => {
      const node = await startNode();
      // One kept-alive connection: a first request proves the node accepted it; then the whole
      // in-flight request is written to it before the signal. A passphrase-protected identity takes
      // a few hundred ms of scrypt, so the node is still working on it when the signal arrives.
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      try {
        const warm = await rawRequest(agent, `${node.url}/health`, 'GET');
        assert.equal(warm.status, 200);
        const inflight = rawRequest(agent, `${node.url}/api/identities`, 'POST', { authorization: `Bearer ${node.token}` }, { username: 'slowpoke', passphrase: 'correct horse battery staple' }, () =>
          node.child.kill(signal),
        );
        const res = await inflight;
        assert.equal(res.status, 201, `the in-flight request completed: ${res.body}`);
      } finally {
        agent.destroy();
      }
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

describe('shutdown with event stream clients', () => {
  it('a node stopped while clients hold its event WebSocket closes them and exits 0 within seconds', async () => {
    const node = await startNode();
    const ws = new WebSocket(`${node.url.replace('http', 'ws')}/api/events?access_token=${node.token}`);
    const closed = new Promise<CloseEvent>((resolve) => ws.addEventListener('close', resolve));
    await new Promise<void>((resolve, reject) => {
      ws.addEventListener('message', () => resolve(), { once: true });
      ws.addEventListener('error', () => reject(new Error('the event stream did not open')), { once: true });
    });
    // A client that never answers the closing handshake (a frozen tab, a dead network) is the
    // case where waiting for the handshake takes 30 s.
    const silent = await silentEventSocket(node);
    const silentGone = once(silent, 'close');
    const started = Date.now();
    // stop() fails unless the node exits with 0 within STOP_DEADLINE_MS.
    assert.equal(await node.stop(), 0);
    console.log(`stopped in ${Date.now() - started} ms with two event stream clients connected (deadline ${STOP_DEADLINE_MS} ms)`);
    const event = await closed;
    assert.ok(event.wasClean, `the well-behaved client saw a clean close (code ${event.code})`);
    await silentGone;
    silent.destroy();
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
