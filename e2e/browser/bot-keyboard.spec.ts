import type { Page } from '@playwright/test';
import { Bot, InlineKeyboard } from 'grammy';
import type { Chat } from '../../node-core/api/contract.ts';
import { createIdentity, json, messages, send, startRelay, startUser, waitFor, waitRelayConnected, type RelayNode } from '../../node-core/test/helpers/p2p-net.ts';
import type { RunningNode } from '../../node-core/test/helpers/spawn-node.ts';
import { auditLog, expect, openUi, stopAll, test as base } from './fixtures.ts';
import { reflowLog, zoomedViewport } from './layout-checks.ts';
import { expectVariant, usePreferences, type Variant } from './scenes.ts';

/**
 * A bot chat in the browser, keyboard only: Alice's node A talks with a real grammY bot (in this
 * process) hosted by node B. The bot's inline keyboard shows under its message; pressing a
 * button sends the press to the bot, whose answer is announced (a notice) or shown as a dialog
 * (show_alert); the composer's "/" menu offers the bot's commands, filters them as Alice types
 * and inserts the one she picks. axe-core and the layout checks at 100, 200 and 400 % zoom.
 */

interface Scene {
  readonly relay: RelayNode;
  readonly a: RunningNode;
  readonly b: RunningNode;
  readonly chatId: string;
  readonly bot: Bot;
  readonly running: Promise<void>;
}

const COMMANDS = [
  { command: 'start', description: 'Ask about tea' },
  { command: 'help', description: 'What this bot does' },
  { command: 'settings', description: 'Change how it asks' },
];

const test = base.extend<object, { scene: Scene }>({
  scene: [
    // eslint-disable-next-line no-empty-pattern -- Playwright fixtures take their dependencies as a destructured first argument.
    async ({}, use) => {
      const relay = await startRelay();
      const a = await startUser(relay);
      const b = await startUser(relay);
      await createIdentity(a, 'alice');
      const created = await json<{ token: string; invite: string; identity_id: string }>(b.api('/api/bots/create', { json: { username: 'teabot', name: 'Tea Bot' } }));
      await waitRelayConnected(b);
      const { chat_id: chatId } = await json<{ chat_id: string }>(a.api('/api/contacts', { json: { invite: created.invite } }));
      const bot = new Bot(created.token, { client: { apiRoot: b.url } });
      bot.command('start', (ctx) =>
        ctx.reply('Do you like tea?', { reply_markup: new InlineKeyboard().text('Yes', 'tea:yes').text('No', 'tea:no').row().url('About tea', 'https://example.org/tea') }),
      );
      bot.callbackQuery('tea:yes', (ctx) => ctx.answerCallbackQuery({ text: 'Good choice' }));
      bot.callbackQuery('tea:no', (ctx) => ctx.answerCallbackQuery({ text: 'Maybe coffee then', show_alert: true }));
      bot.catch((err) => console.error('bot error', err));
      const running = bot.start({ timeout: 5 });
      await bot.api.setMyCommands(COMMANDS);
      await send(a, chatId, '/start');
      await waitFor('the keyboard at A', async () => (await messages(a, chatId)).some((m) => (m.keyboard?.length ?? 0) > 0), 30_000);
      await waitFor('the commands at A', async () => {
        const chat = await json<Chat>(a.api(`/api/chats/${chatId}`));
        return chat.bot_commands?.length === COMMANDS.length;
      }, 30_000);
      await use({ relay, a, b, chatId, bot, running });
      await bot.stop();
      await running;
      await stopAll(a, b, relay);
    },
    { scope: 'worker', timeout: 120_000 },
  ],
});

type Check = (name: string) => Promise<void>;

/** Focuses what `selector` finds and presses a key: Playwright finds it, the keyboard does the rest. */
async function pressOn(page: Page, selector: ReturnType<Page['locator']>, key: string): Promise<void> {
  await selector.focus();
  await expect(selector).toBeFocused();
  await page.keyboard.press(key);
}

async function botChat(page: Page, scene: Scene, variant: Variant, check: Check): Promise<void> {
  await openUi(page, scene.a);
  await expectVariant(page, variant);
  await pressOn(page, page.locator(`[data-chat-id="${scene.chatId}"]`), 'Enter');
  const keyboard = page.locator('.inline-keyboard').last();
  await expect(keyboard.getByRole('button', { name: 'Yes' })).toBeVisible();
  await expect(keyboard.getByRole('link', { name: /About tea/ })).toHaveAttribute('rel', 'noopener noreferrer');
  await check('keyboard');

  // A press: the answer's text shows under the keyboard and is announced.
  await pressOn(page, keyboard.getByRole('button', { name: 'Yes' }), 'Enter');
  await expect(keyboard.locator('.keyboard-notice')).toHaveText('Good choice', { timeout: 30_000 });
  await expect(page.locator('#announcer')).toContainText('Good choice');
  await expect(keyboard).not.toHaveAttribute('aria-busy', 'true');
  await check('keyboard-answered');

  // show_alert: a dialog, closed with the keyboard, focus back on the button.
  const no = keyboard.getByRole('button', { name: 'No' });
  await pressOn(page, no, 'Space');
  const alert = page.locator('dialog[open]');
  await expect(alert).toContainText('Maybe coffee then', { timeout: 30_000 });
  await check('keyboard-alert');
  await page.keyboard.press('Escape');
  await expect(alert).toHaveCount(0);
  await expect(no).toBeFocused();

  // A link button asks first.
  await pressOn(page, keyboard.getByRole('link', { name: /About tea/ }), 'Enter');
  await expect(page.locator('dialog[open] .keyboard-url')).toHaveText('https://example.org/tea');
  await check('keyboard-link-confirm');
  await page.keyboard.press('Escape');
  await expect(page.locator('dialog[open]')).toHaveCount(0);

  // The commands menu: "/" opens it, typing filters, Enter inserts.
  const input = page.locator('#composer-input');
  // (The draft of the run before may still be saved: start from an empty composer.)
  await input.fill('');
  await input.focus();
  await page.keyboard.type('/');
  const menu = page.getByRole('listbox');
  await expect(menu.getByRole('option')).toHaveCount(COMMANDS.length);
  await expect(input).toHaveAttribute('aria-activedescendant', /.+/);
  await check('commands-menu');
  await page.keyboard.type('he');
  await expect(menu.getByRole('option')).toHaveCount(1);
  await expect(menu.getByRole('option')).toContainText('/help');
  await page.keyboard.press('Enter');
  await expect(input).toHaveValue('/help ');
  await expect(page.getByRole('listbox')).toHaveCount(0);

  // The Commands button opens the whole list; Down then Tab picks the second; Escape closes.
  await input.fill('');
  await pressOn(page, page.locator('.composer-row button[aria-pressed]'), 'Enter');
  await expect(menu.getByRole('option')).toHaveCount(COMMANDS.length);
  await expect(input).toBeFocused();
  await page.keyboard.press('ArrowDown');
  await expect(menu.getByRole('option').nth(1)).toHaveAttribute('aria-selected', 'true');
  await page.keyboard.press('Tab');
  await expect(input).toHaveValue('/help ');
  await input.fill('/');
  await expect(menu).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(page.getByRole('listbox')).toHaveCount(0);
  await input.fill('');
}

const RUNS: ReadonlyArray<readonly [number, Variant]> = [
  [100, { name: 'en-light', language: 'en', theme: 'light' }],
  [200, { name: 'ar-dark', language: 'ar', theme: 'dark' }],
  [400, { name: 'de-high-contrast', language: 'de', theme: 'high-contrast' }],
];

for (const [zoom, variant] of RUNS) {
  test.describe(`a bot chat's inline keyboard and commands menu at ${zoom} % zoom`, () => {
    test.use(zoom === 100 ? { viewport: { width: 1280, height: 1000 } } : { viewport: zoomedViewport(zoom), deviceScaleFactor: zoom / 100 });
    test(`keyboard only, ${variant.name}`, async ({ page, scene }) => {
      test.setTimeout(150_000);
      await usePreferences(page, variant.language, variant.theme);
      const log = zoom === 100 ? auditLog(page) : reflowLog(page, `bot-keyboard-zoom-${zoom}-${variant.name}`);
      await botChat(page, scene, variant, (name) => log.check(zoom === 100 ? `bot-keyboard-${variant.name}/${name}` : name));
      log.finish();
    });
  });
}
