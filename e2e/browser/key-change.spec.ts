import type { Page } from '@playwright/test';
import type { MethodInput, MethodName, MethodOutput } from '../../node-core/api/contract.ts';
import { directoryClient, recordOf, remoteKey } from '../../node-core/test/helpers/directory-keys.ts';
import { createIdentity, json, startUser } from '../../node-core/test/helpers/p2p-net.ts';
import type { RunningNode } from '../../node-core/test/helpers/spawn-node.ts';
import { auditLog, expect, openUi, stopAll, test as base } from './fixtures.ts';
import { layoutProblems, zoomedViewport } from './layout-checks.ts';
import { usePreferences } from './scenes.ts';

/**
 * The safety-number change notice (Signal's) against a real headless node on its own chat chain:
 * Anna added Carol by her chat-chain username; Carol's username then moves to a new key (a
 * rotation signed by her old key, submitted as an external wallet would). With the chat open, the
 * notice appears in it; by keyboard, its button opens the new safety number, unverified. axe and
 * the layout checks at 100/200/400 %, in English and in Arabic (right to left).
 */

interface Scene {
  readonly node: RunningNode;
  readonly chatId: string;
  readonly username: string;
  rotate(): Promise<string>;
}

const test = base.extend<object, { scene: Scene }>({
  scene: [
    // eslint-disable-next-line no-empty-pattern -- Playwright fixtures take their dependencies as a destructured first argument.
    async ({}, use) => {
      const node = await startUser(null);
      await createIdentity(node, 'anna');
      const call = <M extends MethodName>(method: M, input: MethodInput<M>) => json<MethodOutput<M>>(node.api(`/api/rpc/${method}`, { json: input }));
      const directory = directoryClient(call);
      let key = remoteKey();
      const username = 'carol_dc';
      await directory.register(key, username, recordOf(key, 'Carol', node.peerId!));
      const added = await call('contacts.addByUsername', { username });
      const rotate = async () => {
        const next = remoteKey();
        await directory.rotate(key, next, username, recordOf(next, 'Carol', node.peerId!));
        key = next;
        return next.hex;
      };
      await use({ node, chatId: added.chat_id, username, rotate });
      await stopAll(node);
    },
    { scope: 'worker', timeout: 60_000 },
  ],
});

async function openChat(page: Page, node: RunningNode, chatId: string): Promise<void> {
  await openUi(page, node);
  await page.locator(`[data-chat-id="${chatId}"]`).click();
  await expect(page.getByRole('heading', { name: 'Carol', level: 1 })).toBeVisible();
}

async function auditAtZooms(page: Page, log: ReturnType<typeof auditLog>, name: string): Promise<void> {
  for (const zoom of [100, 200, 400]) {
    await page.setViewportSize(zoomedViewport(zoom));
    await log.check(`key-change/${name}@${zoom}`);
    expect(await layoutProblems(page, `key-change/${name}@${zoom}`)).toEqual([]);
  }
  await page.setViewportSize(zoomedViewport(100));
}

test('a contact’s key change shows in the open chat, and its button shows the new safety number, by keyboard', async ({ page, scene }) => {
  const log = auditLog(page);
  await openChat(page, scene.node, scene.chatId);
  const notices = page.getByRole('list', { name: 'Safety-number changes' });
  await expect(notices).toHaveCount(0);

  const newKey = await scene.rotate();
  await expect(notices.getByText('Your safety number with Carol has changed.')).toBeVisible();
  await expect(notices).toContainText(`The username ${scene.username} moved to a new key, signed by the key you knew.`);
  await auditAtZooms(page, log, 'notice');

  const view = notices.getByRole('button', { name: 'View the new safety number with Carol' });
  await view.focus();
  await page.keyboard.press('Enter');
  const dialog = page.getByRole('dialog', { name: 'Safety number' });
  await expect(dialog.getByRole('status')).toHaveText('Not verified yet.');
  const shown = (await dialog.getByRole('group', { name: 'Safety number' }).innerText()).replace(/\s+/g, ' ').trim();
  const expected = await json<{ safety_number: string }>(scene.node.api(`/api/contacts/${newKey}/safety-number`));
  expect(shown).toBe(expected.safety_number);
  await auditAtZooms(page, log, 'safety-number');
  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();
  await expect(view).toBeFocused();

  // Opened again later, the chat still shows the notice (read from the node, not only the event).
  await page.reload();
  await expect(page.locator(`[data-chat-id="${scene.chatId}"]`)).toBeVisible();
  await page.locator(`[data-chat-id="${scene.chatId}"]`).click();
  await expect(page.getByRole('list', { name: 'Safety-number changes' }).getByRole('listitem')).toHaveCount(1);
  log.finish();
});

test('the notice in Arabic, right to left', async ({ page, scene }) => {
  // Run on its own, the file's first test has not changed the key yet.
  const changes = await json<{ key_changes: unknown[] }>(scene.node.api(`/api/contacts/key-changes?chat_id=${encodeURIComponent(scene.chatId)}`));
  if (changes.key_changes.length === 0) await scene.rotate();
  await usePreferences(page, 'ar', 'dark');
  const log = auditLog(page);
  await openUi(page, scene.node);
  await page.locator(`[data-chat-id="${scene.chatId}"]`).click();
  const notices = page.getByRole('list', { name: 'تغييرات رقم الأمان' });
  await expect(notices.getByText('تغيّر رقم الأمان بينك وبين Carol.')).toBeVisible();
  await expect(page.locator('html')).toHaveAttribute('dir', 'rtl');
  await auditAtZooms(page, log, 'notice-ar');
  log.finish();
});
