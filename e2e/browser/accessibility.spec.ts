import type { Locator } from '@playwright/test';
import { startNode } from '../../node-core/test/helpers/spawn-node.ts';
import { auditLog, expect, openUi, screenshot, stopAll } from './fixtures.ts';
import { expectVariant, LANGUAGES, openDialog, shows, test, usePreferences, variantsOf } from './scenes.ts';

const VARIANTS = variantsOf(LANGUAGES);

test.describe('accessibility (axe-core, WCAG 2.2 AA; violations and undecided checks fail)', () => {
  for (const variant of VARIANTS) {
    test(`every screen and dialog, ${variant.name}`, async ({ page, chats }) => {
      const { a, group, directChat } = chats;
      await usePreferences(page, variant.language, variant.theme);
      const log = auditLog(page);
      const check = (name: string) => log.check(`${variant.name}/${name}`);
      await openUi(page, a);
      await expectVariant(page, variant);
      await expect(page.locator('.chat-item')).toHaveCount(2);

      await page.locator(`[data-chat-id="${directChat}"]`).click();
      await expect(page.locator('.message')).toHaveCount(3);
      await expect(page.locator('.message .attachment')).toHaveCount(1);
      await check('chat-direct');
      await page.locator(`[data-chat-id="${group.chat_id}"]`).click();
      await expect(page.locator('.conversation-header h1')).toHaveText('Book club');
      await expect(page.locator('#composer-input')).toBeVisible();
      await check('chat-group');

      const dialogs: Array<[string, () => Promise<void>, (dialog: Locator) => Promise<void>]> = [
        // The add-contact dialog fetches this node's own invite: wait until it is there.
        ['dialog-add-contact', () => page.locator('.pane-actions button').first().click(), (d) => expect(d.locator('#my-invite')).not.toHaveValue('')],
        ['dialog-new-group', () => page.locator('.pane-actions button').nth(1).click(), shows('input[type=checkbox]')],
        ['dialog-group-members', () => page.locator('.conversation-header button').click(), shows('.member-list li')],
        ['dialog-shortcuts', () => page.locator('.topbar .icon-button').click(), shows('kbd')],
      ];
      for (const [name, open, content] of dialogs) {
        await openDialog(page, open, content);
        await check(name);
        await page.keyboard.press('Escape');
        await expect(page.locator('dialog[open]')).toHaveCount(0);
      }
      await page.locator(`[data-chat-id="${directChat}"]`).click();
      await openDialog(page, () => page.locator('.conversation-header button').click(), shows('.safety-number span'));
      await check('dialog-safety-number');
      await page.keyboard.press('Escape');

      // Each page with its own content loaded (figures, tables), not just its heading.
      const pages: Array<[string, Locator]> = [
        ['contacts', page.locator('.data-table tbody tr')],
        ['relay', page.locator('#relay-enabled')],
        ['status', page.locator('.figures dd').first()],
        ['settings', page.locator('#language')],
      ];
      const navButtons = page.getByRole('navigation').getByRole('button');
      for (const [index, [name, content]] of pages.entries()) {
        await navButtons.nth(index + 1).click();
        await expect(page.locator('main h1')).toBeVisible();
        await expect(content.first()).toBeVisible();
        if (name === 'relay') {
          await expect(page.locator('.simple-list .chip').first()).toBeVisible();
          // The chat chain's relay registry (empty here) and My relay (not listed: the announce button) are read after the page opens.
          await expect(page.locator('#registry-title')).toBeVisible();
          await expect(page.locator('#my-relay-title')).toBeVisible();
        }
        await check(name);
      }
      // The Marketplace (the last entry): the identity it acts as, its sales and the listings read after it opens.
      await navButtons.nth(7).click();
      await expect(page.locator('#market-identity')).toBeVisible();
      await expect(page.getByTestId('creator-stats')).toBeVisible();
      await expect(page.getByTestId('listing-count')).toBeVisible();
      await check('marketplace');
      log.finish();
    });
  }

  for (const variant of VARIANTS) {
    test(`sign-in, onboarding, empty, error and offline states, ${variant.name}`, async ({ page, defer }) => {
      const fresh = await startNode({ env: { DCHAT_RATE_LIMIT_ENABLED: 'false' } });
      defer(() => fresh.stop());
      await usePreferences(page, variant.language, variant.theme);
      const log = auditLog(page);
      const check = (name: string) => log.check(`${variant.name}/${name}`);

      // Sign-in, then the error a wrong token gets.
      await page.goto(fresh.url);
      await expectVariant(page, variant);
      await expect(page.locator('main h1')).toBeVisible();
      await expect(page.locator('#token')).toBeVisible();
      await check('login');
      await page.locator('#token').fill('not-the-token-of-this-node');
      await page.locator('form button[type=submit]').click();
      await expect(page.locator('#login-error')).toBeVisible();
      await expect(page.locator('#token')).toHaveAttribute('aria-invalid', 'true');
      await check('login-error');

      // Onboarding: the identity step, the error a taken or bad name gets, the relay step.
      await openUi(page, fresh);
      await expect(page.locator('#username')).toBeVisible();
      await check('onboarding-identity');
      await page.locator('#username').fill('x');
      await page.locator('form button[type=submit]').click();
      await expect(page.locator('.field-error')).toBeVisible();
      await check('onboarding-error');
      await page.locator('#username').fill('carol');
      await page.locator('form button[type=submit]').click();
      await expect(page.locator('#relays')).toBeVisible();
      await check('onboarding-relays');
      await page.locator('form button[type=submit]').click();
      // The username was left to be published (the default for a name the chain accepts): its outcome.
      await expect(page.getByTestId('onboarding-directory-state')).toHaveAttribute('data-phase', 'done', { timeout: 60_000 });
      await check('onboarding-directory');
      await page.locator('main .button-row button').click();

      // The empty chat list (no chats, no chat chosen).
      await expect(page.locator('#chat-list-title')).toBeVisible();
      await expect(page.locator('.chat-list-pane .empty')).toBeVisible();
      await expect(page.locator('.conversation-pane .empty')).toBeVisible();
      await check('chats-empty');

      // A failed action: an invite that is not one.
      await openDialog(page, () => page.locator('.pane-actions button').first().click(), (d) => expect(d.locator('#my-invite')).not.toHaveValue(''));
      await page.locator('#invite-input').fill('dchat://invite/this-is-not-a-valid-invite');
      await page.locator('dialog[open] form button[type=submit]').click();
      await expect(page.locator('dialog[open] .field-error')).toBeVisible();
      await check('dialog-add-contact-error');
      await page.keyboard.press('Escape');
      await expect(page.locator('dialog[open]')).toHaveCount(0);

      // The node goes away: the offline state.
      await stopAll(fresh);
      await expect(page.locator('.connection.offline')).toBeVisible({ timeout: 30_000 });
      await check('offline');
      log.finish();
    });
  }

  test('at 200% text size nothing scrolls sideways at 1280 px', async ({ page, chats }) => {
    const { a, directChat } = chats;
    await usePreferences(page, 'en', 'light', 200);
    await openUi(page, a);
    await page.locator(`[data-chat-id="${directChat}"]`).click();
    await expect(page.locator('.message')).toHaveCount(3);
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
    await page.getByRole('navigation').getByRole('button').nth(7).click();
    await expect(page.getByTestId('listing-count')).toBeVisible();
    problems.push(...(await overflow('marketplace')));
    await screenshot(page, 'text-200-marketplace');
    expect(problems, problems.join('\n')).toEqual([]);
  });
});
