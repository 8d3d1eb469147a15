import crypto from 'node:crypto';
import type { Page } from '@playwright/test';
import type { MethodOutput } from '../../node-core/api/contract.ts';
import { createIdentity, json, startUser } from '../../node-core/test/helpers/p2p-net.ts';
import type { RunningNode } from '../../node-core/test/helpers/spawn-node.ts';
import { formatAmount } from '../../renderer/src/wallet-amounts.ts';
import { auditLog, expect, openUi, stopAll, test as base } from './fixtures.ts';
import { layoutProblems, zoomedViewport } from './layout-checks.ts';
import { THEMES, usePreferences } from './scenes.ts';

/**
 * The Wallet screen, the chat chain's username registration and the Node screen's chains,
 * against a real headless node running its own single-validator chains (no genesis given: the
 * node's default, with a faucet). By keyboard only: test coins, a transfer through the
 * confirmation dialog (seen pending, then final and in the history), stake and unstake. axe on
 * the screen and its dialog at 100/200/400 % zoom, in every theme, left to right and right to left.
 */

type Wallet = MethodOutput<'wallet.get'>;

/** One node for the file, with Alice (a username the chat chain accepts) as its identity. */
const test = base.extend<object, { alice: { node: RunningNode; id: string } }>({
  alice: [
    // eslint-disable-next-line no-empty-pattern -- Playwright fixtures take their dependencies as a destructured first argument.
    async ({}, use) => {
      const node = await startUser(null);
      const id = await createIdentity(node, 'alice');
      await use({ node, id });
      await stopAll(node);
    },
    { scope: 'worker', timeout: 60_000 },
  ],
});

const ZOOMS = [100, 200, 400] as const;

const rpc = <M extends 'wallet.get' | 'wallet.history' | 'wallet.faucet' | 'directory.lookup' | 'chains.info'>(node: RunningNode, method: M, input: object = {}) =>
  json<MethodOutput<M>>(node.api(`/api/rpc/${method}`, { json: input }));

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** "12.5 DCT", as the English UI writes an amount. */
const money = (units: number, wallet: Wallet) => `${formatAmount(units, 'en', wallet.decimals)} ${wallet.symbol}`;

/** Presses Tab until the focused element's accessible text is `name`, or its id is `#id` (the mouse is never used). */
async function tabTo(page: Page, target: string | RegExp): Promise<void> {
  for (let i = 0; i < 60; i++) {
    await page.keyboard.press('Tab');
    const { text, id } = await page.evaluate(() => ({ text: (document.activeElement?.textContent ?? '').trim(), id: document.activeElement?.id ?? '' }));
    if (typeof target === 'string' ? (target.startsWith('#') ? `#${id}` === target : text === target) : target.test(text)) return;
  }
  throw new Error(`Tab never reached "${String(target)}"`);
}

async function auditAtZooms(page: Page, log: ReturnType<typeof auditLog>, name: string): Promise<void> {
  for (const zoom of ZOOMS) {
    await page.setViewportSize(zoomedViewport(zoom));
    await log.check(`wallet/${name}@${zoom}`);
    expect(await layoutProblems(page, `wallet/${name}@${zoom}`)).toEqual([]);
  }
  await page.setViewportSize(zoomedViewport(100));
}

async function openWallet(page: Page, node: RunningNode, heading = 'Wallet'): Promise<void> {
  await openUi(page, node);
  // Alt+7 is only heard once the shell (its navigation) is there.
  await expect(page.locator('nav')).toBeVisible();
  await page.keyboard.press('Alt+7');
  await expect(page.getByRole('heading', { name: heading, level: 1 })).toBeVisible();
}

/** In the open confirmation `title`: Tab from Cancel to the confirm button, Enter, wait for `done`, close with Escape. */
async function confirmInDialog(page: Page, title: string, done: string): Promise<void> {
  const dialog = page.getByRole('dialog', { name: title });
  await expect(dialog.getByRole('button', { name: 'Cancel' })).toBeFocused();
  await page.keyboard.press('Tab');
  await page.keyboard.press('Enter');
  await expect(dialog.getByRole('status')).toHaveText(done);
  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();
}

test('wallet: test coins, a transfer through the confirmation dialog, stake and unstake, by keyboard', async ({ page, alice }) => {
  const { node, id: aliceId } = alice;
  test.setTimeout(240_000);
  const log = auditLog(page);
  const before = await rpc(node, 'wallet.get');
  expect(before.address).toBe(aliceId);
  expect(before.faucet_amount).toBeGreaterThan(0);
  await openWallet(page, node);
  const balance = page.getByTestId('wallet-balance');
  await expect(balance).toHaveText(money(before.balance, before));
  await expect(page.getByLabel('Address', { exact: true })).toHaveValue(aliceId);
  await expect(page.getByRole('img', { name: `QR code of your address ${aliceId}` })).toBeVisible();

  // Test coins: pending, then the block they are final in, and the balance.
  const gift = money(before.faucet_amount, before);
  await tabTo(page, `Get test coins (${gift})`);
  await page.keyboard.press('Enter');
  await expect(page.getByText(new RegExp(`^You received ${escape(gift)} in block \\d+\\.$`))).toBeVisible();
  const funded = await rpc(node, 'wallet.get');
  expect(funded.balance).toBe(before.balance + before.faucet_amount);
  await expect(balance).toHaveText(money(funded.balance, funded));
  await auditAtZooms(page, log, 'funded');

  // Send: what could be misread is refused next to its field, by name.
  const recipient = crypto.randomBytes(32).toString('hex');
  await tabTo(page, '#send-to');
  await page.keyboard.type(recipient.slice(0, 40));
  await page.keyboard.press('Tab');
  await expect(page.locator('#send-amount')).toBeFocused();
  await page.keyboard.type('1,5');
  await tabTo(page, 'Review and send');
  await page.keyboard.press('Enter');
  await expect(page.locator('#send-to')).toBeFocused();
  await expect(page.locator('#send-to')).toHaveAttribute('aria-invalid', 'true');
  await expect(page.locator('#send-to-error')).toHaveText('An address is 64 hexadecimal characters (0–9, a–f).');
  await expect(page.locator('#send-amount-error')).toHaveText('Enter a number, such as 12.5, without thousands separators.');
  await auditAtZooms(page, log, 'send-invalid');
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.type(recipient);
  await page.keyboard.press('Tab');
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.type('0.0000001');
  await page.keyboard.press('Enter');
  await expect(page.locator('#send-amount-error')).toHaveText('An amount has at most 6 decimal places.');
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.type(formatAmount(funded.balance, 'en', funded.decimals, { grouping: false }));
  await page.keyboard.press('Enter');
  await expect(page.locator('#send-amount-error')).toHaveText(`That is more than your balance allows after the fee: at most ${money(funded.balance - funded.min_fee, funded)}.`);
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.type('1.5');
  await page.keyboard.press('Tab');
  await expect(page.locator('#send-fee')).toHaveValue(formatAmount(funded.min_fee, 'en', funded.decimals, { grouping: false }));
  await page.keyboard.press('Enter');

  // The confirmation: recipient, amount, fee, total; Cancel has focus.
  const amount = 1_500_000;
  const dialog = page.getByRole('dialog', { name: 'Send these coins?' });
  await expect(dialog).toContainText(recipient);
  await expect(dialog).toContainText(money(amount, funded));
  await expect(dialog).toContainText(money(funded.min_fee, funded));
  await expect(dialog).toContainText(money(amount + funded.min_fee, funded));
  await expect(dialog.getByRole('button', { name: 'Cancel' })).toBeFocused();
  await auditAtZooms(page, log, 'send-confirm');

  // Held on its way to the node, the transfer is pending on screen; let go, it is final.
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  await page.route('**/api/rpc/wallet.transfer', async (route) => {
    await held;
    await route.continue();
  });
  await page.keyboard.press('Tab');
  await expect(dialog.getByRole('button', { name: 'Send' })).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(dialog.getByRole('status')).toHaveText('Pending: waiting for a final block…');
  await expect(dialog.getByRole('status')).toBeFocused();
  await log.check('wallet/send-pending@100');
  release();
  await expect(dialog.getByRole('status')).toHaveText(`Sent ${money(amount, funded)}.`);
  await expect(dialog.getByText(/^Final in block \d+\.$/)).toBeVisible();
  await expect(dialog.locator('.dialog-actions').getByRole('button', { name: 'Close' })).toBeFocused();
  await auditAtZooms(page, log, 'send-done');
  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();
  // Focus is back where it was when the dialog opened: the fee field, where Enter submitted the form.
  await expect(page.locator('#send-fee')).toBeFocused();
  await page.unroute('**/api/rpc/wallet.transfer');

  // In the history (the node's and the screen's), and out of the balance with its fee.
  const { entries } = await rpc(node, 'wallet.history');
  const sent = entries.find((e) => e.direction === 'out' && e.tx.body.to === recipient);
  expect(sent, 'the transfer in wallet.history').toBeTruthy();
  const row = page.getByRole('row').filter({ hasText: `to ${recipient.slice(0, 8)}…${recipient.slice(-4)}` });
  await expect(row).toContainText('Out');
  await expect(row).toContainText(`−${money(Math.abs(sent!.amount), funded)}`);
  await expect(row).toContainText(money(funded.min_fee, funded));
  await expect(balance).toHaveText(money(funded.balance - amount - funded.min_fee, funded));

  // Stake 2, then unstake 1: staked and unbonding follow, each through its confirmation.
  await tabTo(page, '#stake-amount');
  await page.keyboard.type('2');
  await page.keyboard.press('Enter');
  await expect(page.getByRole('dialog', { name: 'Stake these coins?' })).toContainText(money(2_000_000, funded));
  await confirmInDialog(page, 'Stake these coins?', `Staked ${money(2_000_000, funded)}.`);
  await expect(page.getByTestId('wallet-staked')).toHaveText(money(2_000_000, funded));
  await tabTo(page, '#unstake-amount');
  await page.keyboard.type('5');
  await page.keyboard.press('Enter');
  await expect(page.locator('#unstake-amount-error')).toHaveText(`That is more than you have staked: at most ${money(2_000_000, funded)}.`);
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.type('1');
  await page.keyboard.press('Enter');
  await confirmInDialog(page, 'Unstake these coins?', `Unstaked ${money(1_000_000, funded)}; it is unbonding now.`);
  await expect(page.getByTestId('wallet-staked')).toHaveText(money(1_000_000, funded));
  await expect(page.getByTestId('wallet-unbonding')).toContainText(new RegExp(`^${escape(money(1_000_000, funded))}, released at block \\d+`));
  const after = await rpc(node, 'wallet.get');
  expect(after.staked).toBe(1_000_000);
  expect(after.unbonding.map((u) => u.amount)).toEqual([1_000_000]);
  await auditAtZooms(page, log, 'staked');
  log.finish();
});

test('wallet: the screen and its confirmation in every theme, left to right and right to left', async ({ page, alice }) => {
  const { node } = alice;
  test.setTimeout(180_000);
  const wallet = await rpc(node, 'wallet.get');
  if (wallet.balance < 2 * wallet.min_fee + 1_000_000) await rpc(node, 'wallet.faucet', { wait: true });
  const recipient = crypto.randomBytes(32).toString('hex');
  for (const language of ['en', 'ar'] as const) {
    for (const theme of THEMES) {
      const log = auditLog(page);
      await usePreferences(page, language, theme);
      await openWallet(page, node, language === 'ar' ? 'المحفظة' : 'Wallet');
      await expect(page.locator('html')).toHaveAttribute('dir', language === 'ar' ? 'rtl' : 'ltr');
      await expect(page.getByTestId('wallet-balance')).toBeVisible();
      await log.check(`wallet/${language}-${theme}@100`);
      await page.locator('#send-to').fill(recipient);
      await page.locator('#send-amount').fill(language === 'ar' ? '٠٫٥' : '0.5');
      await page.locator('#send-amount').press('Enter');
      const dialog = page.locator('dialog[open]');
      await expect(dialog).toContainText(recipient);
      await log.check(`wallet/${language}-${theme}-confirm@100`);
      if (theme === 'high-contrast') {
        await page.setViewportSize(zoomedViewport(400));
        await log.check(`wallet/${language}-${theme}-confirm@400`);
        await page.keyboard.press('Escape');
        await log.check(`wallet/${language}-${theme}@400`);
        await page.setViewportSize(zoomedViewport(100));
      } else await page.keyboard.press('Escape');
      await expect(dialog).toHaveCount(0);
      log.finish();
    }
  }
});

test('identity: registering the username on the chat chain shows the height it is final at', async ({ page, alice }) => {
  const { node, id: aliceId } = alice;
  test.setTimeout(120_000);
  const log = auditLog(page);
  await openUi(page, node);
  await expect(page.locator('nav')).toBeVisible();
  await page.keyboard.press('Alt+2');
  await expect(page.getByRole('heading', { name: 'Your username on the chat chain', level: 2 })).toBeVisible();
  const state = page.getByTestId('chain-username-state');
  await expect(state).toHaveText('@alice is not registered on the chat chain yet.');
  await log.check('identity/unregistered@100');
  await tabTo(page, 'Register @alice on the chat chain');
  await page.keyboard.press('Enter');
  await expect(page.getByText(/^Registered @alice at block \d+\.$/)).toBeVisible();
  await expect(state).toHaveText(/^@alice is registered to you, since block \d+\.$/);
  await expect(state).toBeFocused();
  await expect(page.getByRole('button', { name: 'Register @alice on the chat chain' })).toHaveCount(0);
  const answer = await rpc(node, 'directory.lookup', { username: 'alice' });
  expect(answer.record?.identity_key).toBe(aliceId);
  expect(answer.verified).toBe(true);
  await expect(state).toHaveText(`@alice is registered to you, since block ${answer.record!.registered_height}.`);
  await log.check('identity/registered@100');
  await page.setViewportSize(zoomedViewport(400));
  await log.check('identity/registered@400');
  log.finish();
});

test("node screen: each chain's heights, sync, validators with what the quorum tolerates, mempool and this validator's place", async ({ page, alice }) => {
  const { node } = alice;
  test.setTimeout(120_000);
  const log = auditLog(page);
  const info = await rpc(node, 'chains.info');
  await openUi(page, node);
  await expect(page.locator('nav')).toBeVisible();
  await page.keyboard.press('Alt+4');
  await expect(page.getByRole('heading', { name: 'Chains', level: 2 })).toBeVisible();
  for (const [kind, title] of [
    ['chat', 'Chat chain'],
    ['currency', 'Currency chain'],
  ] as const) {
    const chain = info[kind];
    const section = page.getByRole('region', { name: title });
    await expect(section).toContainText(chain.chain_id);
    // The local chain: one validator on this node, quorum 1, so one crash stops it.
    expect(chain.local).toBe(true);
    await expect(section).toContainText('1 validator, quorum 1: tolerates no faulty validator: one crash stops it, and no Byzantine one.');
    const bar = section.getByRole('progressbar');
    await expect(bar).toHaveAttribute('aria-valuenow', '100');
    await expect(section).toContainText(/Validator number 0, round \d+, step (propose|prevote|precommit|waiting for the next height)/);
    await expect(section).toContainText(/\d+ transactions? waiting/);
  }
  await log.check('node/chains-en@100');
  await page.setViewportSize(zoomedViewport(400));
  await log.check('node/chains-en@400');
  await page.setViewportSize(zoomedViewport(100));
  await usePreferences(page, 'ar', 'dark');
  await openUi(page, node);
  await expect(page.locator('nav')).toBeVisible();
  await page.keyboard.press('Alt+4');
  await expect(page.getByRole('heading', { name: 'السلاسل', level: 2 })).toBeVisible();
  await log.check('node/chains-ar-dark@100');
  log.finish();
});
