import fs from 'node:fs';
import path from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { expect, test as base, type Page } from '@playwright/test';
import { killAllNodes, REPO_ROOT, type RunningNode } from '../../node-core/test/helpers/spawn-node.ts';
import { CHROMIUM, HAVE_CHROMIUM } from '../playwright.config.ts';

export { expect };
export const SCREENSHOTS = path.join(REPO_ROOT, 'test-results', 'screenshots');

/** Every browser test: skipped, with the reason printed, where Debian's Chromium is missing. */
export const test = base.extend({});
test.beforeAll(() => {
  if (!HAVE_CHROMIUM) console.log(`skipping browser tests: no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`);
  test.skip(!HAVE_CHROMIUM, `no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`);
  if (!fs.existsSync(path.join(REPO_ROOT, 'dist', 'renderer', 'index.html'))) throw new Error('the web UI is not built: run npm run build:ui first');
});
test.afterAll(async () => killAllNodes());

/** Opens the node's web UI signed in through its ?token= link, as the startup log offers. */
export async function openUi(page: Page, node: RunningNode): Promise<void> {
  await page.goto(`${node.url}/?token=${encodeURIComponent(node.token)}`);
}

export async function onboard(page: Page, username: string, displayName: string, relays = ''): Promise<void> {
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Display name').fill(displayName);
  await page.getByRole('button', { name: 'Create identity' }).click();
  await expect(page.getByRole('heading', { name: 'Choose your relays' })).toBeVisible();
  if (relays) await page.getByLabel('Relay addresses').fill(relays);
  await page.getByRole('button', { name: 'Continue' }).click();
  await expect(page.getByRole('heading', { name: 'Chats', level: 1 })).toBeVisible();
}

/** axe-core against WCAG 2.x A/AA (and best practices); returns a readable list of violations. */
export async function audit(page: Page, name: string): Promise<string[]> {
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice']).analyze();
  return results.violations.map((v) => `${name}: ${v.id} (${v.impact}) ${v.nodes.map((n) => n.target.join(' ')).join(', ')} — ${v.help}`);
}

export async function screenshot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: false });
}
