import type { Locator, Page } from '@playwright/test';
import type { GroupInfo, Message } from '../../node-core/api/contract.ts';
import { json, messages, send, waitFor, type HasApi, type RelayNode } from '../../node-core/test/helpers/p2p-net.ts';
import type { RunningNode } from '../../node-core/test/helpers/spawn-node.ts';
import { auditLog, expect, openUi, stopAll, test as base } from './fixtures.ts';
import { reflowLog, zoomedViewport } from './layout-checks.ts';
import { expectVariant, goTo, LANGUAGES, twoPeople, usePreferences, variantsOf, type Variant } from './scenes.ts';

/**
 * axe-core on every menu, dialog and state the messaging features add (accessibility.spec.ts
 * covers the screens they sit on), in every language and theme: a conversation with a reply, a
 * reaction, an edit, a deleted message, the unread separator, a disappearing timer and someone
 * typing; each message's and the chat's menu; the react, delete, history, info, timer, search,
 * new chat, archived and group dialogs; search results in the chat list; the inline editor and
 * the reply being written; the privacy settings. And all of it again at 200 % and 400 % browser
 * zoom, with reflow.spec.ts's layout checks.
 */

const VARIANTS = variantsOf(LANGUAGES);
const variant = (language: Variant['language'], theme: Variant['theme']): Variant => ({ name: `${language}-${theme}`, language, theme });

const rpc = <T,>(node: HasApi, method: string, input: unknown) => json<T>(node.api(`/api/rpc/${method}`, { json: input }));

interface Scene {
  readonly relay: RelayNode;
  readonly a: RunningNode;
  readonly b: RunningNode;
  readonly chatId: string;
  readonly group: GroupInfo;
}

const test = base.extend<object, { scene: Scene }>({
  scene: [
    // eslint-disable-next-line no-empty-pattern -- Playwright fixtures take their dependencies as a destructured first argument.
    async ({}, use) => {
      const { relay, a, b, bob, chatId, first } = await twoPeople('Shall we meet at the library, @bob?');
      await send(b, chatId, 'Yes, at ten.', { reply_to: first.id });
      await send(b, chatId, 'I will bring the notes.');
      await waitFor('A to get the replies', async () => (await messages(a, chatId)).length === 3, 30_000);
      await rpc<Message>(b, 'messages.react', { id: first.id, emoji: '👍' });
      await rpc<Message>(a, 'messages.edit', { id: first.id, text: 'Shall we meet at the city library, @bob?' });
      const gone = await send(a, chatId, 'Wrong chat, sorry');
      await rpc<Message>(a, 'messages.delete', { id: gone.id, for: 'everyone' });
      await rpc(a, 'chats.update', { chat_id: chatId, disappearing_seconds: 86400 });
      await rpc(a, 'chats.create', { kind: 'channel', title: 'Old plans' }).then((c) => rpc(a, 'chats.update', { chat_id: (c as { chat_id: string }).chat_id, archived: true }));
      const group = await json<GroupInfo>(a.api('/api/groups', { json: { title: 'Study group', members: [bob] } }));
      await use({ relay, a, b, chatId, group });
      await stopAll(a, b, relay);
    },
    { scope: 'worker', timeout: 120_000 },
  ],
});

/**
 * A window tall enough for the whole conversation with a menu open: axe cannot tell the contrast
 * of text that a scrolling pane clips, and reports it as undecided.
 */
const TALL = { width: 1280, height: 1400 };

/** Opens something with a click, waits for `ready`, audits it, and closes it with Escape. */
async function auditOpen(page: Page, check: Check, name: string, show: () => Promise<void>, ready: Locator): Promise<void> {
  await show();
  await expect(ready.first()).toBeVisible();
  await check(name);
  // (In a search field the first Escape clears it, the next one closes the dialog.)
  const open = page.locator('dialog[open], [role="menu"]');
  for (let i = 0; i < 2 && (await open.count()) > 0; i++) await page.keyboard.press('Escape');
  await expect(open).toHaveCount(0);
}

type Check = (name: string) => Promise<void>;

/** In the single-pane layout (high zoom) the conversation replaces the list: back to the list, where there is a way back. */
async function backToList(page: Page): Promise<void> {
  const back = page.locator('.back-button');
  if (await back.isVisible()) await back.click();
  await expect(page.locator('#chat-search')).toBeVisible();
}

/** Every menu, dialog and state the messaging features add, each checked with `check` once it shows. */
async function everyMenuAndDialog(page: Page, scene: Scene, variant: Variant, check: Check): Promise<void> {
  const { a, b, chatId, group } = scene;
  // Something unread each time, so the unread separator shows (the last variant's news deleted here, so the chat keeps its length).
  for (const m of await messages(a, chatId)) if (m.text.startsWith('News for')) await rpc(a, 'messages.delete', { id: m.id, for: 'me' });
  await send(b, chatId, `News for ${variant.name}`);
  await waitFor('A to get it', async () => (await messages(a, chatId)).some((m) => m.text === `News for ${variant.name}`), 30_000);
  await openUi(page, a);
  await expectVariant(page, variant);
  await expect(page.locator('.chat-preview').first()).toBeVisible();
  await check('chat-list-rows');

  await page.locator(`[data-chat-id="${chatId}"]`).click();
  await expect(page.locator('.quote')).toHaveCount(1);
  await expect(page.locator('.reaction')).toHaveCount(1);
  await expect(page.locator('.unread-separator')).toBeVisible();
  await expect(page.locator('.timer-chip')).toBeVisible();
  await expect(page.locator('mark.mention')).toHaveCount(1);
  await rpc(b, 'chats.typing', { chat_id: chatId, typing: true });
  await expect(page.locator('.typing')).not.toBeEmpty();
  await check('conversation');

  const first = page.locator('article.message').first();
  const menuItems = page.locator('[role="menu"] [role^="menuitem"]');
  await auditOpen(page, check, 'message-menu', () => first.locator('.menu-button').click(), menuItems);
  await auditOpen(page, check, 'chat-menu', () => page.locator('.chat-menu .menu-button').click(), menuItems);
  const action = async (index: number) => {
    await first.locator('.menu-button').click();
    await menuItems.nth(index).click();
  };
  // The first message is ours and edited: reply, react, edit, history, copy, info, delete.
  await auditOpen(page, check, 'dialog-react', () => action(1), page.locator('dialog[open] .reaction-choice'));
  await auditOpen(page, check, 'dialog-history', () => action(3), page.locator('dialog[open] .history-list li'));
  await auditOpen(page, check, 'dialog-info', () => action(5), page.locator('dialog[open] dd'));
  await auditOpen(page, check, 'dialog-delete', () => action(6), page.locator('dialog[open] .dialog-actions button'));
  const chatAction = async (index: number) => {
    await page.locator('.chat-menu .menu-button').click();
    await menuItems.nth(index).click();
  };
  await auditOpen(page, check, 'dialog-disappearing', () => chatAction(1), page.locator('dialog[open] input[type=radio]'));
  await auditOpen(
    page,
    check,
    'dialog-search-in-chat',
    async () => {
      await chatAction(0);
      await page.locator('dialog[open] input[type=search]').fill('librar');
    },
    page.locator('dialog[open] .search-hit mark'),
  );

  // The inline editor, then a reply being written.
  await action(2);
  await expect(first.locator('.inline-editor textarea')).toBeFocused();
  await check('inline-editor');
  await page.keyboard.press('Escape');
  await page.locator('article.message').nth(1).locator('.menu-button').click();
  await menuItems.first().click();
  await expect(page.locator('.reply-preview')).toBeVisible();
  await check('composer-reply');
  await page.keyboard.press('Escape');

  // Search results in the chat list; new chat, archived and group dialogs.
  await backToList(page);
  await page.locator('#chat-search').fill('notes');
  await expect(page.locator('.message-search .search-hit mark').first()).toBeVisible();
  await check('chat-list-search');
  await page.locator('#chat-search').fill('');
  await auditOpen(page, check, 'dialog-new-chat', () => page.locator('.pane-actions button').nth(2).click(), page.locator('dialog[open] #new-chat-title'));
  await auditOpen(page, check, 'dialog-archived', () => page.locator('.archived-button').click(), page.locator('dialog[open] .archived-list li'));
  await page.locator(`[data-chat-id="${group.chat_id}"]`).click();
  await auditOpen(page, check, 'dialog-group-details', () => page.locator('.conversation-header button').click(), page.locator('dialog[open] #group-title'));

  await goTo(page, 4);
  await expect(page.locator('#privacy-read_receipts')).toBeEnabled();
  await check('settings-privacy');
}

test.describe('accessibility of the messaging features (axe-core, WCAG 2.2 AA)', () => {
  test.use({ viewport: TALL });
  for (const variant of VARIANTS) {
    test(`menus, dialogs and states, ${variant.name}`, async ({ page, scene }) => {
      test.setTimeout(120_000);
      await usePreferences(page, variant.language, variant.theme);
      const log = auditLog(page);
      await everyMenuAndDialog(page, scene, variant, (name) => log.check(`messaging-${variant.name}/${name}`));
      log.finish();
    });
  }
});

/**
 * The same at browser zoom (see reflow.spec.ts): at 200 % and 400 % the single-pane layout, where
 * menus and dialogs must fit a 640 or 320 CSS px wide window, with nothing cut off or covered, no
 * sideways scrolling and nothing for axe. Each zoom level takes each theme once and each
 * language once (Arabic for right-to-left), spread over three runs.
 */
const ZOOMED: ReadonlyArray<readonly [number, readonly Variant[]]> = [
  [200, [variant('en', 'light'), variant('ar', 'dark'), variant('de', 'high-contrast')]],
  [400, [variant('ar', 'light'), variant('de', 'dark'), variant('en', 'high-contrast')]],
];

for (const [zoom, variants] of ZOOMED) {
  test.describe(`accessibility of the messaging features at ${zoom} % browser zoom`, () => {
    test.use({ viewport: zoomedViewport(zoom), deviceScaleFactor: zoom / 100 });
    for (const v of variants) {
      test(`menus, dialogs and states in one column, ${v.name}`, async ({ page, scene }) => {
        test.setTimeout(180_000);
        await usePreferences(page, v.language, v.theme);
        const log = reflowLog(page, `messaging-zoom-${zoom}-${v.name}`);
        await everyMenuAndDialog(page, scene, v, (name) => log.check(name));
        log.finish();
      });
    }
  });
}
