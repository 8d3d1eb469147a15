import fs from 'node:fs';
import type { Browser, Page } from '@playwright/test';
import { relayFigures, startRelay, startUser, waitFor, type RelayNode } from '../../node-core/test/helpers/p2p-net.ts';
import type { RunningNode } from '../../node-core/test/helpers/spawn-node.ts';
import { expect, onboard, openUi, screenshot, stopAll, test as base } from './fixtures.ts';

/**
 * Two people, each on their own headless node and in their own browser, with a relay between
 * them: they sign up, exchange invites, chat both ways, send files (picked and dropped) and open
 * them, and one goes offline and catches up through the relay when back.
 */

// A 2×2 PNG (red, green / blue, white), so "opened" can be checked by the decoded size.
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAFklEQVR4nGP4z8DAwMDAxMDAwMDAAAANHQEDasKb6QAAAABJRU5ErkJggg==',
  'base64',
);

async function newUserPage(browser: Browser): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  await context.addInitScript(() => localStorage.setItem('dchat.preferences', JSON.stringify({ language: 'en', theme: 'light', reducedMotion: true, textSize: 100 })));
  return context.newPage();
}

async function myInvite(page: Page): Promise<string> {
  await page.getByRole('button', { name: 'Add contact' }).first().click();
  const mine = page.locator('#my-invite');
  await expect(mine).not.toHaveValue('');
  const invite = await mine.inputValue();
  await page.keyboard.press('Escape');
  return invite;
}

async function addByInvite(page: Page, invite: string): Promise<void> {
  await page.getByRole('button', { name: 'Add contact' }).first().click();
  await page.locator('#invite-input').fill(invite);
  await page.locator('dialog[open] form button[type=submit]').click();
  await expect(page.locator('dialog[open]')).toHaveCount(0);
}

async function sendText(page: Page, text: string): Promise<void> {
  await page.locator('#composer-input').fill(text);
  await page.keyboard.press('Enter');
  await expect(page.locator('.message.mine .message-text', { hasText: text })).toBeVisible();
}

interface Net {
  readonly relay: RelayNode;
  readonly a: RunningNode;
  /** B is stopped and started again by the test; the fixture stops whichever B is running last. */
  b: RunningNode;
}

const test = base.extend<object, { net: Net }>({
  net: [
    // eslint-disable-next-line no-empty-pattern -- Playwright fixtures take their dependencies as a destructured first argument.
    async ({}, use) => {
      const relay = await startRelay();
      const net: Net = { relay, a: await startUser(relay), b: await startUser(relay) };
      await use(net);
      await stopAll(net.a, net.b, relay);
    },
    { scope: 'worker', timeout: 60_000 },
  ],
});

test.describe('two users, two nodes, one relay', () => {
  test('sign up, exchange invites, chat, send files, catch up through the relay', async ({ browser, net }) => {
    test.setTimeout(180_000);
    const { relay, a } = net;
    let b = net.b;
    const pageA = await newUserPage(browser);
    const pageB = await newUserPage(browser);

    // Sign up, each in their own browser.
    await openUi(pageA, a);
    await expect(pageA.locator('#username')).toBeVisible();
    await screenshot(pageA, 'two-users-a-onboarding');
    await onboard(pageA, 'alice', 'Alice');
    await openUi(pageB, b);
    await onboard(pageB, 'bob', 'Bob');
    await screenshot(pageB, 'two-users-b-empty-chats');

    // Exchange invites: each adds the other (the second add finds the chat the first made).
    const inviteB = await myInvite(pageB);
    const inviteA = await myInvite(pageA);
    await addByInvite(pageA, inviteB);
    await expect(pageA.locator('.conversation-header h1')).toHaveText('Bob');
    await addByInvite(pageB, inviteA);
    await expect(pageB.locator('.conversation-header h1')).toHaveText('Alice');
    await expect(pageA.locator('.chat-item')).toHaveCount(1);
    await expect(pageB.locator('.chat-item')).toHaveCount(1);

    // Chat both ways.
    await sendText(pageA, 'Hi Bob! Lunch on Friday?');
    await expect(pageB.locator('.message:not(.mine) .message-text')).toHaveText(['Hi Bob! Lunch on Friday?']);
    await sendText(pageB, 'Sounds good, see you at noon.');
    await expect(pageA.locator('.message:not(.mine) .message-text')).toHaveText(['Sounds good, see you at noon.']);
    await expect(pageA.locator('.message.mine .status').first()).toHaveText(/Delivered|Read/);
    await screenshot(pageA, 'two-users-a-chat');
    await screenshot(pageB, 'two-users-b-chat');

    // Files: A picks an image and drops a text file; B opens both.
    await pageA.locator('input[type=file]').setInputFiles({ name: 'map.png', mimeType: 'image/png', buffer: PNG });
    const dropped = await pageA.evaluateHandle(() => {
      const transfer = new DataTransfer();
      transfer.items.add(new File(['address: 1 Main Street\n'], 'address.txt', { type: 'text/plain' }));
      return transfer;
    });
    await pageA.locator('.conversation').dispatchEvent('drop', { dataTransfer: dropped });
    await expect(pageA.locator('.pending-files li')).toHaveCount(2);
    await screenshot(pageA, 'two-users-a-attachments-pending');
    await pageA.locator('#composer-input').fill('The map and the address');
    await pageA.getByRole('button', { name: 'Send', exact: true }).click();
    await expect(pageA.locator('.pending-files')).toHaveCount(0);

    const incoming = pageB.locator('.message:not(.mine)', { hasText: 'The map and the address' });
    await expect(incoming.locator('.attachment')).toHaveCount(2);
    await incoming.getByRole('button', { name: 'Show image' }).click({ timeout: 30_000 });
    const image = incoming.locator('img.attachment-image');
    await expect(image).toBeVisible();
    expect(await image.evaluate((img: HTMLImageElement) => [img.naturalWidth, img.naturalHeight])).toEqual([2, 2]);
    const [download] = await Promise.all([pageB.waitForEvent('download'), incoming.getByRole('button', { name: 'Save file' }).click()]);
    expect(download.suggestedFilename()).toBe('address.txt');
    expect(fs.readFileSync(await download.path(), 'utf8')).toBe('address: 1 Main Street\n');
    await screenshot(pageB, 'two-users-b-attachments-opened');

    // B goes offline; A writes; the relay holds it; B comes back and reads it.
    await b.stop();
    await expect(pageB.locator('.connection.offline')).toBeVisible();
    await screenshot(pageB, 'two-users-b-offline');
    await sendText(pageA, 'Running 10 minutes late, sorry!');
    await waitFor('the relay to hold the message', async () => (await relayFigures(relay)).messages_held > 0, 30_000);
    await screenshot(pageA, 'two-users-a-sent-while-b-offline');

    b = net.b = await startUser(relay, { dataDir: b.dataDir });
    await openUi(pageB, b);
    await pageB.locator('.chat-item').first().click();
    await expect(pageB.locator('.message:not(.mine) .message-text', { hasText: 'Running 10 minutes late, sorry!' })).toBeVisible({ timeout: 30_000 });
    await expect(pageA.locator('.message.mine', { hasText: 'Running 10 minutes late' }).locator('.status')).toHaveText(/Delivered|Read/, { timeout: 30_000 });
    await screenshot(pageB, 'two-users-b-caught-up');

    // Every other screen, for the record.
    for (const [page, who] of [[pageA, 'a'], [pageB, 'b']] as const) {
      for (const [index, name] of ['contacts', 'relay', 'status', 'settings'].entries()) {
        await page.getByRole('navigation').getByRole('button').nth(index + 1).click();
        await expect(page.locator('main h1')).toBeVisible();
        await screenshot(page, `two-users-${who}-${name}`);
      }
    }
  });
});
