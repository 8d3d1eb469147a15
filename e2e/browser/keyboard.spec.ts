import type { Page } from '@playwright/test';
import { addContact, createIdentity, json, messages, send, sendAndWait, startRelay, startUser, waitFor, type RelayNode } from '../../node-core/test/helpers/p2p-net.ts';
import type { RunningNode } from '../../node-core/test/helpers/spawn-node.ts';
import { expect, openUi, screenshot, stopAll, test as base } from './fixtures.ts';

/**
 * Keyboard-only use: after opening the page, every step is a key press (or typed text); the mouse
 * is never used. Every element that gets focus on the way must show it.
 */

/**
 * Before a key press: remembers how every focusable element looks unfocused (outline and
 * box-shadow), so after the press the focused one can be compared with itself. A selected chat,
 * a primary button or a field may carry a box-shadow or outline of their own at all times; only
 * an indicator that appears when focus arrives counts as showing focus.
 */
async function rememberUnfocused(page: Page): Promise<void> {
  await page.evaluate(() => {
    const looks = new WeakMap<Element, { outline: string; shadow: string }>();
    for (const el of document.querySelectorAll('a[href], button, input, select, textarea, [tabindex]')) {
      if (el === document.activeElement) continue;
      const style = getComputedStyle(el);
      looks.set(el, { outline: `${style.outlineStyle} ${style.outlineWidth} ${style.outlineColor}`, shadow: style.boxShadow });
    }
    (window as unknown as { unfocusedLooks: typeof looks }).unfocusedLooks = looks;
  });
}

/** What has focus, and whether it shows it (an outline of 2px or more, or a ring, that only focus brings); null when focus is fine. */
async function focusProblem(page: Page): Promise<string | null> {
  return page.evaluate(() => {
    const el = document.activeElement as HTMLElement | null;
    if (!el || el === document.body) return 'nothing has focus';
    if (el.matches('main[tabindex="-1"]')) return null;
    const name = `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}${el.className ? `.${String(el.className).split(' ').join('.')}` : ''} "${(el.textContent ?? '').trim().slice(0, 30)}"`;
    const before = (window as unknown as { unfocusedLooks?: WeakMap<Element, { outline: string; shadow: string }> }).unfocusedLooks?.get(el);
    if (!before) return `${name} has focus but was not on the page unfocused before the key press, so its focus indicator cannot be compared`;
    const style = getComputedStyle(el);
    const outline = `${style.outlineStyle} ${style.outlineWidth} ${style.outlineColor}`;
    const outlineShown = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2 && outline !== before.outline;
    const ringShown = style.boxShadow !== 'none' && style.boxShadow !== before.shadow;
    return outlineShown || ringShown ? null : `${name} has focus but looks as it does unfocused (outline ${outline}, box-shadow ${style.boxShadow})`;
  });
}

/** Presses Tab (or Shift+Tab) until the focused element matches `selector`, checking focus on the way. */
async function tabTo(page: Page, selector: string, problems: string[], options: { back?: boolean; max?: number } = {}): Promise<void> {
  for (let i = 0; i < (options.max ?? 40); i++) {
    await rememberUnfocused(page);
    await page.keyboard.press(options.back ? 'Shift+Tab' : 'Tab');
    const problem = await focusProblem(page);
    if (problem) problems.push(`tabbing to ${selector}: ${problem}`);
    if (await page.evaluate((s) => document.activeElement?.matches(s) ?? false, selector)) return;
  }
  throw new Error(`Tab never reached ${selector}`);
}

interface People {
  readonly relay: RelayNode;
  /** A fresh node nobody has onboarded (the keyboard test does it). */
  readonly a: RunningNode;
  readonly b: RunningNode;
}

const test = base.extend<object, { people: People }>({
  people: [
    // eslint-disable-next-line no-empty-pattern -- Playwright fixtures take their dependencies as a destructured first argument.
    async ({}, use) => {
      const relay = await startRelay();
      const a = await startUser(relay);
      const b = await startUser(relay);
      await createIdentity(b, 'bob');
      await use({ relay, a, b });
      await stopAll(a, b, relay);
    },
    { scope: 'worker', timeout: 60_000 },
  ],
});

const focusedMatches = (page: Page, selector: string) => page.evaluate((s) => document.activeElement?.matches(s) ?? false, selector);

test.describe('keyboard and screen reader', () => {
  test('onboarding → add contact → send → settings → language, keyboard only', async ({ page, people }) => {
    const { relay, a, b } = people;
    const problems: string[] = [];
    const { invite } = await json<{ invite: string }>(b.api('/api/invite'));
    await openUi(page, a);
    await expect(page.locator('#username')).toBeVisible();

    // Onboarding: identity, then relays (already filled in from the node's configuration).
    await tabTo(page, '#username', problems);
    await page.keyboard.type('alice');
    await tabTo(page, '#display-name', problems);
    await page.keyboard.type('Alice');
    await page.keyboard.press('Enter');
    await expect(page.getByRole('heading', { name: 'Choose your relays' })).toBeVisible();
    expect(await focusedMatches(page, '#relays-title'), 'focus moves to the relay step, which starts by saying what a relay is').toBe(true);
    // The relay the node is set up with is offered, chosen already.
    await expect(page.locator('#offered-relay-0')).toBeChecked();
    await expect(page.locator('label[for="offered-relay-0"]')).toHaveText(relay.relayAddress);
    await tabTo(page, 'button[type=submit]', problems);
    await page.keyboard.press('Enter');
    // Then the username's registration in the directory (on by default), its outcome and on.
    await expect(page.locator('#directory-title'), 'focus moves to the directory step').toBeFocused();
    await expect(page.getByTestId('onboarding-directory-state')).toHaveAttribute('data-phase', 'done', { timeout: 60_000 });
    await tabTo(page, 'main .button-row button', problems);
    await page.keyboard.press('Enter');
    await expect(page.getByRole('heading', { name: 'Chats', level: 1 })).toBeVisible();

    // Add a contact: the shortcut opens the dialog with focus in its first field.
    await page.keyboard.press('Alt+N');
    const dialog = page.locator('dialog[open]');
    await expect(dialog).toBeVisible();
    expect(await focusedMatches(page, '#invite-input')).toBe(true);
    await page.keyboard.insertText(invite);
    // Focus stays in the dialog however far one tabs, both ways.
    for (const back of [false, true]) {
      for (let i = 0; i < 8; i++) {
        await rememberUnfocused(page);
        await page.keyboard.press(back ? 'Shift+Tab' : 'Tab');
        expect(await page.evaluate(() => document.querySelector('dialog[open]')?.contains(document.activeElement) ?? false), `focus left the dialog after ${i + 1} ${back ? 'Shift+Tab' : 'Tab'}`).toBe(true);
        const problem = await focusProblem(page);
        if (problem) problems.push(problem);
      }
    }
    await tabTo(page, 'dialog[open] form button[type=submit]', problems);
    await page.keyboard.press('Enter');
    await expect(dialog).toHaveCount(0);
    await expect(page.locator('.conversation-header')).toContainText('Bob');

    // Send a message.
    await page.keyboard.press('Alt+M');
    expect(await focusedMatches(page, '#composer-input')).toBe(true);
    await page.keyboard.type('Hello Bob, typed without a mouse');
    await page.keyboard.press('Shift+Enter');
    await page.keyboard.type('on two lines');
    await page.keyboard.press('Enter');
    await expect(page.locator('.message.mine .message-text')).toHaveText('Hello Bob, typed without a mouse\non two lines');
    await waitFor('Bob to get the message', async () => {
      const direct = (await json<{ chats: Array<{ chat_id: string; kind: string }> }>(b.api('/api/chats'))).chats.find((c) => c.kind === 'direct');
      return direct && (await messages(b, direct.chat_id)).some((m) => m.text === 'Hello Bob, typed without a mouse\non two lines');
    });
    await screenshot(page, 'keyboard-chat');

    // A dialog gives focus back to what opened it.
    await tabTo(page, '.topbar .icon-button', problems, { back: true, max: 60 });
    await page.keyboard.press('Enter');
    await expect(dialog).toBeVisible();
    await expect(dialog.getByRole('heading', { name: 'Keyboard shortcuts' })).toBeVisible();
    await page.keyboard.press('Escape');
    await expect(dialog).toHaveCount(0);
    expect(await focusedMatches(page, '.topbar .icon-button'), 'focus returns to the button that opened the dialog').toBe(true);

    // Settings through the navigation, then the language.
    await tabTo(page, 'nav button[aria-keyshortcuts="Alt+5"]', problems, { back: true });
    await page.keyboard.press('Enter');
    await expect(page.getByRole('heading', { name: 'Settings', level: 1 })).toBeVisible();
    expect(await focusedMatches(page, '#main'), 'focus moves to the new page').toBe(true);
    await tabTo(page, '#language', problems);
    await page.keyboard.press('ArrowDown');
    await expect(page.getByRole('heading', { name: 'Einstellungen', level: 1 })).toBeVisible();
    await expect(page.locator('html')).toHaveAttribute('lang', 'de');
    await page.keyboard.press('ArrowDown');
    await expect(page.locator('html')).toHaveAttribute('dir', 'rtl');
    await expect(page.locator('html')).toHaveAttribute('lang', 'ar');
    await screenshot(page, 'keyboard-settings-ar');
    // Shortcuts still work in the new language; the chat is one key away.
    await page.keyboard.press('Alt+1');
    await expect(page.locator('.message.mine').first()).toBeVisible();

    expect(problems, problems.join('\n')).toEqual([]);
  });

  test('incoming messages are announced in the live region', async ({ page, people, defer }) => {
    const { relay, b } = people;
    // Its own pair of people, so it does not depend on the keyboard test: Carol reads, Bob writes.
    const carol = await startUser(relay);
    defer(() => carol.stop());
    await createIdentity(carol, 'carol');
    const direct = { chat_id: await addContact(carol, b) };
    // Bob learns of Carol from her first message.
    await sendAndWait(carol, b, direct.chat_id, 'Hi Bob, Carol here');
    await openUi(page, carol);
    const announcer = page.locator('#announcer');
    await expect(announcer).toHaveAttribute('aria-live', 'polite');
    await expect(page.locator('.chat-item').first()).toBeVisible();
    // Record every text the region takes, as a screen reader would hear it.
    await page.evaluate(() => {
      const heard: string[] = [];
      (window as unknown as { heard: string[] }).heard = heard;
      const region = document.getElementById('announcer')!;
      new MutationObserver(() => {
        if (region.textContent) heard.push(region.textContent);
      }).observe(region, { childList: true, characterData: true, subtree: true });
    });
    const heard = () => page.evaluate(() => (window as unknown as { heard: string[] }).heard);

    await send(b, direct.chat_id, 'Are you there?');
    await expect(announcer).toHaveText(/Bob.*Are you there\?/);
    // The same text again is announced again (the region clears in between).
    await send(b, direct.chat_id, 'Are you there?');
    await expect.poll(heard).toEqual([expect.stringMatching(/Are you there\?/), expect.stringMatching(/Are you there\?/)]);

    const file = Buffer.from('just a text file');
    const upload = await json<{ id: string }>(b.api('/api/attachments?name=list.txt&type=text/plain', { method: 'POST', body: file, headers: { 'content-type': 'application/octet-stream' } }));
    await send(b, direct.chat_id, '', { attachments: [upload.id] });
    await expect(announcer).toHaveText(/Bob.*sent list\.txt/);
  });
});
