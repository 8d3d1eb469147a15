import path from 'node:path';
import type { Browser, Locator, Page } from '@playwright/test';
import Database from 'better-sqlite3';
import type { SearchResult } from '../../node-core/api/contract.ts';
import { json, messages, relayFigures, send, startUser, waitFor, type RelayNode } from '../../node-core/test/helpers/p2p-net.ts';
import type { RunningNode } from '../../node-core/test/helpers/spawn-node.ts';
import { expect, openUi, screenshot, stopAll, test as base } from './fixtures.ts';
import { twoPeople } from './scenes.ts';

/**
 * The messaging features between two people on two nodes (and a relay), driven from the keyboard
 * as a screen reader user would: each message's actions menu (reply, react, edit, delete), the
 * quote that jumps to the original, search across chats and in one, the typing indicator, drafts,
 * and catching up on edits, deletes, reactions and expiries (a disappearing message that B had,
 * and one sent to B) that happened while one side was offline.
 */

interface Net {
  readonly relay: RelayNode;
  readonly a: RunningNode;
  b: RunningNode;
  readonly chatId: string;
}

const test = base.extend<object, { net: Net }>({
  net: [
    // eslint-disable-next-line no-empty-pattern -- Playwright fixtures take their dependencies as a destructured first argument.
    async ({}, use) => {
      const { relay, a, b, chatId } = await twoPeople('Hello Bob, lunch on Friday?');
      const net: Net = { relay, a, b, chatId };
      await use(net);
      await stopAll(net.a, net.b, relay);
    },
    { scope: 'worker', timeout: 90_000 },
  ],
});

/**
 * From now on, notes every one of `texts` that the page shows, however briefly (a message stored
 * and removed a moment later would pass a check made afterwards, not this one); `seen` says which.
 */
async function watchFor(page: Page, texts: readonly string[]): Promise<{ seen: () => Promise<string[]> }> {
  await page.evaluate((watched) => {
    const seen: string[] = [];
    (window as unknown as { __watched: string[] }).__watched = seen;
    const look = (node: Node) => {
      const text = node.textContent ?? '';
      for (const w of watched) if (text.includes(w) && !seen.includes(w)) seen.push(w);
    };
    new MutationObserver((changes) => {
      for (const change of changes) {
        look(change.target);
        change.addedNodes.forEach(look);
      }
    }).observe(document, { subtree: true, childList: true, characterData: true });
  }, texts);
  return { seen: () => page.evaluate(() => (window as unknown as { __watched: string[] }).__watched) };
}

/** What a node's own database holds: rows of these messages, and index entries matching `word` (an external-content FTS5 index keeps stale ones if not told). */
function storedAt(node: RunningNode, ids: readonly string[], word: string): { rows: number; indexed: number } {
  const db = new Database(path.join(node.dataDir, 'dchat.db'), { readonly: true });
  try {
    const rows = ids.reduce((n, id) => n + (db.prepare('SELECT count(*) FROM messages WHERE id = ?').pluck().get(id) as number), 0);
    const indexed = db.prepare('SELECT count(*) FROM messages_fts WHERE messages_fts MATCH ?').pluck().get(word) as number;
    return { rows, indexed };
  } finally {
    db.close();
  }
}

async function userPage(browser: Browser, node: RunningNode): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await context.addInitScript(() => localStorage.setItem('dchat.preferences', JSON.stringify({ language: 'en', theme: 'light', reducedMotion: true, textSize: 100 })));
  const page = await context.newPage();
  await openUi(page, node);
  await expect(page.locator('.chat-item')).toHaveCount(1);
  return page;
}

/** A message by its own text (not a reply quoting it). */
const bubble = (page: Page, text: string) => page.locator('article.message').filter({ has: page.locator(':scope > .message-text', { hasText: text }) });
const focused = (page: Page) => page.evaluate(() => document.activeElement?.closest('[data-message-id]')?.textContent ?? null);

/** From the message field (Alt+M), Shift+Tab back through the conversation until `target` has focus. */
async function shiftTabTo(page: Page, target: Locator): Promise<void> {
  await page.keyboard.press('Alt+M');
  await expect(page.locator('#composer-input')).toBeFocused();
  for (let i = 0; i < 40; i++) {
    await page.keyboard.press('Shift+Tab');
    if (await target.evaluate((el) => el === document.activeElement)) return;
  }
  throw new Error('could not reach it by keyboard');
}
const tabToActions = (page: Page, text: string) => shiftTabTo(page, bubble(page, text).locator('.menu-button'));

/** Opens a message's actions menu from the keyboard and picks an item by its first letters (type-ahead). */
async function chooseAction(page: Page, text: string, item: string): Promise<void> {
  await tabToActions(page, text);
  await page.keyboard.press('Enter');
  const menu = page.getByRole('menu');
  await expect(menu).toBeVisible();
  await expect(menu.getByRole('menuitem').first()).toBeFocused();
  const target = menu.getByRole('menuitem', { name: item, exact: true });
  for (let i = 0; i < 10 && !(await target.evaluate((el) => el === document.activeElement)); i++) await page.keyboard.press('ArrowDown');
  await expect(target).toBeFocused();
  await page.keyboard.press('Enter');
}

async function tabUntil(page: Page, target: Locator, max = 40): Promise<void> {
  for (let i = 0; i < max; i++) {
    if (await target.evaluate((el) => el === document.activeElement).catch(() => false)) return;
    await page.keyboard.press('Tab');
  }
  await expect(target).toBeFocused();
}

const announced = (page: Page) => page.locator('#announcer');

test.describe('messaging between two nodes, by keyboard', () => {
  test('reply, react, edit, delete, search, typing, drafts; offline catch-up of edits, deletes, reactions and expiries', async ({ browser, net }) => {
    test.setTimeout(240_000);
    const { relay, a, chatId } = net;
    const pageA = await userPage(browser, a);
    const pageB = await userPage(browser, net.b);
    await pageA.keyboard.press('Alt+ArrowDown');
    await expect(pageA.locator('.conversation-header h1')).toHaveText('Bob');
    await pageB.keyboard.press('Alt+ArrowDown');
    await expect(bubble(pageB, 'lunch on Friday')).toBeVisible();

    // The actions menu: Escape closes it and focus returns to its button.
    await tabToActions(pageB, 'lunch on Friday');
    await pageB.keyboard.press('ArrowDown');
    await expect(pageB.getByRole('menu')).toBeVisible();
    await pageB.keyboard.press('ArrowUp');
    await expect(pageB.getByRole('menuitem', { name: 'Delete…' })).toBeFocused();
    await pageB.keyboard.press('Escape');
    await expect(pageB.getByRole('menu')).toHaveCount(0);
    await expect(bubble(pageB, 'lunch on Friday').locator('.menu-button')).toBeFocused();

    // Reply: the quote shows above the composer, then in both bubbles.
    await chooseAction(pageB, 'lunch on Friday', 'Reply');
    await expect(pageB.locator('#composer-input')).toBeFocused();
    await expect(pageB.locator('.reply-preview')).toContainText('lunch on Friday');
    await pageB.keyboard.type('Friday works, see you at noon.');
    await pageB.keyboard.press('Enter');
    await expect(pageB.locator('.reply-preview')).toHaveCount(0);
    const replyA = bubble(pageA, 'Friday works');
    await expect(replyA.locator('.quote')).toContainText('lunch on Friday');
    await screenshot(pageA, 'messaging-a-reply');

    // The quote jumps to the original (Enter on it), which takes focus.
    await shiftTabTo(pageA, replyA.locator('.quote'));
    await pageA.keyboard.press('Enter');
    await expect.poll(() => focused(pageA)).toContain('lunch on Friday');

    // React: the picker dialog, then counts with who reacted on both sides.
    await chooseAction(pageB, 'lunch on Friday', 'React…');
    const picker = pageB.locator('dialog[open]');
    await expect(picker.getByRole('button', { name: '👍 thumbs up' })).toBeFocused();
    await pageB.keyboard.press('Enter');
    await expect(picker).toHaveCount(0);
    await expect(announced(pageB)).toHaveText('Reacted with 👍.');
    await expect(bubble(pageA, 'lunch on Friday').getByRole('button', { name: '👍 1 reaction from Bob' })).toBeVisible();
    await screenshot(pageA, 'messaging-a-reaction');

    // Edit (inline; Enter saves): the other side shows "edited" and the history.
    await chooseAction(pageA, 'lunch on Friday', 'Edit');
    const editor = pageA.getByRole('textbox', { name: 'Edit the message' });
    await expect(editor).toBeFocused();
    await pageA.keyboard.press('ControlOrMeta+A');
    await pageA.keyboard.type('Hello Bob, lunch on Saturday?');
    await pageA.keyboard.press('Enter');
    await expect(bubble(pageA, 'lunch on Saturday').locator('.menu-button')).toBeFocused();
    const editedB = bubble(pageB, 'lunch on Saturday');
    await expect(editedB.getByRole('button', { name: /edited/ })).toBeVisible();
    await editedB.getByRole('button', { name: /edited/ }).focus();
    await pageB.keyboard.press('Enter');
    await expect(pageB.locator('dialog[open] .history-list')).toContainText('lunch on Friday');
    await screenshot(pageB, 'messaging-b-history');
    await pageB.keyboard.press('Escape');

    // Delete for everyone (confirmed in a dialog), and for me.
    await pageA.locator('#composer-input').fill('A message to take back');
    await pageA.keyboard.press('Enter');
    await expect(bubble(pageB, 'A message to take back')).toBeVisible();
    await chooseAction(pageA, 'A message to take back', 'Delete…');
    const confirm = pageA.locator('dialog[open]');
    await tabUntil(pageA, confirm.getByRole('button', { name: 'Delete for everyone' }), 6);
    await pageA.keyboard.press('Enter');
    await expect(announced(pageA)).toHaveText('Message deleted for everyone.');
    await expect(bubble(pageB, 'A message to take back')).toHaveCount(0);
    await expect(pageB.locator('.message-text.deleted')).toHaveCount(1);
    await chooseAction(pageB, 'This message was deleted', 'Delete…');
    await tabUntil(pageB, pageB.locator('dialog[open]').getByRole('button', { name: 'Delete for me' }), 6);
    await pageB.keyboard.press('Enter');
    await expect(pageB.locator('.message-text.deleted')).toHaveCount(0);
    await expect(pageA.locator('.message-text.deleted')).toHaveCount(1);

    // Search across chats (Ctrl+K), Tab to the result, Enter jumps to it in the chat.
    await pageB.keyboard.press('ControlOrMeta+K');
    await expect(pageB.locator('#chat-search')).toBeFocused();
    await pageB.keyboard.type('satur');
    const hit = pageB.locator('.message-search .search-hit').first();
    await expect(hit.locator('mark')).toHaveText(/Saturday/i);
    await pageB.keyboard.press('ArrowDown');
    await expect(hit).toBeFocused();
    await pageB.keyboard.press('Enter');
    await expect.poll(() => focused(pageB)).toContain('lunch on Saturday');
    await pageB.locator('#chat-search').fill('');

    // Search in the chat (Ctrl+Shift+F), Down into the results, Enter.
    await pageA.keyboard.press('ControlOrMeta+Shift+F');
    const searchDialog = pageA.locator('dialog[open]');
    await expect(searchDialog.getByRole('searchbox')).toBeFocused();
    await pageA.keyboard.type('noon');
    await expect(searchDialog.locator('.search-hit mark')).toHaveText(/noon/i);
    await screenshot(pageA, 'messaging-a-search-in-chat');
    await pageA.keyboard.press('ArrowDown');
    await pageA.keyboard.press('Enter');
    await expect(searchDialog).toHaveCount(0);
    await expect.poll(() => focused(pageA)).toContain('see you at noon');

    // Typing: B sees "Alice is typing…" while A types, gone once A clears the field.
    await pageA.keyboard.press('Alt+M');
    await pageA.keyboard.type('Thinking');
    await expect(pageB.locator('.typing')).toHaveText('Alice is typing…');
    await pageA.locator('#composer-input').fill('');
    await expect(pageB.locator('.typing')).toHaveText('');

    // Drafts: kept across a reload.
    await pageA.keyboard.press('Alt+M');
    await pageA.keyboard.type('A draft for later');
    await expect.poll(async () => (await (await a.api(`/api/chats/${chatId}`)).json() as { draft: string }).draft).toBe('A draft for later');
    await pageA.reload();
    await pageA.locator('.chat-item').first().click();
    await expect(pageA.locator('.chat-item .chat-preview').first()).toHaveText('Draft: A draft for later');
    await expect(pageA.locator('#composer-input')).toHaveValue('A draft for later');
    await pageA.locator('#composer-input').fill('');

    // B goes offline; A edits, deletes and reacts; B catches up through the relay.
    await send(a, chatId, 'This one will be deleted while Bob is away');
    await waitFor('B to have it', async () => (await messages(net.b, chatId)).some((m) => m.text.includes('while Bob is away')), 30_000);
    await expect(bubble(pageB, 'while Bob is away')).toBeVisible();
    // A disappearing-messages timer of 30 s (the shortest there is), which B agrees to while online.
    await pageA.getByRole('button', { name: /^Chat settings for/ }).click();
    await pageA.getByRole('menuitem', { name: 'Disappearing messages…' }).click();
    await pageA.getByLabel('30 seconds').check();
    await pageA.locator('dialog[open]').getByRole('button', { name: 'Save' }).click();
    await expect(pageB.locator('.timer-chip')).toHaveText('⏱ Disappearing: 30 seconds', { timeout: 30_000 });
    // One B gets before going away: it expires while B's node is off (gone at B's next start).
    const seen = await send(a, chatId, 'The parcel code is 4711');
    await expect(bubble(pageB, 'parcel code').locator('.expires')).toHaveCount(1);
    await net.b.stop();
    await expect(pageB.locator('.connection.offline')).toBeVisible();
    await chooseAction(pageA, 'lunch on Saturday', 'Edit');
    await pageA.keyboard.press('ControlOrMeta+A');
    await pageA.keyboard.type('Hello Bob, lunch on Sunday instead?');
    await pageA.keyboard.press('Enter');
    // Saving returns focus to the message's actions button: wait for it, so the next shortcut is not undone by it.
    await expect(bubble(pageA, 'lunch on Sunday')).toBeVisible();
    await expect(pageA.locator('.inline-editor')).toHaveCount(0);
    await chooseAction(pageA, 'while Bob is away', 'Delete…');
    await tabUntil(pageA, pageA.locator('dialog[open]').getByRole('button', { name: 'Delete for everyone' }), 6);
    await pageA.keyboard.press('Enter');
    await chooseAction(pageA, 'Friday works', 'React…');
    await pageA.locator('dialog[open]').getByRole('button', { name: '❤️ heart' }).press('Enter');
    // One sent while B is away: it reaches the relay and expires there before B is back.
    await pageA.keyboard.press('Alt+M');
    await pageA.keyboard.type('The parcel arrives at six');
    await pageA.keyboard.press('Enter');
    await expect(bubble(pageA, 'parcel arrives').locator('.expires')).toHaveCount(1);
    const unseen = (await messages(a, chatId)).find((m) => m.text === 'The parcel arrives at six')!;
    // "Sent" with B away: the relay has taken it.
    await waitFor('the relay to take the message', async () => (await messages(a, chatId)).find((m) => m.id === unseen.id)?.status === 'sent', 30_000);
    await waitFor('the relay to hold the updates and the message', async () => (await relayFigures(relay)).messages_held >= 4, 30_000);
    // Both expire (A's view shows it) while B is still off; B's page, left open, drops the one it had at its time too.
    await expect(bubble(pageA, 'parcel arrives')).toHaveCount(0, { timeout: 60_000 });
    await expect(bubble(pageA, 'parcel code')).toHaveCount(0);
    await expect(bubble(pageB, 'parcel code')).toHaveCount(0);
    await expect(pageB.locator(`[data-chat-id="${chatId}"] .chat-preview`)).not.toContainText('parcel');
    await expect(pageB.locator('.connection.offline')).toBeVisible();
    const watch = await watchFor(pageB, ['parcel code', 'parcel arrives']);
    // The timer off again, and a last message to catch up to: when it shows, B has read all its mail.
    await pageA.getByRole('button', { name: /^Chat settings for/ }).click();
    await pageA.getByRole('menuitem', { name: 'Disappearing messages…' }).click();
    await pageA.getByLabel('Off').check();
    await pageA.locator('dialog[open]').getByRole('button', { name: 'Save' }).click();
    await expect(pageA.locator('.timer-chip')).toHaveCount(0);
    await send(a, chatId, 'Welcome back, Bob: the parcel came');

    // B's node starts again on its API port (as a server does), and the page B kept open reconnects and catches up unreloaded.
    net.b = await startUser(relay, { dataDir: net.b.dataDir, args: ['--api-port', new URL(net.b.url).port] });
    await expect(pageB.locator('.connection.online')).toBeVisible({ timeout: 30_000 });
    await expect(bubble(pageB, 'Welcome back, Bob')).toBeVisible({ timeout: 30_000 });
    await expect(bubble(pageB, 'lunch on Sunday instead')).toBeVisible();
    await expect(bubble(pageB, 'lunch on Sunday instead').getByRole('button', { name: /edited/ })).toBeVisible();
    await expect(bubble(pageB, 'while Bob is away')).toHaveCount(0);
    await expect(bubble(pageB, 'Friday works').getByRole('button', { name: '❤️ 1 reaction from Alice' })).toBeVisible();
    await expect(pageB.locator('.timer-chip')).toHaveCount(0);
    await screenshot(pageB, 'messaging-b-caught-up');

    // The expired messages: not on B's screen since then (list, previews, announcements), not in its store, its index or its search.
    expect(await watch.seen()).toEqual([]);
    const atB = (await messages(net.b, chatId)).map((m) => m.id);
    expect(atB).not.toContain(seen.id);
    expect(atB).not.toContain(unseen.id);
    expect(storedAt(net.b, [seen.id, unseen.id], 'parcel')).toEqual({ rows: 0, indexed: 1 });
    const found = await json<SearchResult>(net.b.api('/api/messages/search?q=parcel'));
    expect(found.results.map((r) => r.message.text)).toEqual(['Welcome back, Bob: the parcel came']);
    await pageB.keyboard.press('ControlOrMeta+K');
    // One query (typed letter by letter, an earlier prefix's results could pass for the last one's).
    await pageB.locator('#chat-search').fill('parcel');
    await expect(pageB.locator('.message-search .search-hit')).toHaveCount(1);
    await expect(pageB.locator('.message-search .search-hit')).toContainText('the parcel came');
  });
});
