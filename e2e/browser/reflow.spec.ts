import type { Page } from '@playwright/test';
import { startNode } from '../../node-core/test/helpers/spawn-node.ts';
import { expect, openUi, screenshot, stopAll } from './fixtures.ts';
import { layoutProblems, reflowLog, zoomedViewport } from './layout-checks.ts';
import { expectVariant, goTo, openDialog, shows, test, usePreferences, variantsOf, type Chats, type Variant } from './scenes.ts';

/**
 * Browser zoom, emulated as Chromium lays it out: a 1280×800 window at 200 % is a 640×400 CSS
 * viewport with two device pixels per CSS pixel, at 400 % 320×200 with four. At every zoom level
 * every view must stay usable in one column: the chat list and the conversation both reachable,
 * nothing covered or cut off, no sideways scrolling, and axe finds nothing (scrollable regions
 * focusable included).
 */

const ZOOMS = [200, 400] as const;
/** Every theme in a left-to-right and in the right-to-left language. */
const VARIANTS = variantsOf(['en', 'ar']);

async function everyView(page: Page, chats: Chats, log: ReturnType<typeof reflowLog>, variant: Variant): Promise<void> {
  const { a, group, directChat } = chats;
  await openUi(page, a);
  await expectVariant(page, variant);
  // One pane: the list, with no conversation beside it.
  await expect(page.locator('.chat-item')).toHaveCount(2);
  await expect(page.locator('.conversation-pane')).toBeHidden();
  await log.check('chat-list');

  await page.locator('.nav-toggle').click();
  await expect(page.getByRole('navigation').getByRole('button')).toHaveCount(8);
  await log.check('menu-open');
  await page.locator('.nav-toggle').click();

  // The conversation replaces the list; its back button has focus and leads back.
  await page.locator(`[data-chat-id="${directChat}"]`).click();
  await expect(page.locator('.message')).toHaveCount(3);
  await expect(page.locator('.chat-list-pane')).toBeHidden();
  await expect(page.locator('.back-button')).toBeFocused();
  await expect(page.locator('#composer-input')).toBeVisible();
  await log.check('chat-direct');
  await openDialog(page, () => page.locator('.conversation-header button').click(), shows('.safety-number span'));
  await log.check('dialog-safety-number');
  await page.keyboard.press('Escape');
  await page.locator('.back-button').click();
  await expect(page.locator(`[data-chat-id="${directChat}"]`)).toBeFocused();

  await page.locator(`[data-chat-id="${group.chat_id}"]`).click();
  await expect(page.locator('.conversation-header h1')).toHaveText('Book club');
  await log.check('chat-group');
  await openDialog(page, () => page.locator('.conversation-header button').click(), shows('.member-list li'));
  await log.check('dialog-group-members');
  await page.keyboard.press('Escape');
  await page.locator('.back-button').click();

  const dialogs: Array<[string, () => Promise<void>, Parameters<typeof openDialog>[2]]> = [
    ['dialog-add-contact', () => page.locator('.pane-actions button').first().click(), (d) => expect(d.locator('#my-invite')).not.toHaveValue('')],
    ['dialog-new-group', () => page.locator('.pane-actions button').nth(1).click(), shows('input[type=checkbox]')],
    ['dialog-shortcuts', () => page.locator('.topbar .icon-button').click(), shows('kbd')],
  ];
  for (const [name, open, content] of dialogs) {
    await openDialog(page, open, content);
    await log.check(name);
    await page.keyboard.press('Escape');
    await expect(page.locator('dialog[open]')).toHaveCount(0);
  }

  const pages: Array<[string, string]> = [
    ['contacts', '.data-table tbody tr'],
    ['relay', '.simple-list .chip'],
    ['status', '.figures dd'],
    ['settings', '#language'],
  ];
  for (const [index, [name, content]] of pages.entries()) {
    await goTo(page, index + 1);
    await expect(page.locator('main h1').first()).toBeVisible();
    await expect(page.locator(content).first()).toBeVisible();
    // The relay page reads the chat chain's registry (and My relay) after it opens.
    if (name === 'relay') await expect(page.locator('#registry-title')).toBeVisible();
    await log.check(name);
  }
  // The Marketplace, the last entry: its sales figures and the listings are read after it opens.
  await goTo(page, 7);
  await expect(page.getByTestId('creator-stats')).toBeVisible();
  await expect(page.getByTestId('listing-count')).toBeVisible();
  await log.check('marketplace');
}

for (const zoom of ZOOMS) {
  test.describe(`browser zoom ${zoom} %`, () => {
    test.use({ viewport: zoomedViewport(zoom), deviceScaleFactor: zoom / 100 });

    for (const variant of VARIANTS) {
      test(`every view and dialog in one column, ${variant.name}`, async ({ page, chats }) => {
        await usePreferences(page, variant.language, variant.theme);
        const log = reflowLog(page, `zoom-${zoom}-${variant.name}`);
        await everyView(page, chats, log, variant);
        log.finish();
      });
    }

    // Sign-in and onboarding: each theme once and both languages at each zoom level.
    const firstRun = VARIANTS.filter((v, i) => (zoom === 200 ? [0, 4, 2] : [3, 1, 5]).includes(i));
    for (const variant of firstRun) {
      test(`sign-in and onboarding, ${variant.name}`, async ({ page, defer }) => {
        const fresh = await startNode({ env: { DCHAT_RATE_LIMIT_ENABLED: 'false' } });
        defer(() => stopAll(fresh));
        await usePreferences(page, variant.language, variant.theme);
        const log = reflowLog(page, `zoom-${zoom}-${variant.name}`);
        await page.goto(fresh.url);
        await expectVariant(page, variant);
        await expect(page.locator('#token')).toBeVisible();
        await log.check('login');
        await openUi(page, fresh);
        await expect(page.locator('#username')).toBeVisible();
        await page.locator('#username').fill('x');
        await page.locator('form button[type=submit]').click();
        await expect(page.locator('.field-error')).toBeVisible();
        await log.check('onboarding-error');
        await page.locator('#username').fill('carol');
        await page.locator('form button[type=submit]').click();
        await expect(page.locator('#relays')).toBeVisible();
        await log.check('onboarding-relays');
        await page.locator('form button[type=submit]').click();
        await expect(page.getByTestId('onboarding-directory-state')).toHaveAttribute('data-phase', 'done', { timeout: 60_000 });
        await log.check('onboarding-directory');
        await page.locator('main .button-row button').click();
        await expect(page.locator('#chat-list-title')).toBeVisible();
        await log.check('chats-empty');
        log.finish();
      });
    }
  });
}

test.describe('every zoom level from 100 % to 400 %', () => {
  test('no sideways scrolling, nothing cut off or covered, en and ar', async ({ page, chats }) => {
    const { a, directChat } = chats;
    const problems: string[] = [];
    for (const language of ['en', 'ar'] as const) {
      await usePreferences(page, language, 'light');
      for (const zoom of [100, 125, 150, 175, 200, 250, 300, 400]) {
        await page.setViewportSize(zoomedViewport(zoom));
        await openUi(page, a);
        await expect(page.locator('html')).toHaveAttribute('lang', language);
        await expect(page.locator('.chat-item')).toHaveCount(2);
        const at = `${language} ${zoom} %`;
        problems.push(...(await layoutProblems(page, `${at} chats`)));
        await page.locator(`[data-chat-id="${directChat}"]`).click();
        await expect(page.locator('.message')).toHaveCount(3);
        problems.push(...(await layoutProblems(page, `${at} conversation`)));
        for (const [index, name] of ['contacts', 'relay', 'status', 'settings'].entries()) {
          await goTo(page, index + 1);
          await expect(page.locator('main h1').first()).toBeVisible();
          problems.push(...(await layoutProblems(page, `${at} ${name}`)));
        }
        await goTo(page, 7);
        await expect(page.getByTestId('listing-count')).toBeVisible();
        problems.push(...(await layoutProblems(page, `${at} marketplace`)));
        if (zoom === 300) await screenshot(page, `zoom-300-${language}-settings`);
      }
    }
    expect(problems, problems.join('\n')).toEqual([]);
  });

  test('the single-pane layout by keyboard alone (400 %)', async ({ page, chats }) => {
    const { a, directChat } = chats;
    await page.setViewportSize(zoomedViewport(400));
    await usePreferences(page, 'en', 'light');
    await openUi(page, a);
    await expect(page.locator('.chat-item')).toHaveCount(2);
    // The menu opens and closes from the keyboard, and Escape gives focus back to its button.
    await page.locator('.nav-toggle').focus();
    await page.keyboard.press('Enter');
    await expect(page.locator('#sections-nav')).toHaveAttribute('data-open', 'true');
    await page.keyboard.press('Tab');
    await expect(page.getByRole('navigation').getByRole('button').first()).toBeFocused();
    await page.keyboard.press('Escape');
    await expect(page.locator('#sections-nav')).toHaveAttribute('data-open', 'false');
    await expect(page.locator('.nav-toggle')).toBeFocused();
    // A chat opens with Enter; focus moves to the way back; Enter on it returns to the chat in the list.
    await page.locator(`[data-chat-id="${directChat}"]`).focus();
    await page.keyboard.press('Enter');
    await expect(page.locator('.back-button')).toBeFocused();
    await page.keyboard.press('Alt+M');
    await expect(page.locator('#composer-input')).toBeFocused();
    await page.locator('.back-button').focus();
    await page.keyboard.press('Enter');
    await expect(page.locator(`[data-chat-id="${directChat}"]`)).toBeFocused();
    // Alt+M from the list brings the conversation back with focus in the message field; Ctrl+K goes back to the search.
    await page.keyboard.press('Alt+M');
    await expect(page.locator('#composer-input')).toBeFocused();
    await page.keyboard.press('Control+K');
    await expect(page.locator('#chat-search')).toBeFocused();
    await expect(page.locator('.conversation-pane')).toBeHidden();
    await screenshot(page, 'zoom-400-keyboard-list');
  });
});
