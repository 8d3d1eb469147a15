import type { Page } from '@playwright/test';
import type { GroupInfo } from '../../node-core/api/contract.ts';
import { addContact, createIdentity, json, messages, send, startRelay, startUser, waitFor, type RelayNode } from '../../node-core/test/helpers/p2p-net.ts';
import { startNode, type RunningNode } from '../../node-core/test/helpers/spawn-node.ts';
import { audit, expect, openUi, screenshot, test } from './fixtures.ts';

const VARIANTS = [
  { name: 'en-light', language: 'en', theme: 'light' },
  { name: 'en-dark', language: 'en', theme: 'dark' },
  { name: 'en-high-contrast', language: 'en', theme: 'high-contrast' },
  { name: 'ar-light', language: 'ar', theme: 'light' },
  { name: 'ar-high-contrast', language: 'ar', theme: 'high-contrast' },
] as const;

async function usePreferences(page: Page, language: string, theme: string, textSize = 100) {
  await page.addInitScript(
    ([l, th, size]) => localStorage.setItem('dchat.preferences', JSON.stringify({ language: l, theme: th, reducedMotion: true, textSize: size })),
    [language, theme, textSize] as const,
  );
}

test.describe('accessibility (axe-core, WCAG 2.2 AA)', () => {
  let relay: RelayNode;
  let a: RunningNode;
  let b: RunningNode;
  let group: GroupInfo;
  let directChat: string;

  test.beforeAll(async () => {
    relay = await startRelay();
    a = await startUser(relay);
    b = await startUser(relay);
    await createIdentity(a, 'alice');
    await createIdentity(b, 'bob');
    directChat = await addContact(a, b);
    await send(a, directChat, 'Hello Bob! This is a message with a few words in it.');
    await waitFor('B to get it', async () => (await messages(b, directChat)).length === 1);
    await send(b, directChat, 'Hi Alice, nice to hear from you.');
    await waitFor('A to get the reply', async () => (await messages(a, directChat)).length === 2);
    const file = Buffer.from('%PDF-1.4 a small document');
    const upload = await json<{ id: string }>(a.api('/api/attachments?name=notes.pdf&type=application/pdf', { method: 'POST', body: file, headers: { 'content-type': 'application/octet-stream' } }));
    await send(a, directChat, 'The notes', { attachments: [upload.id] });
    group = await json<GroupInfo>(a.api('/api/groups', { json: { title: 'Book club', members: [(await json<{ identities: Array<{ id: string }> }>(b.api('/api/identities'))).identities[0]!.id] } }));
  });

  test.afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop(), relay?.stop()]);
  });

  for (const variant of VARIANTS) {
    test(`every screen and dialog, ${variant.name}`, async ({ page }) => {
      await usePreferences(page, variant.language, variant.theme);
      const violations: string[] = [];
      const check = async (name: string) => {
        await page.waitForTimeout(150);
        violations.push(...(await audit(page, `${variant.name}/${name}`)));
        await screenshot(page, `${variant.name}-${name}`);
      };
      await openUi(page, a);
      await expect(page.locator('html')).toHaveAttribute('dir', variant.language === 'ar' ? 'rtl' : 'ltr');
      await expect(page.locator('.chat-item').first()).toBeVisible();

      await page.locator(`[data-chat-id="${directChat}"]`).click();
      await expect(page.locator('.message').first()).toBeVisible();
      await check('chat-direct');
      await page.locator(`[data-chat-id="${group.chat_id}"]`).click();
      await check('chat-group');

      const nav = page.getByRole('navigation');
      const navButtons = nav.getByRole('button');
      const dialogs: Array<[string, () => Promise<void>]> = [
        ['dialog-add-contact', () => page.locator('.pane-actions button').first().click()],
        ['dialog-new-group', () => page.locator('.pane-actions button').nth(1).click()],
        ['dialog-group-members', () => page.locator('.conversation-header button').click()],
        ['dialog-shortcuts', () => page.locator('.topbar .icon-button').click()],
      ];
      for (const [name, open] of dialogs) {
        await open();
        await expect(page.locator('dialog[open]')).toBeVisible();
        await check(name);
        await page.keyboard.press('Escape');
        await expect(page.locator('dialog[open]')).toHaveCount(0);
      }
      await page.locator(`[data-chat-id="${directChat}"]`).click();
      await page.locator('.conversation-header button').click();
      await expect(page.locator('.safety-number')).toBeVisible();
      await check('dialog-safety-number');
      await page.keyboard.press('Escape');

      for (const [index, name] of ['contacts', 'relay', 'status', 'settings'].entries()) {
        await navButtons.nth(index + 1).click();
        await expect(page.locator('main h1')).toBeVisible();
        await check(name);
      }
      expect(violations, violations.join('\n')).toEqual([]);
    });
  }

  test('the sign-in page and both onboarding steps', async ({ page }) => {
    const fresh = await startNode({ env: { DCHAT_RATE_LIMIT_ENABLED: 'false' } });
    try {
      const violations: string[] = [];
      for (const variant of [VARIANTS[0], VARIANTS[3]]) {
        await page.context().clearCookies();
        await usePreferences(page, variant.language, variant.theme);
        await page.goto(fresh.url);
        await expect(page.locator('#token')).toBeVisible();
        violations.push(...(await audit(page, `${variant.name}/login`)));
        await screenshot(page, `${variant.name}-login`);
      }
      await page.goto(`${fresh.url}/?token=${fresh.token}`);
      await expect(page.locator('#username')).toBeVisible();
      violations.push(...(await audit(page, 'onboarding-identity')));
      await screenshot(page, 'onboarding-identity');
      await page.locator('#username').fill('carol');
      await page.locator('form button[type=submit]').click();
      await expect(page.locator('#relays')).toBeVisible();
      violations.push(...(await audit(page, 'onboarding-relays')));
      await screenshot(page, 'onboarding-relays');
      expect(violations, violations.join('\n')).toEqual([]);
    } finally {
      await fresh.stop();
    }
  });

  test('at 200% text size nothing scrolls sideways at 1280 px', async ({ page }) => {
    await usePreferences(page, 'en', 'light', 200);
    await openUi(page, a);
    await page.locator(`[data-chat-id="${directChat}"]`).click();
    await expect(page.locator('.message').first()).toBeVisible();
    const overflow = async (name: string) => {
      const { scroll, client } = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth }));
      return scroll > client ? [`${name}: page is ${scroll}px wide in a ${client}px window`] : [];
    };
    const problems = [...(await overflow('chat'))];
    await screenshot(page, 'text-200-chat');
    for (const [index, name] of ['contacts', 'relay', 'status', 'settings'].entries()) {
      await page.getByRole('navigation').getByRole('button').nth(index + 1).click();
      await expect(page.locator('main h1')).toBeVisible();
      problems.push(...(await overflow(name)));
      await screenshot(page, `text-200-${name}`);
    }
    expect(problems, problems.join('\n')).toEqual([]);
  });
});
