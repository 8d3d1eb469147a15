import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium } from '@playwright/test';
import { startNode, type RunningNode } from '../../node-core/test/helpers/spawn-node.ts';
import { CHROMIUM, CHROMIUM_ARGS } from '../playwright.config.ts';
import { expect, stopAll, test as base } from './fixtures.ts';

/**
 * A page on another origin, in the user's own browser, tries everything that once worked
 * against a node on 127.0.0.1 (encoded paths past the token check, the event stream without a
 * token, writes without preflight) and a DNS-rebinding page under a foreign name. It must read
 * nothing and change nothing.
 */

interface Attempt {
  readonly what: string;
  readonly outcome: string;
}

/** What the attacker's page runs: every attempt, each reported as what came back. */
function attackerPage(nodeOrigin: string): string {
  const wsOrigin = nodeOrigin.replace(/^http/, 'ws');
  return `<!doctype html><meta charset="utf-8"><title>attacker</title><script>
  const results = [];
  const record = (what, outcome) => results.push({ what, outcome });
  const tryFetch = async (what, path, init) => {
    try {
      const res = await fetch('${nodeOrigin}' + path, init);
      let body = '';
      try { body = await res.text(); } catch (e) { body = 'unreadable'; }
      record(what, 'read ' + res.status + ' ' + body.slice(0, 80));
    } catch (e) { record(what, 'refused'); }
  };
  const tryWs = (what, path) => new Promise((resolve) => {
    const received = [];
    let ws;
    try { ws = new WebSocket('${wsOrigin}' + path); } catch (e) { record(what, 'refused'); return resolve(); }
    ws.onmessage = (m) => received.push(String(m.data).slice(0, 80));
    let settled = false;
    const done = (how) => { if (settled) return; settled = true; record(what, received.length ? 'received ' + received.join(' | ') : how); resolve(); };
    ws.onerror = () => done('refused');
    ws.onclose = () => done('refused');
    setTimeout(() => { try { ws.close(); } catch (e) {} done(received.length ? 'received' : 'silent'); }, 3000);
  });
  window.attack = async () => {
    await tryFetch('GET /%61pi/identities', '/%61pi/identities');
    await tryFetch('GET /st%61tus', '/st%61tus');
    await tryFetch('GET /%70eers', '/%70eers');
    await tryFetch('GET /%2561pi/identities', '/%2561pi/identities');
    await tryFetch('no-cors POST /%61pi/messages/send', '/%61pi/messages/send', { method: 'POST', mode: 'no-cors', headers: { 'content-type': 'text/plain' }, body: JSON.stringify({ chat_id: 'victim', text: 'written by the attacker' }) });
    await tryFetch('no-cors POST /api/chats', '/api/chats', { method: 'POST', mode: 'no-cors', headers: { 'content-type': 'text/plain' }, body: JSON.stringify({ chat_id: 'attacker-chat' }) });
    await Promise.all([
      tryWs('WebSocket /%61pi/events', '/%61pi/events'),
      tryWs('WebSocket /api/events', '/api/events'),
      tryWs('WebSocket /api/events?access_token=guess', '/api/events?access_token=guess'),
    ]);
    return results;
  };
</script>`;
}

interface Setup {
  readonly node: RunningNode;
  readonly attackerUrl: string;
}

const test = base.extend<object, { setup: Setup }>({
  setup: [
    // eslint-disable-next-line no-empty-pattern -- Playwright fixtures take their dependencies as a destructured first argument.
    async ({}, use) => {
      const node = await startNode({ env: { DCHAT_P2P_ENABLED: 'false' } });
      const attacker = http.createServer((_req, res) => {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        res.end(attackerPage(node.url));
      });
      await new Promise<void>((resolve) => attacker.listen(0, '127.0.0.1', resolve));
      const attackerUrl = `http://127.0.0.1:${(attacker.address() as AddressInfo).port}/`;
      await use({ node, attackerUrl });
      attacker.close();
      await stopAll(node);
    },
    { scope: 'worker' },
  ],
});

test('a page of another origin reads nothing, hears nothing and writes nothing', async ({ page, setup }) => {
  const { node } = setup;
  expect((await node.api('/api/identities', { json: { username: 'victim', display_name: 'Victim' } })).status).toBe(201);
  expect((await node.api('/api/chats', { json: { chat_id: 'victim' } })).status).toBe(201);
  expect((await node.api('/api/messages/send', { json: { chat_id: 'victim', text: 'a secret between us' } })).status).toBe(201);
  await page.goto(setup.attackerUrl);
  // While the attack runs, the victim chats: an open event stream would carry this.
  const chatter = setInterval(() => void node.api('/api/messages/send', { json: { chat_id: 'victim', text: 'a secret between us' } }), 200);
  let results: Attempt[];
  try {
    results = await page.evaluate(() => (window as unknown as { attack(): Promise<Attempt[]> }).attack());
  } finally {
    clearInterval(chatter);
  }
  console.log(results.map((r) => `${r.what}: ${r.outcome}`).join('\n'));
  expect(results).toHaveLength(9);
  for (const r of results) {
    expect(r.outcome, r.what).not.toMatch(/^read 2|^received|secret|victim/);
  }
  const texts = ((await (await node.api('/api/messages?chat_id=victim')).json()) as { messages: Array<{ text: string }> }).messages.map((m) => m.text);
  expect(texts.length).toBeGreaterThan(0);
  expect(texts).not.toContain('written by the attacker');
  expect((await node.api('/api/chats/attacker-chat')).status).toBe(404);
});

test('a DNS-rebinding name is refused, and the UI may talk to its own node only', async ({ setup }) => {
  const { node } = setup;
  const port = new URL(node.url).port;
  // The attacker's name resolves to the node's address, as after a rebinding.
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: [...CHROMIUM_ARGS, '--host-resolver-rules=MAP rebind.evil.test 127.0.0.1'] });
  try {
    const page = await browser.newPage();
    const ui = await page.goto(`http://rebind.evil.test:${port}/`);
    expect(ui?.status()).toBe(403);
    const api = await page.evaluate(async (token) => {
      const res = await fetch('/api/identities', { headers: { authorization: `Bearer ${token}` } });
      return { status: res.status, body: await res.text() };
    }, node.token);
    expect(api.status).toBe(403);
    expect(api.body).toContain('HostNotAllowed');

    const own = await page.goto(`${node.url}/`);
    expect(own?.status()).toBe(200);
    const csp = own?.headers()['content-security-policy'] ?? '';
    expect(csp).toContain("connect-src 'self';");
    expect(csp).not.toMatch(/connect-src[^;]*\bwss?:/);
    // The CSP stops the UI's page from reaching any other host, even a loopback one.
    const elsewhere = await page.evaluate(async () => {
      try {
        await fetch('http://127.0.0.2:9/');
        return 'reached';
      } catch {
        return 'blocked';
      }
    });
    expect(elsewhere).toBe('blocked');
  } finally {
    await browser.close();
  }
});
