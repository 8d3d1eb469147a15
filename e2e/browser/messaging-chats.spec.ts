import type { Browser, Page } from '@playwright/test';
import type { Chat, GroupInfo, Message, PrivacySettings } from '../../node-core/api/contract.ts';
import { json, messages, send, waitFor, type HasApi, type RelayNode } from '../../node-core/test/helpers/p2p-net.ts';
import type { RunningNode } from '../../node-core/test/helpers/spawn-node.ts';
import { expect, openUi, screenshot, stopAll, test as base } from './fixtures.ts';
import { twoPeople } from './scenes.ts';

/**
 * A chat's settings and the groups in the UI, between two nodes: mute (and a mention that is
 * announced even so), pin, the disappearing timer both sides agree on, archive and the archived
 * list, local channels and notes to self, group details (roles, rename, leave, add, remove), the
 * typing-indicator setting, the unread separator and its jump, and a reply whose original was deleted.
 */

interface Net {
  readonly relay: RelayNode;
  readonly a: RunningNode;
  readonly b: RunningNode;
  readonly chatId: string;
  readonly group: GroupInfo;
  readonly bob: string;
}

const rpc = <T,>(node: HasApi, method: string, input: unknown) => json<T>(node.api(`/api/rpc/${method}`, { json: input }));

const test = base.extend<object, { net: Net }>({
  net: [
    // eslint-disable-next-line no-empty-pattern -- Playwright fixtures take their dependencies as a destructured first argument.
    async ({}, use) => {
      const { relay, a, b, bob, chatId } = await twoPeople('Hi Bob, which book next?');
      const group = await json<GroupInfo>(a.api('/api/groups', { json: { title: 'Book club', members: [bob] } }));
      await waitFor('B to know the group', async () => (await json<{ groups: GroupInfo[] }>(b.api('/api/groups'))).groups.length === 1, 30_000);
      await use({ relay, a, b, chatId, group, bob });
      await stopAll(a, b, relay);
    },
    { scope: 'worker', timeout: 90_000 },
  ],
});

async function userPage(browser: Browser, node: RunningNode): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  await context.addInitScript(() => localStorage.setItem('dchat.preferences', JSON.stringify({ language: 'en', theme: 'light', reducedMotion: true, textSize: 100 })));
  const page = await context.newPage();
  await openUi(page, node);
  await expect(page.locator('.chat-item').first()).toBeVisible();
  return page;
}

async function chatMenu(page: Page, item: string): Promise<void> {
  await page.getByRole('button', { name: /^Chat settings for/ }).click();
  await page.getByRole('menuitem', { name: item, exact: true }).click();
}
const chatOf = (node: HasApi, chatId: string) => rpc<Chat>(node, 'chats.get', { chat_id: chatId });
const announced = (page: Page) => page.locator('#announcer');

test.describe('chat settings and groups between two nodes', () => {
  test('mute with mentions, pin, disappearing timer, archive, local chats, group details, typing setting, unread, deleted originals', async ({ browser, net }) => {
    test.setTimeout(240_000);
    const { a, b, chatId, group } = net;
    const pageA = await userPage(browser, a);
    const pageB = await userPage(browser, b);
    const rowA = pageA.locator(`[data-chat-id="${chatId}"]`);
    await rowA.click();

    // Mute for 8 hours: the header says until when, the row shows it.
    await chatMenu(pageA, 'Mute for 8 hours');
    await expect(announced(pageA)).toHaveText('Chat muted.');
    await expect(pageA.locator('.conversation-toolbar .chip', { hasText: 'Muted until' })).toBeVisible();
    await expect(rowA).toContainText('Muted');
    expect((await chatOf(a, chatId)).muted).toBe(true);

    // In the muted chat, a message is not announced; one that mentions @alice is.
    await pageA.locator(`[data-chat-id="${group.chat_id}"]`).click();
    await send(b, chatId, 'A quiet note');
    await expect(rowA.locator('.chat-preview')).toHaveText('A quiet note');
    await expect(announced(pageA)).not.toContainText('A quiet note');
    await send(b, chatId, '@alice the library has it');
    await expect(announced(pageA)).toHaveText('Bob: @alice the library has it');

    // The unread separator, and the jump to the first unread message.
    await rowA.click();
    await expect(pageA.locator('.unread-separator')).toHaveText('2 unread messages');
    await expect(pageA.locator('mark.mention-me')).toHaveText('@alice');
    await pageA.getByRole('button', { name: /Jump to the first unread message/ }).click();
    await expect.poll(() => pageA.evaluate(() => document.activeElement?.closest('[data-message-id]')?.textContent ?? '')).toContain('A quiet note');
    await chatMenu(pageA, 'Unmute');
    await expect(announced(pageA)).toHaveText('Chat unmuted.');

    // Pin: first in the list.
    await chatMenu(pageA, 'Pin chat');
    await expect(pageA.locator('.chat-item').first()).toHaveAttribute('data-chat-id', chatId);
    await expect(rowA).toContainText('Pinned');
    expect((await chatOf(a, chatId)).pinned).toBe(true);

    // The disappearing timer, set on one side, shown on both.
    await chatMenu(pageA, 'Disappearing messages…');
    await pageA.getByLabel('5 minutes').check();
    await pageA.locator('dialog[open]').getByRole('button', { name: 'Save' }).click();
    await expect(pageA.locator('.timer-chip')).toHaveText('⏱ Disappearing: 5 minutes');
    await waitFor('B to agree on the timer', async () => (await chatOf(b, chatId)).disappearing_seconds === 300, 30_000);
    await pageB.locator(`[data-chat-id="${chatId}"]`).click();
    await expect(pageB.locator('.timer-chip')).toHaveText('⏱ Disappearing: 5 minutes');
    await screenshot(pageA, 'messaging-chats-a-timer-muted-pinned');

    // A reply whose original is deleted says so.
    const original = (await messages(a, chatId)).find((m) => m.text === 'Hi Bob, which book next?')!;
    await send(b, chatId, 'This one, I think.', { reply_to: original.id });
    await expect(pageA.locator('.quote', { hasText: 'which book next' })).toBeVisible();
    await rpc<Message>(a, 'messages.delete', { id: original.id, for: 'everyone' });
    await expect(pageB.locator('.quote')).toContainText('The original message was deleted.');

    // Archive: out of the list, into the archived chats, and back.
    await chatMenu(pageA, 'Archive chat');
    await expect(rowA).toHaveCount(0);
    await pageA.getByRole('button', { name: 'Archived chats' }).click();
    await pageA.getByRole('button', { name: 'Unarchive Bob' }).click();
    await expect(pageA.locator('dialog[open] .archived-list li')).toHaveCount(0);
    await pageA.keyboard.press('Escape');
    await expect(rowA).toHaveCount(1);

    // Local chats: a channel and a note to self.
    await pageA.getByRole('button', { name: 'New channel' }).click();
    await pageA.getByLabel('Name (optional)').fill('Reading list');
    await pageA.locator('dialog[open]').getByRole('button', { name: 'Create' }).click();
    await expect(pageA.locator('.conversation-header h1')).toHaveText('Reading list');
    await expect(pageA.locator('.conversation-header .chat-kind')).toHaveText('Channel');
    await pageA.getByRole('button', { name: 'New channel' }).click();
    await pageA.getByLabel('Note to self').check();
    await pageA.getByLabel('Name (optional)').fill('Ideas');
    await pageA.locator('dialog[open]').getByRole('button', { name: 'Create' }).click();
    await expect(pageA.locator('.conversation-header .chat-kind')).toHaveText('Note to self');
    await pageA.locator('#composer-input').fill('Read the sequel');
    await pageA.keyboard.press('Enter');
    await expect(pageA.locator('.message.mine .message-text')).toHaveText('Read the sequel');

    // Typing indicators off on B: B neither sees A typing nor is seen typing.
    await pageB.getByRole('navigation').getByRole('button', { name: 'Settings' }).click();
    await pageB.getByLabel('Typing indicators').uncheck();
    await expect(announced(pageB)).toHaveText('Setting saved.');
    expect((await rpc<PrivacySettings>(b, 'settings.get', {})).typing_indicators).toBe(false);
    await pageB.getByRole('navigation').getByRole('button', { name: 'Chats' }).click();
    await pageB.locator(`[data-chat-id="${chatId}"]`).click();
    await rowA.click();
    await pageA.locator('#composer-input').pressSequentially('Typing away');
    await pageB.waitForTimeout(1500);
    await expect(pageB.locator('.typing')).toHaveText('');
    await pageA.locator('#composer-input').fill('');

    // Group details: roles; B leaves; A adds B back, renames, and removes B.
    await pageB.locator(`[data-chat-id="${group.chat_id}"]`).click();
    await pageB.getByRole('button', { name: 'Members' }).click();
    const dialogB = pageB.locator('dialog[open]');
    await expect(dialogB.locator('.member-list li', { hasText: 'Alice' }).locator('.chip')).toHaveText('Admin');
    await expect(dialogB.locator('.member-list li', { hasText: 'Bob (you)' }).locator('.chip')).toHaveText('Member');
    await screenshot(pageB, 'messaging-chats-b-group-details');
    await dialogB.getByRole('button', { name: 'Leave group' }).click();
    await expect(announced(pageB)).toHaveText('You left Book club.');
    await waitFor('A to see Bob leave', async () => (await rpc<GroupInfo>(a, 'groups.get', { group_id: group.group_id })).members.length === 1, 30_000);

    await pageA.locator(`[data-chat-id="${group.chat_id}"]`).click();
    await pageA.getByRole('button', { name: 'Members' }).click();
    const dialogA = pageA.locator('dialog[open]');
    await expect(dialogA.locator('.member-list li')).toHaveCount(1);
    await dialogA.getByLabel('Add a member').selectOption({ label: 'Bob' });
    await dialogA.getByRole('button', { name: 'Add', exact: true }).click();
    await expect(dialogA.locator('.member-list li')).toHaveCount(2);
    await dialogA.getByLabel('Group name').fill('Book club (autumn)');
    await dialogA.getByRole('button', { name: 'Rename' }).click();
    await expect(dialogA.locator('h2')).toHaveText('Members of Book club (autumn)');
    await expect(pageB.locator(`[data-chat-id="${group.chat_id}"] .chat-title`)).toHaveText('Book club (autumn)', { timeout: 30_000 });
    await dialogA.getByRole('button', { name: 'Remove Bob' }).click();
    await expect(dialogA.locator('.member-list li')).toHaveCount(1);
    await expect(announced(pageA)).toHaveText('Bob was removed.');
  });
});

test.describe('jumping through history, copy and info, disappearing messages', () => {
  test("a reply's original beyond the loaded page is fetched around it; copy, info; a 30 s message disappears from the view", async ({ browser, net }) => {
    test.setTimeout(120_000);
    const { a } = net;
    const channel = await rpc<Chat>(a, 'chats.create', { kind: 'channel', title: 'Long history' });
    const original = await send(a, channel.chat_id, 'The very first message of the channel');
    for (let i = 1; i <= 80; i++) await send(a, channel.chat_id, `Filler number ${i}`);
    await send(a, channel.chat_id, 'Back to the beginning', { reply_to: original.id });
    const page = await userPage(browser, a);
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
    await page.locator(`[data-chat-id="${channel.chat_id}"]`).click();
    const reply = page.locator('article.message', { hasText: 'Back to the beginning' });
    await expect(reply.locator('.quote')).toContainText('The very first message');
    await expect(page.locator('.message-text', { hasText: 'The very first message' })).toHaveCount(0);

    // Enter on the quote: the page around the original is loaded and the original takes focus.
    await reply.locator('.quote').focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => page.evaluate(() => document.activeElement?.closest('[data-message-id]')?.textContent ?? '')).toContain('The very first message');
    await screenshot(page, 'messaging-jumped-to-original');
    const newer = page.getByRole('button', { name: 'Show newer messages' });
    await expect(newer).toBeVisible();
    // Alt+R answers the message that has focus; Escape drops the reply.
    await page.keyboard.press('Alt+R');
    await expect(page.locator('#composer-input')).toBeFocused();
    await expect(page.locator('.reply-preview')).toContainText('The very first message');
    await page.keyboard.press('Escape');
    await expect(page.locator('.reply-preview')).toHaveCount(0);
    // While a dialog is open, the app's shortcuts wait.
    await page.keyboard.press('ControlOrMeta+Shift+F');
    await expect(page.locator('dialog[open]')).toBeVisible();
    await page.keyboard.press('Alt+5');
    await expect(page.getByRole('heading', { name: 'Long history', level: 1 })).toBeAttached();
    await page.keyboard.press('Escape');
    await expect(page.locator('dialog[open]')).toHaveCount(0);

    // Copy and info from the original's menu.
    const first = page.locator('article.message', { has: page.locator('.message-text', { hasText: 'The very first message' }) });
    await first.locator('.menu-button').click();
    await page.getByRole('menuitem', { name: 'Copy text' }).click();
    await expect(announced(page)).toHaveText('Text copied.');
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe('The very first message of the channel');
    await first.locator('.menu-button').click();
    await page.getByRole('menuitem', { name: 'Info' }).click();
    await expect(page.locator('dialog[open] dd').last()).toHaveText(original.id);
    await page.keyboard.press('Escape');
    await expect(first.locator('.menu-button')).toBeFocused();

    // Newer pages load again on the way down (End again as the rows below are measured and the list grows), down to the reply.
    await page.locator('.message-scroller').focus();
    const back = page.locator('.message-text', { hasText: 'Back to the beginning' });
    await expect(async () => {
      await page.keyboard.press('End');
      await expect(back).toHaveCount(1, { timeout: 500 });
    }).toPass({ timeout: 15_000 });
    await expect(newer).toHaveCount(0);

    // A 30-second timer: the message goes from the view when it expires.
    await rpc(a, 'chats.update', { chat_id: channel.chat_id, disappearing_seconds: 30 });
    await expect(page.locator('.timer-chip')).toHaveText('⏱ Disappearing: 30 seconds');
    await page.locator('#composer-input').fill('This will vanish');
    await page.keyboard.press('Enter');
    const vanishing = page.locator('article.message', { hasText: 'This will vanish' });
    await expect(vanishing.locator('.expires')).toHaveCount(1);
    await expect(vanishing).toHaveCount(0, { timeout: 60_000 });
  });
});
