import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { _electron as electron, expect, test, type ElectronApplication } from '@playwright/test';
import { addContact, createIdentity, json, messages, send, sendAndWait, startRelay, startUser, waitFor, type RelayNode } from '../../node-core/test/helpers/p2p-net.ts';
import { apiFetch, killAllNodes, REPO_ROOT, tempDir, type RunningNode } from '../../node-core/test/helpers/spawn-node.ts';

/**
 * The desktop app itself, through Playwright's Electron driver: the window over the embedded
 * node, messages both ways over IPC, and `--headless`. Needs Electron's binary, which npm
 * downloads in electron's install script; where that is not possible the tests say so and skip.
 */

/** Where the electron package keeps its binary, found without require('electron') (which would try to download it). */
function electronBinary(): { path: string } | { missing: string } {
  let dir: string;
  try {
    dir = path.dirname(createRequire(import.meta.url).resolve('electron/package.json'));
  } catch {
    return { missing: 'the electron package is not installed' };
  }
  const pathFile = path.join(dir, 'path.txt');
  const relative = fs.existsSync(pathFile) ? fs.readFileSync(pathFile, 'utf8').trim() : 'electron';
  const distDir = process.env.ELECTRON_OVERRIDE_DIST_PATH ?? path.join(dir, 'dist');
  const binary = path.join(distDir, relative);
  return fs.existsSync(binary) ? { path: binary } : { missing: `${path.relative(REPO_ROOT, binary)} does not exist` };
}
const binary = electronBinary();
const SKIP_REASON =
  'missing' in binary
    ? `no Electron binary (${binary.missing}); npm could not download it here (no internet but the registry). Where the internet is reachable: npx install-electron`
    : '';
const MAIN = path.join(REPO_ROOT, 'dist', 'electron', 'main.mjs');

test.describe('the Electron app', () => {
  test.beforeAll(() => {
    if (SKIP_REASON) console.log(`skipping Electron tests: ${SKIP_REASON}`);
    test.skip(Boolean(SKIP_REASON), SKIP_REASON);
    if (!fs.existsSync(MAIN)) throw new Error('the Electron bundle is not built: run npm run build first');
  });
  test.afterAll(async () => killAllNodes());

  let relay: RelayNode;
  let peer: RunningNode;
  test.beforeAll(async () => {
    relay = await startRelay();
    peer = await startUser(relay);
    await createIdentity(peer, 'bob');
  });
  test.afterAll(async () => {
    await Promise.all([peer?.stop(), relay?.stop()]);
  });

  const launch = (dataDir: string, extra: string[] = []): Promise<ElectronApplication> =>
    electron.launch({
      executablePath: (binary as { path: string }).path,
      args: [REPO_ROOT, '--data-dir', dataDir, ...extra],
      env: { ...process.env, DCHAT_HOME_RELAYS: relay.relayAddress, DCHAT_P2P_HOST: '127.0.0.1', DCHAT_P2P_PORT: '0', DCHAT_P2P_WS_PORT: '0', DCHAT_API_PORT: '0', ELECTRON_DISABLE_SECURITY_WARNINGS: 'true' },
    });

  test('starts, is locked down, and chats over IPC', async () => {
    const app = await launch(tempDir('dchat-electron-'));
    try {
      const win = await app.firstWindow();
      await expect(win.locator('#username')).toBeVisible();

      // The page has the typed bridge and nothing of Node or Electron.
      const page = await win.evaluate(() => ({
        bridge: typeof (window as unknown as { dchat?: { call?: unknown } }).dchat?.call,
        require: typeof (window as unknown as { require?: unknown }).require,
        process: typeof (window as unknown as { process?: unknown }).process,
      }));
      expect(page).toEqual({ bridge: 'function', require: 'undefined', process: 'undefined' });
      // New windows and navigation away are refused. A window would open asynchronously, so
      // listen for one over a while rather than counting windows in the same tick as the call.
      // (http:, so the main process refuses it outright; https: links ask to open the browser.)
      const windowOpened = app.waitForEvent('window', { timeout: 3000 }).then(
        (w) => `a window opened at ${w.url()}`,
        () => null,
      );
      const handle = await win.evaluate(() => window.open('http://example.org/') === null);
      expect(await windowOpened, 'window.open must not open a window').toBeNull();
      expect(handle, 'window.open returns null when refused').toBe(true);
      expect(await app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows().length)).toBe(1);
      const appUrl = win.url();
      const navigated = win.waitForEvent('framenavigated', { timeout: 3000 }).then(
        (frame) => (frame === win.mainFrame() ? `the window navigated to ${frame.url()}` : null),
        () => null,
      );
      await win.evaluate(() => {
        window.location.href = 'https://example.org/';
      });
      expect(await navigated, 'navigation away must be refused').toBeNull();
      expect(win.url()).toBe(appUrl);
      await expect(win.locator('#username')).toBeVisible();

      await win.locator('#username').fill('alice');
      await win.locator('#publish-username').uncheck();
      await win.locator('form button[type=submit]').click();
      await win.locator('form button[type=submit]').click();
      await expect(win.getByRole('heading', { name: 'Chats', level: 1 })).toBeVisible();

      const { invite } = await json<{ invite: string }>(peer.api('/api/invite'));
      await win.getByRole('button', { name: 'Add contact' }).first().click();
      await win.locator('#invite-input').fill(invite);
      await win.locator('dialog[open] form button[type=submit]').click();
      await win.locator('#composer-input').fill('Hello from the desktop app');
      await win.keyboard.press('Enter');
      const chat = await waitFor('the peer to get it', async () => {
        const chats = await json<{ chats: Array<{ chat_id: string; kind: string }> }>(peer.api('/api/chats'));
        const direct = chats.chats.find((c) => c.kind === 'direct');
        return direct && (await messages(peer, direct.chat_id)).some((m) => m.text === 'Hello from the desktop app') && direct.chat_id;
      });
      await send(peer, chat, 'Hello back, over the network and IPC');
      await expect(win.locator('.message:not(.mine) .message-text')).toHaveText(['Hello back, over the network and IPC']);
    } finally {
      await app.close();
    }
  });

  test('--headless runs the node with its HTTP API and no window', async () => {
    const dataDir = tempDir('dchat-electron-headless-');
    const app = await launch(dataDir, ['--headless']);
    try {
      const lines: string[] = [];
      app.process().stdout?.on('data', (d: Buffer) => lines.push(...d.toString().split('\n')));
      const ready: { api?: string } = await waitFor('the ready line', async () => lines.map((l) => { try { return JSON.parse(l) as { msg?: string; api?: string }; } catch { return null; } }).find((e) => e?.msg?.includes('ready')) ?? undefined, 30_000);
      expect(await app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows().length)).toBe(0);
      const token = fs.readFileSync(path.join(dataDir, 'api-token'), 'utf8').trim();
      const health = await fetch(`${ready.api}/health`);
      expect(health.status).toBe(200);
      const other = await startUser(relay);
      try {
        await createIdentity(other, 'carol');
        const node = { api: apiFetch(ready.api!, token) };
        const created = await node.api('/api/identities', { json: { username: 'dave' } });
        expect(created.status).toBe(201);
        const chat = await addContact(node, other);
        await sendAndWait(node, other, chat, 'from a headless Electron');
      } finally {
        await other.stop();
      }
    } finally {
      await app.close();
    }
  });
});
