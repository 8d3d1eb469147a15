import type { Locator, Page } from '@playwright/test';
import type { MethodOutput } from '../../node-core/api/contract.ts';
import { createIdentity, json, startUser, waitFor } from '../../node-core/test/helpers/p2p-net.ts';
import type { RunningNode } from '../../node-core/test/helpers/spawn-node.ts';
import { formatAmount } from '../../renderer/src/wallet-amounts.ts';
import { auditLog, expect, openUi, stopAll, test as base } from './fixtures.ts';
import { layoutProblems, zoomedViewport } from './layout-checks.ts';

/**
 * A whole purchase on the Marketplace screen, against one real headless node running its own
 * chains (no genesis given) with three identities, each given test coins: the moderator registers
 * terms, the seller lists a sticker pack (and edits its price), the buyer finds it by search and
 * buys it naming the moderator, the seller delivers, the buyer confirms and rates; every step's
 * order state is checked in words, and only the actions the order lists are offered. axe and
 * layout at 100/200/400 %.
 */

interface People {
  readonly node: RunningNode;
  readonly seller: string;
  readonly buyer: string;
  readonly moderator: string;
}

const test = base.extend<object, { people: People }>({
  people: [
    // eslint-disable-next-line no-empty-pattern -- Playwright fixtures take their dependencies as a destructured first argument.
    async ({}, use) => {
      const node = await startUser(null);
      const seller = await createIdentity(node, 'seller');
      const buyer = await createIdentity(node, 'buyer');
      const moderator = await createIdentity(node, 'moderator');
      for (const id of [seller, buyer, moderator]) await json(node.api('/api/rpc/wallet.faucet', { json: { identity_id: id } }));
      await use({ node, seller, buyer, moderator });
      await stopAll(node);
    },
    { scope: 'worker', timeout: 60_000 },
  ],
});

// Two real 1×1 PNGs (red, blue): the stickers of the pack the seller lists.
const PNG_RED = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==';
const PNG_BLUE = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPj/HwADBwIAMCbHYQAAAABJRU5ErkJggg==';

const rpc = <M extends 'market.creator' | 'market.orders'>(node: RunningNode, method: M, input: object) => json<MethodOutput<M>>(node.api(`/api/rpc/${method}`, { json: input }));

async function auditAtZooms(page: Page, log: ReturnType<typeof auditLog>, name: string): Promise<void> {
  for (const zoom of [100, 200, 400]) {
    await page.setViewportSize(zoomedViewport(zoom));
    await log.check(`marketplace/${name}@${zoom}`);
    expect(await layoutProblems(page, `marketplace/${name}@${zoom}`)).toEqual([]);
  }
  await page.setViewportSize(zoomedViewport(100));
}

/** Chooses who acts, by keyboard (the select takes the identity's display name). */
async function actAs(page: Page, name: string): Promise<void> {
  await page.locator('#market-identity').focus();
  await page.locator('#market-identity').selectOption({ label: name });
  await expect(page.getByTestId('market-balance')).toBeVisible();
}

async function section(page: Page, name: string): Promise<void> {
  const button = page.getByRole('button', { name, exact: true });
  await button.focus();
  await page.keyboard.press('Enter');
  await expect(button).toHaveAttribute('aria-pressed', 'true');
}

/** The order's card and its state in words, once the screen's refresh shows it. */
async function expectState(order: Locator, state: string, words: string): Promise<void> {
  await expect(order).toHaveAttribute('data-state', state);
  await expect(order.getByTestId('order-state')).toHaveText(words);
}

test('marketplace: moderator terms, a sticker pack listed, found, bought, delivered, confirmed and rated, by keyboard', async ({ page, people }) => {
  const { node } = people;
  test.setTimeout(120_000);
  const log = auditLog(page);
  await openUi(page, node);
  await expect(page.locator('nav')).toBeVisible();
  await page.keyboard.press('Alt+8');
  await expect(page.getByRole('heading', { name: 'Marketplace', level: 1 })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Marketplace' })).toHaveAttribute('aria-current', 'page');

  // The moderator registers terms: 0.5 DCT plus 2 %.
  await actAs(page, 'Moderator');
  await section(page, 'Moderate');
  await expect(page.getByTestId('moderator-terms')).toHaveText('You are not registered as a moderator.');
  await page.locator('#moderate-fixed').fill('0.5');
  await page.locator('#moderate-percent').fill('2');
  await page.locator('#moderate-percent').press('Enter');
  await expect(page.getByText('Your terms are registered.')).toBeVisible();
  await expect(page.getByTestId('moderator-terms')).toHaveText('Your terms: 0.5 DCT plus 2%.');

  // The seller lists a sticker pack made from two PNG files (this node keeps it to deliver), then edits its price.
  await actAs(page, 'Seller');
  await section(page, 'Sell');
  await expect(page.getByText('You have no open listings.')).toBeVisible();
  await expect(page.locator('#sell-type')).toHaveValue('sticker_pack');
  await page.locator('#sell-title').fill('Cats in hats');
  await page.locator('#sell-description').fill('Twelve cats, each in a different hat.');
  await page.locator('#sell-price').fill('2');
  await page.locator('#sell-license').fill('Personal use in chats');
  await page.locator('#sell-stickers').setInputFiles([
    { name: 'cat-1.png', mimeType: 'image/png', buffer: Buffer.from(PNG_RED, 'base64') },
    { name: 'cat-2.png', mimeType: 'image/png', buffer: Buffer.from(PNG_BLUE, 'base64') },
  ]);
  await expect(page.getByLabel('Emoji for sticker 2')).toHaveValue('😂');
  await page.getByRole('button', { name: 'Publish the listing' }).focus();
  await page.keyboard.press('Enter');
  await expect(page.getByText('Published. It is in your listings below.')).toBeVisible();
  const mine = page.getByTestId('my-listing');
  await expect(mine).toHaveCount(1);
  await expect(mine).toContainText('Cats in hats');
  await expect(mine).toContainText('2 DCT');
  await page.getByRole('button', { name: 'Edit price: Cats in hats' }).focus();
  await page.keyboard.press('Enter');
  await expect(page.locator(`#${await mine.locator('input').getAttribute('id')}`)).toBeFocused();
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.type('2.5');
  await page.keyboard.press('Enter');
  await expect(mine).toContainText('2.5 DCT');
  await expect(page.getByRole('button', { name: 'Edit price: Cats in hats' })).toBeFocused();
  await auditAtZooms(page, log, 'sell');

  // The buyer finds it by search. With no moderator to name (the list held empty), Buy says why it cannot.
  await actAs(page, 'Buyer');
  await section(page, 'Browse');
  await page.locator('#market-q').fill('hats');
  await page.locator('#market-type').selectOption('sticker_pack');
  await page.locator('#market-max-price').fill('3');
  await page.locator('#market-max-price').press('Enter');
  await expect(page.getByTestId('listing-count')).toHaveText('1 listing found.');
  const card = page.getByTestId('listing-card');
  await expect(card).toContainText('Cats in hats');
  await expect(card).toContainText('Sticker pack');
  await expect(card).toContainText('2.5 DCT');
  await expect(card).toContainText('Seller: 0 sales, not rated yet');
  await auditAtZooms(page, log, 'browse');
  await page.locator('#market-max-price').fill('2');
  await page.locator('#market-max-price').press('Enter');
  await expect(page.getByTestId('listing-count')).toHaveText('0 listings found.');
  await page.locator('#market-max-price').fill('');
  await page.locator('#market-max-price').press('Enter');
  await expect(page.getByTestId('listing-count')).toHaveText('1 listing found.');

  await page.route('**/api/rpc/market.moderators', (route) => route.fulfill({ json: { moderators: [] } }));
  await page.getByRole('button', { name: 'Details: Cats in hats' }).focus();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { name: 'Cats in hats', level: 2 })).toBeFocused();
  await expect(page.getByText('Twelve cats, each in a different hat.')).toBeVisible();
  await expect(page.getByText('Personal use in chats')).toBeVisible();
  const buy = page.getByRole('button', { name: 'Buy for 2.5 DCT' });
  await expect(page.getByTestId('buy-blocked')).toHaveText(/^You cannot buy yet: no moderator/);
  await expect(buy).toHaveAttribute('aria-disabled', 'true');
  await expect(buy).toHaveAccessibleDescription(/no moderator you could name/);
  await page.unroute('**/api/rpc/market.moderators');
  await expect(page.locator('#market-moderator option')).toHaveCount(1);
  await expect(page.locator('#market-moderator option')).toHaveText(/: 0\.5 DCT plus 2%$/);
  await expect(page.getByTestId('buy-blocked')).toHaveCount(0);
  await auditAtZooms(page, log, 'detail');
  await buy.focus();
  await page.keyboard.press('Enter');
  // The confirmation says what escrow means; its Pay button has the focus.
  await expect(page.getByRole('dialog', { name: 'Buy Cats in hats?' })).toContainText("Moderator's fee0.55 DCT (0.5 DCT plus 2%)");
  await expect(page.getByRole('button', { name: 'Pay 2.5 DCT into escrow' })).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page.getByText('Bought. The payment is held in escrow; the order is in My orders.')).toBeVisible();
  await page.getByRole('button', { name: 'Go to my orders' }).focus();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { name: 'My orders', level: 2 })).toBeFocused();
  const order = page.getByTestId('order');
  await expectState(order, 'PAID', 'Paid — waiting for the seller to deliver');
  // The buyer's only move while it waits: a dispute.
  await expect(order.getByRole('group').getByRole('button')).toHaveText(['Open a dispute']);
  await auditAtZooms(page, log, 'orders-paid');

  // The seller delivers (recorded on the currency chain).
  await actAs(page, 'Seller');
  await expectState(order, 'PAID', 'Paid — waiting for the seller to deliver');
  await expect(order.getByRole('group').getByRole('button')).toHaveText(['Mark as delivered', 'Cancel and refund the buyer', 'Open a dispute']);
  await order.getByRole('button', { name: 'Mark as delivered' }).focus();
  await page.keyboard.press('Enter');
  await expectState(order, 'DELIVERED', 'Delivered — waiting for the buyer to confirm');
  await expect(order.getByRole('group').getByRole('button')).toHaveText(['Open a dispute']);

  // The buyer confirms, then rates.
  await actAs(page, 'Buyer');
  await expectState(order, 'DELIVERED', 'Delivered — waiting for the buyer to confirm');
  await order.getByRole('button', { name: 'Confirm receipt and pay the seller' }).focus();
  await page.keyboard.press('Enter');
  await expectState(order, 'COMPLETED', 'Completed — the seller has been paid');
  const rate = order.getByRole('button', { name: 'Rate this purchase' });
  await rate.focus();
  await page.keyboard.press('Enter');
  await expect(rate).toHaveAttribute('aria-expanded', 'true');
  await order.getByLabel('Overall').selectOption('4');
  await order.getByLabel('Quality').selectOption('5');
  await order.getByLabel('Matches the description').selectOption('4');
  await order.getByLabel('Delivery').selectOption('5');
  await order.getByLabel('Comment (optional)').fill('Lovely hats.');
  await auditAtZooms(page, log, 'rate');
  await order.getByRole('button', { name: 'Send the rating' }).focus();
  await page.keyboard.press('Enter');
  await expect(order).toContainText('Rated by the buyer');
  await expect(order.getByRole('button', { name: 'Rate this purchase' })).toHaveCount(0);

  // The seller's record: one sale, the revenue the chain counted, the rating.
  await actAs(page, 'Seller');
  const stats = await waitFor('the rating counted', async () => {
    const s = await rpc(node, 'market.creator', { key: people.seller });
    return s.ratings === 1 ? s : undefined;
  });
  const figures = page.getByTestId('creator-stats');
  await expect(figures).toContainText('Sales1');
  await expect(figures).toContainText(`Revenue${formatAmount(stats.revenue, 'en', 6)} DCT`);
  await expect(figures).toContainText('4 of 5 from 1 rating');

  // Anyone browsing sees what the buyer said, on the listing.
  await actAs(page, 'Moderator');
  await section(page, 'Browse');
  await page.getByRole('button', { name: 'Details: Cats in hats' }).focus();
  await page.keyboard.press('Enter');
  const said = page.getByTestId('listing-ratings');
  await expect(said).toContainText('Overall 4 of 5 · quality 5 · description 4 · delivery 5');
  await expect(said).toContainText('Lovely hats.');
  await auditAtZooms(page, log, 'listing-ratings');
  await section(page, 'My orders');

  // The moderator sees the order among theirs, settled, with nothing to do.
  await actAs(page, 'Moderator');
  await page.locator('#orders-role').selectOption('moderator');
  await expectState(order, 'COMPLETED', 'Completed — the seller has been paid');
  await expect(order.getByRole('group')).toHaveCount(0);
  const { orders } = await rpc(node, 'market.orders', { identity_id: people.moderator, role: 'moderator' });
  expect(orders).toHaveLength(1);
  expect(orders[0]).toMatchObject({ state: 'COMPLETED', role: 'moderator', actions: [], rated: true });
  await auditAtZooms(page, log, 'orders-done');
  log.finish();
});
