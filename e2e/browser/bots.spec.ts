import type { Page } from '@playwright/test';
import { createIdentity, json, startUser } from '../../node-core/test/helpers/p2p-net.ts';
import type { RunningNode } from '../../node-core/test/helpers/spawn-node.ts';
import { auditLog, expect, openUi, stopAll, test as base } from './fixtures.ts';
import { layoutProblems, zoomedViewport } from './layout-checks.ts';
import { usePreferences } from './scenes.ts';

/**
 * The Bots screen against a real headless node, by keyboard only: create a bot, take its token
 * from the dialog and call the node's Bot API with it over HTTP; rotate (the old token answers
 * 401) and delete (gone, 401). axe on the screen and every dialog at 100/200/400 % zoom in one
 * page session (cheaper than adding the screen to the accessibility/reflow loops), and the
 * list in each theme, right to left.
 */

const test = base.extend<object, { node: RunningNode }>({
  node: [
    // eslint-disable-next-line no-empty-pattern -- Playwright fixtures take their dependencies as a destructured first argument.
    async ({}, use) => {
      // Webhooks to this machine are allowed, so the list can show a bot's webhook (the node refuses private addresses otherwise).
      const node = await startUser(null, { env: { DCHAT_BOTS_WEBHOOK_ALLOW_HOSTS: '127.0.0.1' } });
      await createIdentity(node, 'alice');
      await use(node);
      await stopAll(node);
    },
    { scope: 'worker', timeout: 60_000 },
  ],
});

const ZOOMS = [100, 200, 400] as const;

/** getMe with a token, over real HTTP: the status and the bot's username when it answered ok. */
async function getMe(node: RunningNode, token: string): Promise<{ status: number; username?: string }> {
  const res = await fetch(`${node.url}/bot${token}/getMe`);
  const body = (await res.json()) as { ok: boolean; result?: { username: string } };
  return { status: res.status, username: body.ok ? body.result?.username : undefined };
}

/** Presses Tab until the focused element's accessible text is `name` (the mouse is never used). */
async function tabTo(page: Page, name: string | RegExp): Promise<void> {
  for (let i = 0; i < 40; i++) {
    await page.keyboard.press('Tab');
    const text = await page.evaluate(() => (document.activeElement?.textContent ?? '').trim());
    if (typeof name === 'string' ? text === name : name.test(text)) return;
  }
  throw new Error(`Tab never reached "${String(name)}"`);
}

async function auditAtZooms(page: Page, log: ReturnType<typeof auditLog>, name: string): Promise<void> {
  for (const zoom of ZOOMS) {
    await page.setViewportSize(zoomedViewport(zoom));
    await log.check(`bots/${name}@${zoom}`);
    expect(await layoutProblems(page, `bots/${name}@${zoom}`)).toEqual([]);
  }
  await page.setViewportSize(zoomedViewport(100));
}

test('bots: create, rotate and delete by keyboard; the tokens work against the Bot API', async ({ page, context, node }) => {
  test.setTimeout(180_000);
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  const log = auditLog(page);
  await openUi(page, node);
  await expect(page.getByRole('heading', { name: 'Chats', level: 1 })).toBeVisible();
  await page.keyboard.press('Alt+6');
  await expect(page.getByRole('heading', { name: 'Bots', level: 1 })).toBeVisible();
  await expect(page.getByText('This node hosts no bots yet.')).toBeVisible();
  await auditAtZooms(page, log, 'empty');

  // A username the schema refuses: the error is next to the field and read out (role=alert).
  await tabTo(page, 'Create a bot');
  await page.keyboard.press('Enter');
  const create = page.getByRole('dialog', { name: 'Create a bot' });
  await expect(create.getByLabel('Username')).toBeFocused();
  await page.keyboard.type('weather');
  await page.keyboard.press('Tab');
  await expect(create.getByLabel('Display name')).toBeFocused();
  await page.keyboard.type('Weather');
  await page.keyboard.press('Enter');
  await expect(create.getByRole('alert')).toHaveText('A bot’s username must end in “bot”.');
  await expect(create.getByLabel('Username')).toHaveAttribute('aria-invalid', 'true');
  await auditAtZooms(page, log, 'create-invalid');

  await page.keyboard.press('Shift+Tab');
  await expect(create.getByLabel('Username')).toBeFocused();
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.type('weather_bot');
  await page.keyboard.press('Enter');
  const created = page.getByRole('dialog', { name: 'Bot @weather_bot created' });
  await expect(created).toBeVisible();
  await expect(created.getByText('This token is shown only now and never again.', { exact: false })).toBeVisible();
  const token = await created.getByLabel('Token', { exact: true }).inputValue();
  expect(token).toMatch(/^\d+:[A-Za-z0-9_-]{30,}$/);
  expect(await created.getByLabel('Bot API address').inputValue()).toBe(`${new URL(page.url()).origin}/bot${token}/`);
  expect(await getMe(node, token)).toEqual({ status: 200, username: 'weather_bot' });
  await tabTo(page, 'Copy Token');
  await page.keyboard.press('Enter');
  await expect(page.locator('#announcer')).toHaveText('Token copied.');
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(token);
  await auditAtZooms(page, log, 'created');
  await page.keyboard.press('Escape');
  await expect(created).toBeHidden();
  await expect(page.getByRole('button', { name: 'Create a bot' })).toBeFocused();
  const card = page.getByRole('listitem').filter({ has: page.getByRole('heading', { name: /@weather_bot/ }) });
  await expect(card).toContainText('Long polling');
  await expect(card).toContainText('0 updates');
  await auditAtZooms(page, log, 'list');

  // Taken: the same username again is refused next to its field.
  await page.keyboard.press('Enter');
  await page.keyboard.type('weather_bot');
  await page.keyboard.press('Tab');
  await page.keyboard.type('Again');
  await page.keyboard.press('Enter');
  await expect(create.getByRole('alert')).toHaveText('The username “weather_bot” is already taken on this node.');
  await page.keyboard.press('Escape');
  await expect(create).toBeHidden();

  // Rotate: the old token stops at once, the new one works.
  await tabTo(page, 'Rotate token');
  await page.keyboard.press('Enter');
  const confirmRotate = page.getByRole('dialog', { name: 'Rotate the token of @weather_bot?' });
  await expect(confirmRotate).toContainText('The old token stops working at once');
  await expect(confirmRotate.getByRole('button', { name: 'Cancel' })).toBeFocused();
  await auditAtZooms(page, log, 'rotate-confirm');
  await page.keyboard.press('Tab');
  await page.keyboard.press('Enter');
  const rotated = page.getByRole('dialog', { name: 'New token for @weather_bot' });
  await expect(rotated).toBeVisible();
  const newToken = await rotated.getByLabel('Token', { exact: true }).inputValue();
  expect(newToken).not.toBe(token);
  expect((await getMe(node, token)).status).toBe(401);
  expect(await getMe(node, newToken)).toEqual({ status: 200, username: 'weather_bot' });
  await auditAtZooms(page, log, 'rotated');
  await page.keyboard.press('Escape');
  await expect(page.getByRole('button', { name: 'Rotate token' })).toBeFocused();

  // Delete: gone from the list, and its token answers 401.
  await tabTo(page, 'Delete');
  await page.keyboard.press('Enter');
  const confirmDelete = page.getByRole('dialog', { name: 'Delete @weather_bot?' });
  await expect(confirmDelete).toBeVisible();
  await auditAtZooms(page, log, 'delete-confirm');
  await page.keyboard.press('Tab');
  await page.keyboard.press('Enter');
  await expect(confirmDelete).toBeHidden();
  await expect(card).toHaveCount(0);
  await expect(page.getByText('This node hosts no bots yet.')).toBeVisible();
  await expect(page.locator('#announcer')).toHaveText('Bot @weather_bot deleted.');
  expect((await getMe(node, newToken)).status).toBe(401);
  log.finish();
});

test('bots: the list in every theme, right to left', async ({ page, node }) => {
  test.setTimeout(120_000);
  const { token } = await json<{ token: string }>(node.api('/api/bots/create', { json: { username: 'themes_bot', name: 'روبوت الألوان' } }));
  const hook = await fetch(`${node.url}/bot${token}/setWebhook`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ url: 'http://127.0.0.1:9/hook' }) });
  expect(await hook.json()).toMatchObject({ ok: true });
  for (const theme of ['light', 'dark', 'high-contrast'] as const) {
    const log = auditLog(page);
    await usePreferences(page, 'ar', theme);
    await openUi(page, node);
    await expect(page.locator('html')).toHaveAttribute('data-theme', theme);
    // The theme is set before the shell mounts; Alt+6 is only heard once the shell (its nav) is there.
    await expect(page.locator('nav')).toBeVisible();
    await page.keyboard.press('Alt+6');
    await expect(page.getByRole('heading', { name: 'الروبوتات', level: 1 })).toBeVisible();
    await expect(page.getByRole('heading', { name: /@themes_bot/ })).toBeVisible();
    await expect(page.locator('.bot-card')).toContainText('http://127.0.0.1:9/hook');
    await log.check(`bots/ar-${theme}@100`);
    await page.setViewportSize(zoomedViewport(400));
    await log.check(`bots/ar-${theme}@400`);
    await page.setViewportSize(zoomedViewport(100));
    log.finish();
  }
});
