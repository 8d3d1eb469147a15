import QRCode from 'qrcode';
import type { NodeStatus } from '../../node-core/api/contract.ts';
import { createIdentity, json } from '../../node-core/test/helpers/p2p-net.ts';
import { startNode } from '../../node-core/test/helpers/spawn-node.ts';
import { expect, openUi, screenshot, stopAll } from './fixtures.ts';
import { test, usePreferences } from './scenes.ts';

/** The first hour's stumbles, mended: each test is one of them, in the UI against real nodes. */

test.describe('the first hour', () => {
  test('the header tells the link to this node apart from the peers it is connected to', async ({ page, chats, defer }) => {
    const { a } = chats;
    await usePreferences(page, 'en', 'light');
    await openUi(page, a);
    await expect(page.locator('.connection.online')).toHaveText('Connected to this node');
    // The peer count is the node's own (GET /status), not the UI's link.
    await expect
      .poll(async () => {
        const status = await json<NodeStatus>(a.api('/status'));
        const shown = await page.locator('.peer-count').textContent();
        return shown === `Connected to ${status.peers.connected} ${status.peers.connected === 1 ? 'peer' : 'peers'}` && status.peers.connected > 0;
      })
      .toBe(true);
    await screenshot(page, 'header-connected');

    // A node without networking says so; once the UI loses its node, only that is said.
    const alone = await startNode({ env: { DCHAT_P2P_ENABLED: 'false', DCHAT_RATE_LIMIT_ENABLED: 'false' } });
    defer(() => stopAll(alone));
    await createIdentity(alone, 'dana');
    await openUi(page, alone);
    await expect(page.locator('.connection.online')).toHaveText('Connected to this node');
    await expect(page.locator('.peer-count')).toHaveText('Peer-to-peer networking is off');
    await stopAll(alone);
    await expect(page.locator('.connection.offline')).toHaveText('Not connected to this node');
    await expect(page.locator('.peer-count')).toHaveCount(0);
  });

  test('your own invite is on the Contacts page: the link, a copy button and a QR code of it', async ({ page, chats }) => {
    const { a } = chats;
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
    await usePreferences(page, 'en', 'light');
    await openUi(page, a);
    await page.getByRole('navigation').getByRole('button', { name: 'Contacts' }).click();
    const { link } = await json<{ link: string }>(a.api('/api/invite'));
    expect(link).toMatch(/^dchat:\/\/invite\//);
    const field = page.getByLabel('Your invite link', { exact: true });
    await expect(field).toHaveValue(link);
    // The QR code has a text alternative and encodes exactly that link (drawn again here with the same library).
    const qr = page.getByRole('img', { name: /QR code of your invite link/ });
    await expect(qr).toBeVisible();
    const { modules } = QRCode.create(link, { errorCorrectionLevel: 'L' });
    let expected = '';
    for (let row = 0; row < modules.size; row++) for (let col = 0; col < modules.size; col++) if (modules.get(row, col)) expected += `M${col + 4} ${row + 4}h1v1h-1z`;
    expect(await qr.locator('path').getAttribute('d')).toBe(expected);
    expect(await qr.getAttribute('viewBox')).toBe(`0 0 ${modules.size + 8} ${modules.size + 8}`);
    // Copy: the clipboard holds the link and the page says so.
    await page.getByRole('button', { name: 'Copy your invite' }).click();
    await expect(page.getByRole('status').filter({ hasText: 'Copied.' })).toBeVisible();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(link);
    await screenshot(page, 'contacts-invite');
  });
});
