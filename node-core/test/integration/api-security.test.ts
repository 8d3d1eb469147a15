import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { REST_ROUTES } from '../../api/http/rest-routes.ts';
import { startNode, type RunningNode } from '../helpers/spawn-node.ts';

/**
 * The API as an attacker sees it: raw request targets exactly as sent on the wire (fetch would
 * normalise them), foreign Host and Origin headers, a replaced token, broken bodies.
 */

interface RawAnswer {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/** Sends exactly these bytes as one HTTP/1.1 request and reads the answer's head and body. */
function raw(url: string, request: string, body: Buffer | string = ''): Promise<RawAnswer> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: hostname, port: Number(port) });
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer to ${request.split('\r\n', 1)[0]}`));
    }, 10_000);
    socket.on('connect', () => {
      socket.write(request);
      socket.write(body);
    });
    socket.on('data', (d: Buffer) => {
      chunks.push(d);
      const text = Buffer.concat(chunks).toString('latin1');
      const head = text.indexOf('\r\n\r\n');
      if (head === -1) return;
      const lines = text.slice(0, head).split('\r\n');
      const headers: Record<string, string> = {};
      for (const line of lines.slice(1)) {
        const colon = line.indexOf(':');
        headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
      }
      const status = Number(lines[0]!.split(' ')[1]);
      const length = headers['content-length'] === undefined ? undefined : Number(headers['content-length']);
      const rest = Buffer.concat(chunks).subarray(Buffer.byteLength(text.slice(0, head + 4), 'latin1'));
      if (status === 101 || length === undefined || rest.length >= length) {
        clearTimeout(timer);
        socket.destroy();
        resolve({ status, headers, body: rest.toString('utf8') });
      }
    });
    socket.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      reject(new Error('the server closed the connection without an answer'));
    });
  });
}

const hostOf = (url: string) => new URL(url).host;

function request(node: RunningNode, method: string, target: string, headers: Record<string, string> = {}, body = ''): Promise<RawAnswer> {
  const all: Record<string, string> = { host: hostOf(node.url), connection: 'close', ...headers };
  if (body || method !== 'GET') all['content-length'] = String(Buffer.byteLength(body));
  const head = `${method} ${target} HTTP/1.1\r\n${Object.entries(all).map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`;
  return raw(node.url, head, body);
}

const websocketHeaders = { upgrade: 'websocket', connection: 'Upgrade', 'sec-websocket-version': '13', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==' };

/** Ways to spell a path that a lax server might route to the same handler without its checks. */
function variants(pathname: string): string[] {
  const segments = pathname.split('/').slice(1);
  const first = segments[0]!;
  const hex = (c: string) => `%${c.charCodeAt(0).toString(16)}`;
  const rest = segments.slice(1).join('/');
  const tail = rest ? `/${rest}` : '';
  return [
    pathname,
    `/${hex(first[0]!)}${first.slice(1)}${tail}`, // /%61pi/...
    `/${hex(first[0]!).toUpperCase()}${first.slice(1)}${tail}`, // /%61 in upper case
    `/${first.slice(0, -1)}${hex(first.at(-1)!)}${tail}`, // /ap%69/...
    `/%25${first.charCodeAt(0).toString(16)}${first.slice(1)}${tail}`, // double encoding: /%2561pi/...
    `/${first.toUpperCase()}${tail}`, // case changed
    `${pathname}#x`,
    `${pathname}%23x`,
    `/${first}%2F${rest}`,
    `/${first}%2f${rest}`,
    `/${first}/./${rest}`,
    `/${first}/x/../${rest}`,
    `/${first}/%2e%2e/${first}/${rest}`,
    `//${first}${tail}`,
    `${pathname}/`,
    `${pathname}?access_token=x`,
  ];
}

/** Every route that needs the token, with path parameters filled in. */
function protectedTargets(): Array<{ method: string; path: string }> {
  for (const path of ['/status', '/peers']) assert.ok(REST_ROUTES.some((r) => r.url === path), `${path} is among the REST routes`);
  const fill = (url: string) => url.replace(/:[a-z_]+/g, 'x0');
  return [
    ...REST_ROUTES.map((r) => ({ method: r.method, path: fill(r.url) })),
    { method: 'POST', path: '/api/rpc/identities.list' },
    { method: 'POST', path: '/api/attachments' },
    { method: 'GET', path: '/api/attachments/x0' },
    { method: 'GET', path: '/api/events' },
  ];
}

describe('API security: every route, every spelling, needs the token', () => {
  let node: RunningNode;
  before(async () => {
    node = await startNode({ env: { DCHAT_RATE_LIMIT_ENABLED: 'false', DCHAT_P2P_ENABLED: 'false' } });
    const created = await node.api('/api/identities', { json: { username: 'alice', display_name: 'Alice' } });
    assert.equal(created.status, 201, await created.text());
  });
  after(async () => {
    assert.equal(await node.stop(), 0);
  });

  it('answers 400 or 401 (never 2xx, 3xx or 5xx) to each route in every encoding without a token', async () => {
    const answers = new Map<number, number>();
    let checked = 0;
    for (const target of protectedTargets()) {
      for (const spelled of variants(target.path)) {
        const body = target.method === 'GET' || target.method === 'DELETE' ? '' : '{}';
        const headers: Record<string, string> = body ? { 'content-type': 'application/json' } : {};
        const res = await request(node, target.method, spelled, headers, body);
        assert.ok(res.status === 400 || res.status === 401, `${target.method} ${spelled} → ${res.status} ${res.body}`);
        answers.set(res.status, (answers.get(res.status) ?? 0) + 1);
        checked += 1;
      }
    }
    console.log(`checked ${checked} request targets without a token: ${[...answers].map(([s, n]) => `${n} × ${s}`).join(', ')}`);
    assert.ok((answers.get(400) ?? 0) > 0 && (answers.get(401) ?? 0) > 0);
  });

  it('refuses a WebSocket upgrade to the event stream in every spelling without the token', async () => {
    for (const spelled of variants('/api/events')) {
      const res = await request(node, 'GET', spelled, websocketHeaders);
      assert.notEqual(res.status, 101, `${spelled} was upgraded without a token`);
      assert.ok(res.status === 400 || res.status === 401, `${spelled} → ${res.status}`);
    }
    const ok = await request(node, 'GET', `/api/events?access_token=${node.token}`, websocketHeaders);
    assert.equal(ok.status, 101);
  });

  it('names ambiguous targets as BadRequestTarget', async () => {
    for (const target of ['/%2561pi/identities', '/api%2Fidentities', '/api/../api/identities', '/status#x']) {
      const res = await request(node, 'GET', target, { authorization: `Bearer ${node.token}` });
      assert.equal(res.status, 400, `${target}: ${res.body}`);
      assert.equal(JSON.parse(res.body).error, 'BadRequestTarget');
    }
  });

  it('serves the same route under an unambiguous encoding only with the token', async () => {
    const res = await request(node, 'GET', '/%61pi/identities', { authorization: `Bearer ${node.token}` });
    assert.equal(res.status, 200, res.body);
    assert.equal(JSON.parse(res.body).identities[0].username, 'alice');
  });

  it('refuses host names it was not configured for (DNS rebinding), but probes answer any Host', async () => {
    const auth = { authorization: `Bearer ${node.token}` };
    const port = new URL(node.url).port;
    for (const host of ['evil.example', `evil.example:${port}`, `attacker.127.0.0.1.nip.io:${port}`, '', 'a b']) {
      const res = await request(node, 'GET', '/api/identities', { ...auth, host });
      assert.equal(res.status, host === 'a b' || host === '' ? res.status : 403, `${host}: ${res.body}`);
      assert.notEqual(res.status, 200, `Host ${JSON.stringify(host)} was served`);
    }
    const named = await request(node, 'GET', '/api/identities', { ...auth, host: `evil.example:${port}` });
    assert.equal(JSON.parse(named.body).error, 'HostNotAllowed');
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `app.localhost:${port}`, `[::1]:${port}`, `10.1.2.3:${port}`]) {
      assert.equal((await request(node, 'GET', '/api/identities', { ...auth, host })).status, 200, host);
    }
    assert.equal((await request(node, 'GET', '/health', { host: 'dchat-api:9001' })).status, 200);
    assert.equal((await request(node, 'GET', '/metrics', { host: 'evil.example' })).status, 200);
  });

  it('refuses state changes and the event stream from pages of other origins', async () => {
    const auth = { authorization: `Bearer ${node.token}`, 'content-type': 'application/json' };
    const body = JSON.stringify({ chat_id: 'origin-test' });
    for (const origin of ['http://evil.example', 'null', `https://${hostOf(node.url)}.evil.example`, 'not a url']) {
      const res = await request(node, 'POST', '/api/chats', { ...auth, origin }, body);
      assert.equal(res.status, 403, `${origin}: ${res.body}`);
      assert.equal(JSON.parse(res.body).error, 'OriginNotAllowed');
      const ws = await request(node, 'GET', `/api/events?access_token=${node.token}`, { ...websocketHeaders, origin });
      assert.equal(ws.status, 403, `WebSocket from ${origin}`);
    }
    const own = await request(node, 'POST', '/api/chats', { ...auth, origin: `http://${hostOf(node.url)}` }, body);
    assert.equal(own.status, 201, own.body);
    const ws = await request(node, 'GET', `/api/events?access_token=${node.token}`, { ...websocketHeaders, origin: `http://${hostOf(node.url)}` });
    assert.equal(ws.status, 101);
  });

  it('a replaced api-token takes effect at once, and the old one stops working', async () => {
    const file = path.join(node.dataDir, 'api-token');
    const old = node.token;
    const next = 'rotated-token-0123456789abcdef';
    assert.equal((await request(node, 'GET', '/api/identities', { authorization: `Bearer ${old}` })).status, 200);
    fs.writeFileSync(`${file}.new`, `${next}\n`, { mode: 0o600 });
    fs.renameSync(`${file}.new`, file);
    try {
      assert.equal((await request(node, 'GET', '/api/identities', { authorization: `Bearer ${old}` })).status, 401);
      assert.equal((await request(node, 'GET', '/api/identities', { authorization: `Bearer ${next}` })).status, 200);
      assert.equal((await request(node, 'GET', `/api/events?access_token=${old}`, websocketHeaders)).status, 401);
      assert.equal((await request(node, 'GET', `/api/events?access_token=${next}`, websocketHeaders)).status, 101);
      // A file that holds no usable token does not lock everyone out: the last good one stays.
      fs.writeFileSync(`${file}.new`, 'short\n', { mode: 0o600 });
      fs.renameSync(`${file}.new`, file);
      assert.equal((await request(node, 'GET', '/api/identities', { authorization: `Bearer ${next}` })).status, 200);
      assert.equal((await request(node, 'GET', '/api/identities', { authorization: 'Bearer short' })).status, 401);
    } finally {
      fs.writeFileSync(`${file}.new`, `${old}\n`, { mode: 0o600 });
      fs.renameSync(`${file}.new`, file);
    }
    assert.equal((await request(node, 'GET', '/api/identities', { authorization: `Bearer ${old}` })).status, 200);
  });

  it('text that is not valid Unicode is a 400 ValidationError naming the field', async () => {
    const auth = { authorization: `Bearer ${node.token}`, 'content-type': 'application/json' };
    assert.equal((await node.api('/api/chats', { json: { chat_id: 'unicode' } })).status, 201);
    const lone = await request(node, 'POST', '/api/messages/send', auth, '{"chat_id":"unicode","text":"broken \\ud800 text"}');
    assert.equal(lone.status, 400, lone.body);
    const loneBody = JSON.parse(lone.body);
    assert.equal(loneBody.error, 'ValidationError');
    assert.deepEqual(loneBody.issues.map((i: { path: string }) => i.path), ['text']);
    const bytes = Buffer.concat([Buffer.from('{"chat_id":"unicode","text":"bad '), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]);
    const invalid = await raw(
      node.url,
      `POST /api/messages/send HTTP/1.1\r\nhost: ${hostOf(node.url)}\r\nconnection: close\r\nauthorization: Bearer ${node.token}\r\ncontent-type: application/json\r\ncontent-length: ${bytes.length}\r\n\r\n`,
      bytes,
    );
    assert.equal(invalid.status, 400, invalid.body);
    assert.equal(JSON.parse(invalid.body).error, 'ValidationError');
    assert.match(JSON.parse(invalid.body).message, /UTF-8/);
    const list = (await (await node.api('/api/messages?chat_id=unicode')).json()) as { messages: unknown[] };
    assert.equal(list.messages.length, 0, 'nothing was stored');
    // Valid text outside the BMP round-trips exactly.
    const fine = await node.api('/api/messages/send', { json: { chat_id: 'unicode', text: 'ok 👋🏽 𝄞' } });
    assert.equal(fine.status, 201);
    assert.equal(((await fine.json()) as { text: string }).text, 'ok 👋🏽 𝄞');
  });

  it('a client that aborts its body is not an internal error', async () => {
    const { hostname, port } = new URL(node.url);
    for (let i = 0; i < 5; i++) {
      await new Promise<void>((resolve) => {
        const socket = net.connect({ host: hostname, port: Number(port) }, () => {
          socket.write(
            `POST /api/messages/send HTTP/1.1\r\nhost: ${hostOf(node.url)}\r\nauthorization: Bearer ${node.token}\r\ncontent-type: application/json\r\ncontent-length: 5000\r\n\r\n{"chat_id":`,
          );
          setTimeout(() => {
            socket.destroy();
            resolve();
          }, 100);
        });
      });
    }
    await new Promise((r) => setTimeout(r, 300));
    const metrics = await (await fetch(`${node.url}/metrics`)).text();
    assert.doesNotMatch(metrics, /dchat_errors_total\{[^}]*error="InternalError"[^}]*\} [1-9]/);
    const errorLogs = node.logs.filter((l) => l.level === 50 && String(l.msg).includes('request failed'));
    assert.deepEqual(errorLogs, []);
  });

  it('relay addresses must be TCP or WebSocket multiaddrs with a valid peer id', async () => {
    for (const bad of ['/p2p/notapeerid', '/unix/tmp/relay.sock', '/ip4/127.0.0.1/tcp/1/p2p/notapeerid', '/ip4/127.0.0.1/udp/1/p2p/12D3KooWGRUVh8EyRFuLZnCVNbjMBk6tN2WbgYwUbwCkNBtMCcbe', 'relay.example:30333']) {
      const res = await node.api('/api/relays', { method: 'PUT', json: { relays: [bad] } });
      assert.equal(res.status, 400, `${bad}: ${res.status}`);
      const body = (await res.json()) as { error: string; issues: Array<{ path: string }> };
      assert.equal(body.error, 'ValidationError');
      assert.equal(body.issues[0]?.path, 'relays.0');
    }
  });

  it('attachment names are made safe to show and to download; foreign types are served as bytes', async () => {
    const upload = async (name: string, type: string) => {
      const res = await fetch(`${node.url}/api/attachments?name=${encodeURIComponent(name)}&type=${encodeURIComponent(type)}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${node.token}`, 'content-type': 'application/octet-stream' },
        body: '<script>alert(1)</script>',
      });
      assert.equal(res.status, 201, await res.clone().text());
      return (await res.json()) as { id: string; name: string };
    };
    const tricky = await upload('invoice\u202Etxt.exe', 'text/html');
    assert.equal(tricky.name, 'invoicetxt.exe');
    const download = await fetch(`${node.url}/api/attachments/${tricky.id}`, { headers: { authorization: `Bearer ${node.token}` } });
    assert.equal(download.headers.get('content-type'), 'application/octet-stream');
    assert.equal(download.headers.get('x-content-type-options'), 'nosniff');
    assert.match(download.headers.get('content-disposition') ?? '', /^attachment; filename="invoicetxt\.exe"; filename\*=UTF-8''invoicetxt\.exe$/);
    for (const [name, expected] of [
      ['../../etc/passwd', 'passwd'],
      ['C:\\Users\\me\\report.pdf', 'report.pdf'],
      ['\u2066evil\u2069.png', 'evil.png'],
      ['...', 'file'],
      ['a"b<c>.txt', 'a_b_c_.txt'],
    ] as const) {
      assert.equal((await upload(name, 'text/plain')).name, expected, name);
    }
    const svg = await upload('drawing.svg', 'image/svg+xml');
    const svgDownload = await fetch(`${node.url}/api/attachments/${svg.id}`, { headers: { authorization: `Bearer ${node.token}` } });
    assert.equal(svgDownload.headers.get('content-type'), 'application/octet-stream');
    const png = await upload('photo.png', 'image/png');
    const pngDownload = await fetch(`${node.url}/api/attachments/${png.id}`, { headers: { authorization: `Bearer ${node.token}` } });
    assert.equal(pngDownload.headers.get('content-type'), 'image/png');
  });
});

describe('API security: host names and connection cap from configuration', () => {
  let node: RunningNode;
  before(async () => {
    node = await startNode({ env: { DCHAT_P2P_ENABLED: 'false', DCHAT_PUBLIC_HOSTS: 'dchat-api,chat.example.org', DCHAT_MAX_HTTP_CONNECTIONS: '8', DCHAT_RATE_LIMIT_ENABLED: 'false' } });
  });
  after(async () => {
    assert.equal(await node.stop(), 0);
  });

  it('answers to the names in server.public_hosts', async () => {
    const auth = { authorization: `Bearer ${node.token}` };
    assert.equal((await request(node, 'GET', '/api/identities', { ...auth, host: 'dchat-api:9001' })).status, 200);
    assert.equal((await request(node, 'GET', '/api/identities', { ...auth, host: 'CHAT.example.org' })).status, 200);
    assert.equal((await request(node, 'GET', '/api/identities', { ...auth, host: 'other.example.org' })).status, 403);
  });

  it('holds at most server.max_connections connections, and serves again once they close', async () => {
    const { hostname, port } = new URL(node.url);
    const idle: net.Socket[] = [];
    for (let i = 0; i < 8; i++) {
      idle.push(await new Promise<net.Socket>((resolve, reject) => {
        const s = net.connect({ host: hostname, port: Number(port) }, () => resolve(s));
        s.on('error', reject);
      }));
    }
    await new Promise((r) => setTimeout(r, 100));
    await assert.rejects(request(node, 'GET', '/health'), 'a ninth connection was served');
    for (const s of idle) s.destroy();
    await new Promise((r) => setTimeout(r, 100));
    assert.equal((await request(node, 'GET', '/health')).status, 200);
  });
});
