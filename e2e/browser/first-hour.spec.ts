import QRCode from 'qrcode';
import type { NodeStatus } from '../../node-core/api/contract.ts';
import { createIdentity, json, send, startRelay, startUser, waitRelayConnected } from '../../node-core/test/helpers/p2p-net.ts';
import { startNode } from '../../node-core/test/helpers/spawn-node.ts';
import { auditLog, expect, openUi, screenshot, stopAll } from './fixtures.ts';
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

  test("onboarding's relay step says what a relay is, that it may be skipped and how to get one, and takes a relay's invite", async ({ page, chats, defer }) => {
    const { relay } = chats;
    // A second relay, whose operator hands out its invite (the invite of the relay node's identity).
    const other = await startRelay();
    defer(() => stopAll(other));
    await createIdentity(other, 'relayop');
    const { link } = await json<{ link: string }>(other.api('/api/invite'));
    const fresh = await startUser(relay);
    defer(() => stopAll(fresh));
    await usePreferences(page, 'en', 'light');
    await openUi(page, fresh);
    await page.locator('#username').fill('erin');
    await page.locator('#publish-username').uncheck();
    await page.locator('form button[type=submit]').click();
    // Focus goes to the step's heading, so it is read from the start.
    await expect(page.getByRole('heading', { name: 'Choose your relays' })).toBeFocused();
    const step = page.locator('form.card');
    await expect(step).toContainText('A relay is a dchat node that stays online');
    await expect(step).toContainText('This step is optional');
    await expect(step).toContainText('ask someone who runs a relay for its address');
    await expect(step).toContainText('dchat://invite/');
    // The relay this node is set up with (relay.home_relays) is offered, chosen.
    await expect(page.locator('#offered-relay-0')).toBeChecked();
    await expect(page.locator('label[for="offered-relay-0"]')).toHaveText(relay.relayAddress);
    const audits = auditLog(page);
    await audits.check('onboarding-relays-offered');
    // Neither an address nor an invite: said so, nothing saved.
    await page.locator('#relays').fill('not-a-relay');
    await page.getByRole('button', { name: 'Continue' }).click();
    await expect(page.locator('.field-error')).toHaveText('“not-a-relay” is neither a relay address (…/p2p/…) nor an invite.');
    await audits.check('onboarding-relays-error');
    audits.finish();
    // The relay's invite gives its address; both relays are chosen and the node reaches both.
    await page.locator('#relays').fill(link);
    await page.getByRole('button', { name: 'Continue' }).click();
    await expect(page.getByRole('heading', { name: 'Chats', level: 1 })).toBeVisible();
    const chosen = await json<{ relays: Array<{ peer_id: string; addresses: string[] }> }>(fresh.api('/api/relays'));
    expect(chosen.relays.map((r) => r.peer_id).sort()).toEqual([relay.peerId, other.peerId].sort());
    expect(chosen.relays.find((r) => r.peer_id === other.peerId)?.addresses).toEqual([other.relayAddress]);
    await waitRelayConnected(fresh);

    // On a node set up with no relay, the step can be skipped and saves nothing.
    const skipper = await startUser(null);
    defer(() => stopAll(skipper));
    await openUi(page, skipper);
    await page.locator('#username').fill('frank');
    await page.locator('#publish-username').uncheck();
    await page.locator('form button[type=submit]').click();
    await expect(page.getByRole('heading', { name: 'Choose your relays' })).toBeFocused();
    await expect(page.locator('[id^="offered-relay-"]')).toHaveCount(0);
    await expect(page.getByLabel('Relay addresses or invites')).toHaveValue('');
    await page.getByRole('button', { name: 'Skip for now' }).click();
    await expect(page.getByRole('heading', { name: 'Chats', level: 1 })).toBeVisible();
    expect((await json<{ relays: unknown[] }>(skipper.api('/api/relays'))).relays).toEqual([]);
  });

  test('message bubbles fit their content and wrap long text at their maximum width', async ({ page, chats }) => {
    const { a, group } = chats;
    await send(a, group.chat_id, 'Ok');
    const long = 'This message is long enough to need several lines in its bubble, so it has to wrap at the maximum width instead of running off. '.repeat(4).trim();
    await send(a, group.chat_id, long);
    await usePreferences(page, 'en', 'light');
    for (const viewport of [{ width: 1280, height: 800 }, { width: 320, height: 200 }]) {
      await page.setViewportSize(viewport);
      await openUi(page, a);
      await page.locator(`[data-chat-id="${group.chat_id}"]`).click();
      const shortBubble = page.locator('.message', { has: page.locator('.message-text', { hasText: /^Ok$/ }) });
      const longBubble = page.locator('.message', { hasText: 'This message is long enough' });
      await expect(shortBubble).toBeVisible();
      await expect(longBubble).toBeVisible();
      const sizes = await page.evaluate(() => {
        const texts = [...document.querySelectorAll('.message')];
        const box = (el: Element | undefined) => el!.getBoundingClientRect();
        const short = texts.find((m) => m.querySelector('.message-text')?.textContent === 'Ok');
        const long = texts.find((m) => m.textContent?.includes('This message is long enough'));
        const row = long!.closest('.message-row')!;
        const line = parseFloat(getComputedStyle(long!.querySelector('.message-text')!).lineHeight);
        return { short: box(short).width, long: box(long).width, longText: box(long!.querySelector('.message-text')!).height, row: row.getBoundingClientRect().width, line, max: parseFloat(getComputedStyle(long!).maxWidth) };
      });
      const maxWidth = Math.min(40 * 16, 0.9 * sizes.row);
      expect(sizes.long, `long bubble at ${viewport.width} px`).toBeGreaterThan(maxWidth - 2);
      expect(sizes.long, `long bubble at ${viewport.width} px`).toBeLessThan(maxWidth + 2);
      expect(sizes.longText, 'long text wraps').toBeGreaterThan(2.5 * sizes.line);
      expect(sizes.short, `short bubble at ${viewport.width} px is narrow`).toBeLessThan(sizes.long * 0.7);
      await screenshot(page, `bubbles-${viewport.width}`);
    }
  });

  test("the status page's database size includes the write-ahead log", async ({ page, chats }) => {
    const { a } = chats;
    await usePreferences(page, 'en', 'light');
    await openUi(page, a);
    await page.getByRole('navigation').getByRole('button', { name: 'Node' }).click();
    const status = await json<NodeStatus>(a.api('/status'));
    expect(status.store.wal_bytes, 'a node that has written has a write-ahead log').toBeGreaterThan(0);
    const size = page.locator('.figures dt', { hasText: 'Database size' }).locator('xpath=following-sibling::dd[1]');
    await expect(size).toContainText('write-ahead log');
    const text = (await size.textContent()) ?? '';
    const units: Record<string, number> = { byte: 1, bytes: 1, kB: 1024, MB: 1024 ** 2, GB: 1024 ** 3 };
    const figures = [...text.matchAll(/([\d.,]+)\s*(bytes?|kB|MB|GB)/g)].map((m) => parseFloat(m[1]!.replace(/,/g, '')) * units[m[2]!]!);
    expect(figures, text).toHaveLength(3);
    const [total, file, wal] = figures as [number, number, number];
    // Each figure is rounded to a tenth of its unit.
    const slack = (n: number) => 0.06 * (n >= 1024 ** 2 ? 1024 ** 2 : n >= 1024 ? 1024 : 1) + 1;
    expect(Math.abs(total - (file + wal)), text).toBeLessThanOrEqual(slack(total) + slack(file) + slack(wal));
    expect(total, text).toBeGreaterThan(file);
    expect(Math.abs(file - status.store.size_bytes), text).toBeLessThanOrEqual(slack(file) + 0.1 * status.store.size_bytes);
  });
});
