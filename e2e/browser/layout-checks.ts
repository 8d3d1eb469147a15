import type { Page } from '@playwright/test';
import { auditLog, expect } from './fixtures.ts';

/**
 * What a person at high zoom would run into, checked on the page as shown: the page scrolling
 * sideways, any part of it that scrolls sideways on its own, a control or text reaching outside
 * the window or cut off by a box that hides overflow, and a control that something else covers
 * (each is scrolled into view and must be what is under its own centre). With a dialog open only
 * the dialog counts (the rest of the page is inert behind it).
 */
export async function layoutProblems(page: Page, name: string): Promise<string[]> {
  const found = await page.evaluate(() => {
    const problems: string[] = [];
    const root = document.documentElement;
    const width = root.clientWidth;
    const describe = (el: Element) => {
      const text = (el.textContent ?? '').trim().replace(/\s+/g, ' ').slice(0, 40);
      const cls = typeof el.className === 'string' && el.className ? `.${el.className.trim().split(/\s+/).join('.')}` : '';
      return `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}${cls}${text ? ` "${text}"` : ''}`;
    };
    if (root.scrollWidth > width) problems.push(`the page is ${root.scrollWidth}px wide in a ${width}px window (it scrolls sideways)`);
    const scope: Element = document.querySelector('dialog[open]') ?? document.body;
    const shown = (el: Element) => {
      if (el.closest('.sr-only, .skip-link')) return false;
      if (el.getClientRects().length === 0) return false;
      const style = getComputedStyle(el);
      if (style.visibility === 'hidden') return false;
      const r = el.getBoundingClientRect();
      return r.width > 0 && r.height > 0;
    };
    const elements = [...scope.querySelectorAll('*')].filter(shown);
    for (const el of elements) {
      const style = getComputedStyle(el);
      // A part of the page that scrolls sideways (a table, a code block) is sideways scrolling too.
      if (['auto', 'scroll'].includes(style.overflowX) && el.scrollWidth > el.clientWidth + 1) {
        problems.push(`${describe(el)} scrolls sideways (${el.scrollWidth}px of content in ${el.clientWidth}px)`);
      }
      // A one-line preview that ends in an ellipsis on purpose (a chat row's last message, shown
      // whole in its conversation) is shortened, not cut off; anything else hiding overflow is.
      if (['hidden', 'clip'].includes(style.overflowX) && el.scrollWidth > el.clientWidth + 1 && style.textOverflow !== 'ellipsis') {
        problems.push(`${describe(el)} cuts off its content (${el.scrollWidth}px in ${el.clientWidth}px)`);
      }
    }
    // Controls include a menu's items, which take focus from the menu (tabindex -1), not from Tab.
    const CONTROLS = 'button, input, select, textarea, a[href], [tabindex="0"], [role^="menuitem"]';
    const leaves = elements.filter((el) => el.matches(`${CONTROLS}, h1, h2, h3, p, th, td, dt, dd, label, legend, code, kbd, time, svg, img, .chip, .badge, .sender`));
    for (const el of leaves) {
      const r = el.getBoundingClientRect();
      if (r.left < -1 || r.right > width + 1) problems.push(`${describe(el)} reaches outside the window (${Math.round(r.left)}..${Math.round(r.right)} of ${width}px)`);
      // Cut off by an ancestor that hides its overflow.
      for (let up = el.parentElement; up && up !== document.body; up = up.parentElement) {
        const s = getComputedStyle(up);
        const box = up.getBoundingClientRect();
        const hidesX = ['hidden', 'clip'].includes(s.overflowX);
        const hidesY = ['hidden', 'clip'].includes(s.overflowY);
        // The message list hides sideways overflow only; its rows scroll vertically, which is fine.
        if ((hidesX && (r.left < box.left - 1 || r.right > box.right + 1)) || (hidesY && !['auto', 'scroll'].includes(s.overflowY) && (r.top < box.top - 1 || r.bottom > box.bottom + 1))) {
          problems.push(`${describe(el)} is cut off by ${describe(up).slice(0, 60)}`);
          break;
        }
      }
    }
    // Covered: each control, scrolled into view, is what a pointer at its centre reaches. The
    // scroll positions are put back afterwards, so what follows (an audit) sees the view as it was.
    const scrolled = [document.scrollingElement!, ...document.querySelectorAll('*')].filter((el) => el.scrollTop !== 0 || el.scrollLeft !== 0 || el.scrollHeight > el.clientHeight).map((el) => [el, el.scrollTop, el.scrollLeft] as const);
    for (const el of leaves.filter((e) => e.matches(CONTROLS))) {
      el.scrollIntoView({ block: 'center', inline: 'nearest' });
      const r = el.getBoundingClientRect();
      const x = Math.min(Math.max(r.left + r.width / 2, 0), width - 1);
      const y = Math.min(Math.max(r.top + Math.min(r.height, root.clientHeight) / 2, 0), root.clientHeight - 1);
      const hit = document.elementFromPoint(x, y);
      if (!hit) continue;
      const label = el.id ? document.querySelector(`label[for="${el.id}"]`) : null;
      if (hit !== el && !el.contains(hit) && !hit.contains(el) && hit !== label) problems.push(`${describe(el)} is covered by ${describe(hit).slice(0, 60)}`);
    }
    for (const [el, top, left] of scrolled) {
      el.scrollTop = top;
      el.scrollLeft = left;
    }
    return problems;
  });
  return found.map((p) => `${name}: ${p}`);
}

/** The CSS viewport a 1280×800 window has at a browser zoom level (what Chromium lays out at that zoom). */
export const zoomedViewport = (percent: number) => ({ width: Math.round((1280 * 100) / percent), height: Math.round((800 * 100) / percent) });

/** Collects layout problems and audits together; fails once at the end with all of them. */
export function reflowLog(page: Page, prefix: string) {
  const audits = auditLog(page);
  const problems: string[] = [];
  return {
    async check(name: string): Promise<void> {
      await settled(page);
      problems.push(...(await layoutProblems(page, `${prefix}/${name}`)));
      await audits.check(`${prefix}/${name}`);
    },
    finish(): void {
      expect(problems, problems.join('\n')).toEqual([]);
      audits.finish();
    },
  };
}

/**
 * Waits for the page to settle before it is judged: two frames drawn, and the message list's
 * rows laid out one below the other. The list applies row measurements once a frame
 * (MessageList.tsx), so for a frame after a row grows (its actions menu opens in the row) the
 * rows below still overlap it; rows that keep overlapping fail here.
 */
export async function settled(page: Page): Promise<void> {
  const stacked = () =>
    page.evaluate(async () => {
      await new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)));
      const rows = [...document.querySelectorAll('.message-row')].map((row) => row.getBoundingClientRect());
      return rows.every((row, i) => i === 0 || rows[i - 1]!.bottom <= row.top + 1);
    });
  await expect.poll(stacked, { message: 'the message rows to be laid out one below the other' }).toBe(true);
}
