import type { Page } from '@playwright/test';
import type { MethodOutput } from '../../node-core/api/contract.ts';
import { createIdentity, json, startUser, waitFor } from '../../node-core/test/helpers/p2p-net.ts';
import type { RunningNode } from '../../node-core/test/helpers/spawn-node.ts';
import { formatAmount } from '../../renderer/src/wallet-amounts.ts';
import { auditLog, expect, openUi, stopAll, test as base } from './fixtures.ts';
import { layoutProblems, zoomedViewport } from './layout-checks.ts';
import { usePreferences } from './scenes.ts';

/**
 * Moving funds between the chains on the Wallet screen, against a real headless node running its
 * own chains and relaying its own bridge packets (no genesis given). By keyboard only: test coins,
 * 3 DCT to the chat chain through the confirmation (the operation listed, waiting for its finality
 * proof, then Done; the chat-chain balance up by 3), 1 DCT back. axe and layout at 100/200/400 %,
 * and right to left in Arabic.
 */

type Wallet = MethodOutput<'wallet.get'>;
type Packets = MethodOutput<'bridge.packets'>;

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

const rpc = <M extends 'wallet.get' | 'bridge.packets'>(node: RunningNode, method: M, input: object = {}) => json<MethodOutput<M>>(node.api(`/api/rpc/${method}`, { json: input }));
const money = (units: number, wallet: Wallet) => `${formatAmount(units, 'en', wallet.decimals)} ${wallet.symbol}`;
const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

async function tabTo(page: Page, target: string): Promise<void> {
  for (let i = 0; i < 80; i++) {
    await page.keyboard.press('Tab');
    const { text, id } = await page.evaluate(() => ({ text: (document.activeElement?.textContent ?? '').trim(), id: document.activeElement?.id ?? '' }));
    if (target.startsWith('#') ? `#${id}` === target : text === target) return;
  }
  throw new Error(`Tab never reached "${target}"`);
}

async function auditAtZooms(page: Page, log: ReturnType<typeof auditLog>, name: string): Promise<void> {
  for (const zoom of [100, 200, 400]) {
    await page.setViewportSize(zoomedViewport(zoom));
    await log.check(`bridge/${name}@${zoom}`);
    expect(await layoutProblems(page, `bridge/${name}@${zoom}`)).toEqual([]);
  }
  await page.setViewportSize(zoomedViewport(100));
}

async function openWallet(page: Page, node: RunningNode, heading = 'Wallet'): Promise<void> {
  await openUi(page, node);
  await expect(page.locator('nav')).toBeVisible();
  await page.keyboard.press('Alt+7');
  await expect(page.getByRole('heading', { name: heading, level: 1 })).toBeVisible();
}

test('bridge: test coins, 3 DCT to the chat chain (waiting for its proof, then Done), 1 DCT back, by keyboard', async ({ page, alice }) => {
  const { node } = alice;
  test.setTimeout(240_000);
  const log = auditLog(page);
  const before = await rpc(node, 'wallet.get');
  expect(before.chat_chain_id).toMatch(/^local-chat-/);
  await openWallet(page, node);
  const chatBalance = page.getByTestId('wallet-chat-balance');
  await expect(chatBalance).toContainText(money(before.chat_balance, before));
  await expect(page.getByRole('heading', { name: 'Moves between chains' })).toBeVisible();
  await expect(page.getByText('You have not moved anything between the chains yet.')).toBeVisible();

  // Test coins first (the faucet button), then the move form.
  const gift = money(before.faucet_amount, before);
  await tabTo(page, `Get test coins (${gift})`);
  await page.keyboard.press('Enter');
  await expect(page.getByText(new RegExp(`^You received ${escape(gift)} in block \\d+\\.$`))).toBeVisible();
  const funded = await rpc(node, 'wallet.get');

  // More than the balance allows is refused beside the field.
  await tabTo(page, '#bridge-to');
  await expect(page.locator('#bridge-to')).toHaveValue('chat');
  await page.keyboard.press('Tab');
  await expect(page.locator('#bridge-amount')).toBeFocused();
  await page.keyboard.type(formatAmount(funded.balance, 'en', funded.decimals, { grouping: false }));
  await page.keyboard.press('Enter');
  await expect(page.locator('#bridge-amount-error')).toHaveText(`That is more than your balance allows after the fee: at most ${money(funded.balance - funded.min_fee, funded)}.`);
  await expect(page.locator('#bridge-amount')).toBeFocused();

  // While the operation is in flight the list says it waits for its finality proof: the node's
  // answers are held at Initiated (the real relayer proves it within a second) until let go.
  let holdPending = true;
  await page.route('**/api/rpc/bridge.packets', async (route) => {
    const response = await route.fetch();
    const body = (await response.json()) as Packets;
    const packets = holdPending ? body.packets.map((p) => ({ ...p, state: 'Initiated' as const, proved: null, finished: null })) : body.packets;
    await route.fulfill({ response, json: { packets } });
  });
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.type('3');
  await page.keyboard.press('Enter');
  const dialog = page.getByRole('dialog', { name: 'Move these funds?' });
  await expect(dialog).toContainText('Currency chain');
  await expect(dialog).toContainText('Chat chain');
  await expect(dialog).toContainText(money(3_000_000, funded));
  await expect(dialog).toContainText(money(funded.min_fee, funded));
  await expect(dialog.getByRole('button', { name: 'Cancel' })).toBeFocused();
  await auditAtZooms(page, log, 'confirm');
  await page.keyboard.press('Tab');
  await expect(dialog.getByRole('button', { name: 'Move' })).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(dialog.getByRole('status')).toHaveText(`Sent ${money(3_000_000, funded)} to the chat chain; it arrives there once the finality proof is checked.`);
  await expect(dialog.getByText(/^Final in block \d+\.$/)).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();

  const operations = page.getByTestId('bridge-operations').getByRole('listitem');
  const first = operations.first();
  await expect(first).toContainText(`${money(3_000_000, funded)} to the chat chain`);
  await expect(first).toContainText('Waiting for finality proof');
  await expect(first).toContainText(/Returned at .+ unless it is proved before\./);
  await expect(page.getByText('1 move is on its way; this list follows it by itself.')).toBeVisible();
  await auditAtZooms(page, log, 'pending');

  // Let go: the real state comes through on the screen's own refresh.
  holdPending = false;
  await expect(first).toHaveAttribute('data-state', 'Executed');
  await expect(first).toContainText('Done');
  await expect(first).toContainText(/Finished .+\./);
  await expect(page.getByText('Every move is settled.')).toBeVisible();
  await page.unroute('**/api/rpc/bridge.packets');
  const there = await waitFor('3 DCT on the chat chain', async () => {
    const w = await rpc(node, 'wallet.get');
    return w.chat_balance >= funded.chat_balance + 3_000_000 ? w : undefined;
  });
  await expect(chatBalance).toContainText(money(there.chat_balance, there));
  expect(there.balance).toBe(funded.balance - 3_000_000 - funded.min_fee);
  const { packets } = await rpc(node, 'bridge.packets');
  expect(packets[0]).toMatchObject({ direction: 'currency-to-chat', app: 'transfer', amount: 3_000_000, state: 'Executed' });
  await auditAtZooms(page, log, 'done');

  // 1 DCT back to the currency chain: the other direction of the same form.
  await page.locator('#bridge-to').focus();
  await page.keyboard.press('ArrowDown');
  await expect(page.locator('#bridge-to')).toHaveValue('currency');
  await expect(page.locator('#bridge-amount-help')).toHaveText(`You can move up to ${money(there.chat_balance - there.min_fee, there)} from the chat chain; the fee is ${money(there.min_fee, there)}.`);
  await page.keyboard.press('Tab');
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.type('1');
  await page.keyboard.press('Enter');
  const back = page.getByRole('dialog', { name: 'Move these funds?' });
  await expect(back.getByRole('button', { name: 'Cancel' })).toBeFocused();
  await page.keyboard.press('Tab');
  await page.keyboard.press('Enter');
  await expect(back.getByRole('status')).toHaveText(`Sent ${money(1_000_000, there)} to the currency chain; it arrives there once the finality proof is checked.`);
  await page.keyboard.press('Escape');
  await expect(operations).toHaveCount(2);
  await expect(operations.first()).toContainText(`${money(1_000_000, there)} to the currency chain`);
  await expect(operations.first()).toHaveAttribute('data-state', 'Executed');
  await waitFor('1 DCT back on the currency chain', async () => ((await rpc(node, 'wallet.get')).balance === there.balance + 1_000_000 ? true : undefined));
  await expect(page.getByTestId('wallet-balance')).toHaveText(money(there.balance + 1_000_000, there));
  log.finish();
});

test('bridge: the operations and the form right to left (Arabic, dark) and a returned operation in words', async ({ page, alice }) => {
  const { node } = alice;
  test.setTimeout(120_000);
  const log = auditLog(page);
  const { packets } = await rpc(node, 'bridge.packets');
  expect(packets.length).toBeGreaterThan(0);
  // A rolled-back operation is rare on a healthy node: the list is shown one, as the node would give it after a timeout.
  await page.route('**/api/rpc/bridge.packets', async (route) => {
    const response = await route.fetch();
    const body = (await response.json()) as Packets;
    const returned = { ...body.packets[0]!, id: 'x/1', state: 'RolledBack' as const, error: 'timeout' };
    await route.fulfill({ response, json: { packets: [returned, ...body.packets] } });
  });
  await openWallet(page, node);
  const returned = page.getByTestId('bridge-operations').getByRole('listitem').first();
  await expect(returned).toContainText('Returned: no finality proof arrived in time');
  await log.check('bridge/returned-en@100');
  await usePreferences(page, 'ar', 'dark');
  await openWallet(page, node, 'المحفظة');
  await expect(page.locator('html')).toHaveAttribute('dir', 'rtl');
  await expect(page.getByRole('heading', { name: 'عمليات النقل بين السلسلتين' })).toBeVisible();
  await expect(returned).toContainText('أُعيدت: لم يصل إثبات النهائية في الوقت المحدد');
  await expect(page.getByTestId('bridge-operations').getByRole('listitem').nth(1)).toContainText('تمّت');
  await log.check('bridge/ar-dark@100');
  await page.setViewportSize(zoomedViewport(400));
  await log.check('bridge/ar-dark@400');
  expect(await layoutProblems(page, 'bridge/ar-dark@400')).toEqual([]);
  log.finish();
});
