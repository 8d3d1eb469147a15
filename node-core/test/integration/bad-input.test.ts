import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ApiErrorBody } from '../../api/contract.ts';
import { prepareChat, startNode, type RunningNode } from '../helpers/spawn-node.ts';

async function expectError(res: Response, status: number, name: string): Promise<ApiErrorBody> {
  const text = await res.text();
  assert.equal(res.status, status, text);
  assert.match(res.headers.get('content-type') ?? '', /application\/json/);
  const body = JSON.parse(text) as ApiErrorBody;
  assert.equal(body.error, name, text);
  assert.equal(typeof body.message, 'string');
  assert.ok(body.message.length > 0);
  return body;
}

describe('bad input gets a named 4xx error, never a 500', () => {
  let node: RunningNode;
  before(async () => {
    node = await startNode({ env: { DCHAT_MSG_MAX_SIZE_MB: '0.01' } });
    await prepareChat(node);
  });
  after(async () => {
    assert.equal(await node.stop(), 0);
  });

  it('401 without a token, with a wrong token, or with another scheme', async () => {
    await expectError(await fetch(`${node.url}/api/identities`), 401, 'Unauthorized');
    await expectError(await fetch(`${node.url}/api/identities`, { headers: { authorization: 'Bearer nope' } }), 401, 'Unauthorized');
    await expectError(await fetch(`${node.url}/api/identities`, { headers: { authorization: `Basic ${node.token}` } }), 401, 'Unauthorized');
    await expectError(await fetch(`${node.url}/api/identities?access_token=${node.token}`), 401, 'Unauthorized');
    await expectError(await fetch(`${node.url}/api/no/such/route`), 401, 'Unauthorized');
    await expectError(await fetch(`${node.url}/status`), 401, 'Unauthorized');
    await expectError(await fetch(`${node.url}/peers`), 401, 'Unauthorized');
    assert.equal((await fetch(`${node.url}/health`)).status, 200);
    assert.equal((await fetch(`${node.url}/metrics`)).status, 200);
  });

  it('400 MalformedJson for broken JSON', async () => {
    for (const body of ['{"chat_id": "test",', '{]', "{'single': 'quotes'}", '{"__proto__": {"x": 1}}']) {
      await expectError(await node.api('/api/messages/send', { method: 'POST', body, headers: { 'content-type': 'application/json' } }), 400, 'MalformedJson');
    }
    await expectError(await node.api('/api/messages/send', { method: 'POST', body: '', headers: { 'content-type': 'application/json' } }), 400, 'MalformedJson');
  });

  it('400 ValidationError for wrong types, missing fields and unknown fields', async () => {
    const wrongTypes = await expectError(await node.api('/api/messages/send', { json: { chat_id: 42, text: ['x'] } }), 400, 'ValidationError');
    assert.deepEqual(wrongTypes.issues?.map((i) => i.path).sort(), ['chat_id', 'text']);
    await expectError(await node.api('/api/messages/send', { json: {} }), 400, 'ValidationError');
    await expectError(await node.api('/api/messages/send', { json: [] }), 400, 'ValidationError');
    await expectError(await node.api('/api/messages/send', { json: 'hello' }), 400, 'ValidationError');
    await expectError(await node.api('/api/messages/send', { json: { chat_id: 'test', text: 'hi', extra: 1 } }), 400, 'ValidationError');
    await expectError(await node.api('/api/messages?chat_id=test&limit=many'), 400, 'ValidationError');
    await expectError(await node.api('/api/messages?chat_id=test&limit=100000'), 400, 'ValidationError');
    await expectError(await node.api('/api/messages?limit=5'), 400, 'ValidationError');
    await expectError(await node.api('/api/messages/not-a-uuid'), 400, 'ValidationError');
    await expectError(await node.api('/api/identities', { json: { username: "Robert'); DROP TABLE identities;--" } }), 400, 'ValidationError');
  });

  it('404 for an unknown chat, message, method or route', async () => {
    await expectError(await node.api('/api/messages/send', { json: { chat_id: 'nope', text: 'hi' } }), 404, 'ChatNotFound');
    await expectError(await node.api('/api/messages?chat_id=nope'), 404, 'ChatNotFound');
    await expectError(await node.api(`/api/messages/${crypto.randomUUID()}`), 404, 'MessageNotFound');
    await expectError(await node.api('/api/rpc/no.such.method', { json: {} }), 404, 'UnknownMethod');
    await expectError(await node.api('/api/nowhere'), 404, 'NotFound');
    await expectError(await fetch(`${node.url}/nowhere`, { headers: { authorization: `Bearer ${node.token}` } }), 404, 'NotFound');
    // Without the token, an unknown path is not even confirmed to be unknown: only the probes and
    // the web UI's files are open.
    await expectError(await fetch(`${node.url}/nowhere`), 401, 'Unauthorized');
  });

  it('409 for conflicts', async () => {
    await expectError(await node.api('/api/chats', { json: { chat_id: 'test' } }), 409, 'ChatExists');
    await expectError(await node.api('/api/identities', { json: { username: 'operator' } }), 409, 'UsernameTaken');
  });

  it('413 PayloadTooLarge over messages.max_size_mb, 415 for a body that is not JSON', async () => {
    await expectError(await node.api('/api/messages/send', { json: { chat_id: 'test', text: 'x'.repeat(20_000) } }), 413, 'PayloadTooLarge');
    await expectError(
      await node.api('/api/messages/send', { method: 'POST', body: 'chat_id=test&text=hi', headers: { 'content-type': 'application/x-www-form-urlencoded' } }),
      415,
      'UnsupportedMediaType',
    );
  });

  it('the node is unharmed: errors were counted, nothing was stored, and it still serves', async () => {
    const metrics = await (await fetch(`${node.url}/metrics`)).text();
    assert.match(metrics, /dchat_errors_total\{component="api",error="ValidationError"\} \d+/);
    assert.doesNotMatch(metrics, /error="InternalError"/);
    const page = (await (await node.api('/api/messages?chat_id=test')).json()) as { messages: unknown[] };
    assert.equal(page.messages.length, 0);
    assert.equal((await node.api('/api/messages/send', { json: { chat_id: 'test', text: 'still fine' } })).status, 201);
  });

  it('the RPC endpoint validates exactly like the REST routes', async () => {
    await expectError(await node.api('/api/rpc/messages.send', { json: { chat_id: 42 } }), 400, 'ValidationError');
    const ok = await node.api('/api/rpc/messages.list', { json: { chat_id: 'test' } });
    assert.equal(ok.status, 200);
  });
});

describe('rate limiting', () => {
  it('answers 429 RateLimited with Retry-After past the limit, and never limits /health', async () => {
    const node = await startNode({ env: { DCHAT_RATE_LIMIT_REQUESTS_PER_SECOND: '5' } });
    try {
      const responses = await Promise.all(Array.from({ length: 12 }, () => node.api('/api/identities')));
      const limited = responses.filter((r) => r.status === 429);
      assert.ok(limited.length >= 5, `${limited.length} of 12 limited`);
      assert.ok(responses.filter((r) => r.status === 200).length <= 5);
      const body = await expectError(limited[0]!, 429, 'RateLimited');
      assert.match(body.message, /5 requests per second/);
      assert.match(limited[0]!.headers.get('retry-after') ?? '', /^\d+$/);
      const health = await Promise.all(Array.from({ length: 20 }, () => fetch(`${node.url}/health`)));
      assert.ok(health.every((r) => r.status === 200));
    } finally {
      await node.stop();
    }
  });

  it('can be switched off', async () => {
    const node = await startNode({ env: { DCHAT_RATE_LIMIT_ENABLED: 'false', DCHAT_RATE_LIMIT_REQUESTS_PER_SECOND: '1' } });
    try {
      const responses = await Promise.all(Array.from({ length: 10 }, () => node.api('/api/identities')));
      assert.ok(responses.every((r) => r.status === 200));
    } finally {
      await node.stop();
    }
  });
});

describe('CORS allow-list', () => {
  it('answers allowed origins only', async () => {
    const node = await startNode({ env: { CORS_ALLOWED_ORIGINS: 'https://app.dchat.dev' } });
    try {
      const preflight = (origin: string) =>
        fetch(`${node.url}/api/messages/send`, {
          method: 'OPTIONS',
          headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' },
        });
      const allowed = await preflight('https://app.dchat.dev');
      assert.equal(allowed.status, 204);
      assert.equal(allowed.headers.get('access-control-allow-origin'), 'https://app.dchat.dev');
      const denied = await preflight('https://evil.example');
      assert.equal(denied.headers.get('access-control-allow-origin'), null);
    } finally {
      await node.stop();
    }
  });
});
