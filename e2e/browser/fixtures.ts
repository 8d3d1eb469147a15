import fs from 'node:fs';
import path from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { expect, test as base, type Page } from '@playwright/test';
import { killAllNodes, REPO_ROOT, type RunningNode } from '../../node-core/test/helpers/spawn-node.ts';
import { CHROMIUM, HAVE_CHROMIUM } from '../playwright.config.ts';

export { expect };
export const SCREENSHOTS = path.join(REPO_ROOT, 'test-results', 'screenshots');
const SKIP_REASON = `no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`;
const UI_INDEX = path.join(REPO_ROOT, 'dist', 'renderer', 'index.html');

/** Spec files that have printed why they skip (each says it once, whichever worker runs it). */
const skipPrinted = new Set<string>();

export interface TestFixtures {
  /** Auto: skips the test, with the reason printed, where Debian's Chromium is missing; fails it when the UI is not built. */
  readonly browserReady: void;
  /** Registers a clean-up that runs after the test whatever its outcome, last registered first (e.g. stopping a node the test started). */
  readonly defer: (cleanup: () => Promise<unknown> | unknown) => void;
}
export interface WorkerFixtures {
  /** Auto: when the worker ends (after every spec file's own fixtures), kills any node still running. */
  readonly reapNodes: void;
}

/**
 * Every browser test. The checks are fixtures, not hooks in this module: Playwright attaches hooks
 * declared in a shared module only to the first spec file that imports it, whereas fixtures are
 * part of every test that uses this `test`. Spec files declare their nodes as worker-scoped
 * fixtures on top of it, so they start only for tests that run and are stopped even when a test fails.
 */
export const test = base.extend<TestFixtures, WorkerFixtures>({
  reapNodes: [
    // eslint-disable-next-line no-empty-pattern -- Playwright fixtures take their dependencies as a destructured first argument.
    async ({}, use) => {
      await use();
      await killAllNodes();
    },
    { scope: 'worker', auto: true },
  ],
  browserReady: [
    // eslint-disable-next-line no-empty-pattern -- as above
    async ({}, use, testInfo) => {
      if (!HAVE_CHROMIUM) {
        if (!skipPrinted.has(testInfo.file)) console.log(`skipping the browser tests in ${path.basename(testInfo.file)}: ${SKIP_REASON}`);
        skipPrinted.add(testInfo.file);
        testInfo.skip(true, SKIP_REASON);
      }
      if (!fs.existsSync(UI_INDEX)) throw new Error('the web UI is not built: run npm run build:ui first');
      await use();
    },
    { auto: true },
  ],
  // eslint-disable-next-line no-empty-pattern -- as above
  defer: async ({}, use) => {
    const cleanups: Array<() => Promise<unknown> | unknown> = [];
    await use((cleanup) => void cleanups.push(cleanup));
    const failures: unknown[] = [];
    for (const cleanup of cleanups.reverse()) {
      try {
        await cleanup();
      } catch (err) {
        failures.push(err);
      }
    }
    if (failures.length > 0) throw failures[0];
  },
});

/** Stops nodes in parallel; each stop fails unless the node exits with 0 within its deadline. */
export async function stopAll(...nodes: ReadonlyArray<{ stop(): Promise<unknown> } | undefined>): Promise<void> {
  const results = await Promise.allSettled(nodes.map(async (n) => n?.stop()));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}

/** Opens the node's web UI signed in through its ?token= link, as the startup log offers. */
export async function openUi(page: Page, node: RunningNode): Promise<void> {
  await page.goto(`${node.url}/?token=${encodeURIComponent(node.token)}`);
}

export async function onboard(page: Page, username: string, displayName: string, relays = ''): Promise<void> {
  await page.getByLabel('Username', { exact: true }).fill(username);
  // Publishing in the directory has its own spec (onboarding-directory.spec.ts); here identities start unregistered.
  await page.locator('#publish-username').uncheck();
  await page.getByLabel('Display name').fill(displayName);
  await page.getByRole('button', { name: 'Create identity' }).click();
  await expect(page.getByRole('heading', { name: 'Choose your relays' })).toBeVisible();
  if (relays) await page.locator('#relays').fill(relays);
  await page.getByRole('button', { name: 'Continue' }).click();
  await expect(page.getByRole('heading', { name: 'Chats', level: 1 })).toBeVisible();
}

export interface AuditFindings {
  /** Rules axe found broken: always a failure. */
  readonly violations: string[];
  /** Checks axe could not decide and that no reviewed exception below covers: a failure too. */
  readonly incomplete: string[];
  /** Undecided checks covered by a reviewed exception ("rule target — why"), printed so they stay in view. */
  readonly reviewed: string[];
}

interface AxeCheck {
  readonly id: string;
  readonly message: string;
  readonly data?: unknown;
}
interface AxeNode {
  readonly html: string;
  readonly target: unknown[];
  readonly any: readonly AxeCheck[];
  readonly all: readonly AxeCheck[];
  readonly none: readonly AxeCheck[];
}

/** The text a node's markup shows, roughly (tags dropped, the entities our markup can hold decoded). */
const shownText = (html: string) =>
  html
    .replace(/<[^>]*>/g, '')
    .replace(/&nbsp;|&#160;/g, ' ')
    .replace(/&amp;/g, '&')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .trim();

/**
 * Undecided ("incomplete") results reviewed by hand, per rule and per reason; each returns why it
 * is accepted, or null. Anything not accepted here fails the audit like a violation, so a new kind
 * of undecided result has to be looked at before the suite passes again.
 *
 * - label-content-name-mismatch on a control whose only visible content is a symbol (the "⌨" of
 *   the shortcuts button, the "×" of a dialog's close button, both aria-hidden next to an
 *   aria-label): WCAG 2.5.3 Label in Name is about visible text; a symbol has no words a
 *   speech-input user could say, so the name ("Keyboard shortcuts", "Close") cannot mismatch it.
 *   A control that shows letters or digits is not covered.
 * - color-contrast is never accepted: gradients, background images, overlapping or pseudo
 *   elements are what make axe unsure, and each must be fixed or checked, not waved through.
 *   (Text only partly visible because a scrolled region cuts it, e.g. at 400 % zoom, is checked
 *   again scrolled into view — see contrastInView — and counts as that second check decides.)
 */
function reviewedIncomplete(ruleId: string, node: AxeNode): string | null {
  if (ruleId === 'label-content-name-mismatch') {
    const text = shownText(node.html);
    if (text.length > 0 && !/[\p{L}\p{N}]/u.test(text)) return `its only visible content is the symbol "${text}"`;
  }
  return null;
}

/** axe-core against WCAG 2.x A/AA (and best practices): violations, undecided checks, reviewed exceptions. */
export async function audit(page: Page, name: string): Promise<AuditFindings> {
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice']).analyze();
  const where = (n: { target: unknown[] }) => n.target.map(String).join(' ');
  const violations = results.violations.map((v) => `${name}: ${v.id} (${v.impact}) ${v.nodes.map(where).join(', ')} — ${v.help}`);
  const incomplete: string[] = [];
  const reviewed: string[] = [];
  for (const rule of results.incomplete) {
    for (const node of rule.nodes as unknown as AxeNode[]) {
      const why = [...node.any, ...node.all, ...node.none].map((c) => c.message).join('; ');
      // Text cut by the edge of a scrolled region (a message list, a dialog that scrolls at high
      // zoom) cannot have its background read; decide it again scrolled fully into view.
      if (rule.id === 'color-contrast' && partlyScrolledAway(node)) {
        const again = await contrastInView(page, node);
        if (again === 'passes') continue;
        if (again === 'fails') {
          violations.push(`${name}: color-contrast (${rule.impact ?? 'serious'}) ${where(node)} — ${rule.help} (scrolled into view)`);
          continue;
        }
      }
      const accepted = reviewedIncomplete(rule.id, node);
      if (accepted) reviewed.push(`${rule.id} ${where(node)} — ${accepted}`);
      else incomplete.push(`${name}: ${rule.id} (undecided) ${where(node)} — ${why || rule.help}`);
    }
  }
  return { violations, incomplete, reviewed };
}

/**
 * Undecided because part of the text is scrolled away. axe says so (elmPartiallyObscured), except
 * for a one-character text (a dialog's "×" at the top of a dialog that opened scrolled down to its
 * first button, at 400 % zoom): there it reports shortTextContent with no background found, which
 * it also does for other reasons. Either way the text is decided again in view, and only a pass
 * there counts (a gradient or an image behind it stays undecided).
 */
const partlyScrolledAway = (node: AxeNode) =>
  [...node.any, ...node.all, ...node.none].some((c) => {
    const data = c.data as { messageKey?: string; bgColor?: string } | undefined;
    return data?.messageKey === 'elmPartiallyObscured' || (data?.messageKey === 'shortTextContent' && data.bgColor === undefined);
  });

/** Scrolls the node into view inside its scrolling boxes and asks axe's color-contrast rule again, for that node only. */
async function contrastInView(page: Page, node: AxeNode): Promise<'passes' | 'fails' | 'undecided'> {
  const selector = node.target.length === 1 && typeof node.target[0] === 'string' ? node.target[0] : null;
  if (!selector) return 'undecided';
  const moved = await page.evaluate((sel) => {
    const el = document.querySelector(sel);
    if (!el) return false;
    el.scrollIntoView({ block: 'nearest', inline: 'nearest' });
    return true;
  }, selector);
  if (!moved) return 'undecided';
  const again = await new AxeBuilder({ page }).include(selector).withRules(['color-contrast']).analyze();
  if (again.violations.length > 0) return 'fails';
  if (again.incomplete.length > 0) return 'undecided';
  return again.passes.some((r) => r.nodes.length > 0) ? 'passes' : 'undecided';
}

/** Collects audits over a test and fails it once at the end with every finding listed. */
export function auditLog(page: Page) {
  const problems: string[] = [];
  /** Each reviewed exception, with the screens it was seen on. */
  const reviewed = new Map<string, string[]>();
  let audited = 0;
  return {
    async check(name: string): Promise<void> {
      audited++;
      const found = await audit(page, name);
      problems.push(...found.violations, ...found.incomplete);
      for (const r of found.reviewed) reviewed.set(r, [...(reviewed.get(r) ?? []), name]);
      await screenshot(page, name.replaceAll('/', '-'));
    },
    finish(): void {
      expect(audited, 'screens audited').toBeGreaterThan(0);
      if (reviewed.size > 0) {
        const lines = [...reviewed].map(([what, screens]) => `${what} (${screens.length} of ${audited} screens)`);
        console.log(`axe could not decide these; reviewed and accepted (see reviewedIncomplete in fixtures.ts):\n  ${lines.join('\n  ')}`);
      }
      expect(problems, problems.join('\n')).toEqual([]);
    },
  };
}

export async function screenshot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: false });
}
