import type { Locator, Page } from '@playwright/test';
import type { GroupInfo, Message } from '../../node-core/api/contract.ts';
import { addContact, createIdentity, json, messages, send, startRelay, startUser, waitFor, type RelayNode } from '../../node-core/test/helpers/p2p-net.ts';
import type { RunningNode } from '../../node-core/test/helpers/spawn-node.ts';
import { expect, stopAll, test as base } from './fixtures.ts';

/** What the audits and the reflow checks look at: people, chats and the UI's variants. */

/** Every language the UI ships (renderer/src/i18n) in every theme it offers (Settings → Theme). */
export const LANGUAGES = ['en', 'de', 'ar'] as const;
export const THEMES = ['light', 'dark', 'high-contrast'] as const;
export interface Variant {
  readonly name: string;
  readonly language: (typeof LANGUAGES)[number];
  readonly theme: (typeof THEMES)[number];
}
export const variantsOf = (languages: ReadonlyArray<Variant['language']>): Variant[] =>
  languages.flatMap((language) => THEMES.map((theme) => ({ name: `${language}-${theme}`, language, theme })));

export async function usePreferences(page: Page, language: string, theme: string, textSize = 100): Promise<void> {
  await page.addInitScript(
    ([l, th, size]) => localStorage.setItem('dchat.preferences', JSON.stringify({ language: l, theme: th, reducedMotion: true, textSize: size })),
    [language, theme, textSize] as const,
  );
}

/** The page is in the variant's language, direction and theme (so the audit checks what it says it checks). */
export async function expectVariant(page: Page, variant: Variant): Promise<void> {
  const html = page.locator('html');
  await expect(html).toHaveAttribute('lang', variant.language);
  await expect(html).toHaveAttribute('dir', variant.language === 'ar' ? 'rtl' : 'ltr');
  await expect(html).toHaveAttribute('data-theme', variant.theme);
}

/** Alice and Bob, each on a node of their own with the same home relay, and their direct chat. */
export interface TwoPeople {
  readonly relay: RelayNode;
  readonly a: RunningNode;
  readonly b: RunningNode;
  /** Bob's identity key. */
  readonly bob: string;
  readonly chatId: string;
  /** Alice's first message, which Bob has (so both nodes have the chat). */
  readonly first: Message;
}

/** Starts the relay and both nodes, makes Alice and Bob, has Alice add Bob and send `first`, and waits until Bob has it. */
export async function twoPeople(first: string): Promise<TwoPeople> {
  const relay = await startRelay();
  const a = await startUser(relay);
  const b = await startUser(relay);
  await createIdentity(a, 'alice');
  const bob = await createIdentity(b, 'bob');
  const chatId = await addContact(a, b);
  const sent = await send(a, chatId, first);
  await waitFor('Bob to get the first message', async () => (await messages(b, chatId)).some((m) => m.id === sent.id), 30_000);
  return { relay, a, b, bob, chatId, first: sent };
}

export interface Chats {
  readonly relay: RelayNode;
  readonly a: RunningNode;
  readonly b: RunningNode;
  readonly group: GroupInfo;
  readonly directChat: string;
}

/** Two people with a direct chat (three messages, one with a file) and a group: a worker-scoped fixture. */
export const test = base.extend<object, { chats: Chats }>({
  chats: [
    // eslint-disable-next-line no-empty-pattern -- Playwright fixtures take their dependencies as a destructured first argument.
    async ({}, use) => {
      const { relay, a, b, bob, chatId: directChat } = await twoPeople('Hello Bob! This is a message with a few words in it.');
      await send(b, directChat, 'Hi Alice, nice to hear from you.');
      await waitFor('A to get the reply', async () => (await messages(a, directChat)).length === 2);
      const file = Buffer.from('%PDF-1.4 a small document');
      const upload = await json<{ id: string }>(a.api('/api/attachments?name=notes.pdf&type=application/pdf', { method: 'POST', body: file, headers: { 'content-type': 'application/octet-stream' } }));
      await send(a, directChat, 'The notes', { attachments: [upload.id] });
      const group = await json<GroupInfo>(a.api('/api/groups', { json: { title: 'Book club', members: [bob] } }));
      await use({ relay, a, b, group, directChat });
      await stopAll(a, b, relay);
    },
    { scope: 'worker', timeout: 120_000 },
  ],
});

/** In the single-pane layout the sections are behind the menu button: opens it and goes to a section. */
export async function goTo(page: Page, index: number): Promise<void> {
  const toggle = page.locator('.nav-toggle');
  if (await toggle.isVisible()) {
    await toggle.click();
    await expect(toggle).toHaveAttribute('aria-expanded', 'true');
  }
  await page.getByRole('navigation').getByRole('button').nth(index).click();
  await expect(page.locator('#sections-nav')).toHaveAttribute('data-open', 'false');
}

/** Opens a dialog and waits for its own content (not just the frame) before it is audited. */
export async function openDialog(page: Page, open: () => Promise<void>, ready: (dialog: Locator) => Promise<void>): Promise<void> {
  await open();
  const dialog = page.locator('dialog[open]');
  await expect(dialog).toBeVisible();
  await expect(dialog.locator('h2').first()).toBeVisible();
  await ready(dialog);
}
export const shows = (selector: string) => (dialog: Locator) => expect(dialog.locator(selector).first()).toBeVisible();
