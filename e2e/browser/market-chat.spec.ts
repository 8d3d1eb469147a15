import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from '@playwright/test';
import type { MethodOutput } from '../../node-core/api/contract.ts';
import { createDevnet, type Devnet } from '../../node-core/test/helpers/devnet.ts';
import { json, startRelay, waitFor, type RelayNode } from '../../node-core/test/helpers/p2p-net.ts';
import type { RunningNode } from '../../node-core/test/helpers/spawn-node.ts';
import { auditLog, expect, openUi, stopAll, test as base } from './fixtures.ts';
import { layoutProblems, zoomedViewport } from './layout-checks.ts';

/**
 * The marketplace inside the chat, each person on their own node and in their own browser: a
 * devnet (one validator, which also hosts the moderator, and two full nodes, the seller's and the
 * buyer's) and a relay both chose. The seller lists a sticker pack built in the Sell form from
 * real PNG files; the buyer finds it, buys it through the confirmation, opens the chat with the
 * seller from there, sees the order notice and the delivery the seller's node sent by itself,
 * opens the sticker picker (by keyboard only) and sends a sticker, which both see in the chat;
 * the buyer confirms receipt from the delivery's card; the seller shares the listing in the chat
 * and the buyer opens it from its card. axe and layout at 100/200/400 % on each new view.
 */

// Two real PNGs, 1×1 red and blue: the pack's stickers.
const PNG_RED = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==';
const PNG_BLUE = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPj/HwADBwIAMCbHYQAAAABJRU5ErkJggg==';

interface Net {
  readonly relay: RelayNode;
  readonly net: Devnet;
  readonly seller: { node: RunningNode; id: string };
  readonly buyer: { node: RunningNode; id: string };
  readonly moderator: { node: RunningNode; id: string };
}

const test = base.extend<object, { market: Net }>({
  market: [
    // eslint-disable-next-line no-empty-pattern -- Playwright fixtures take their dependencies as a destructured first argument.
    async ({}, use) => {
      const relay = await startRelay();
      const env = { DCHAT_HOME_RELAYS: relay.relayAddress, DCHAT_RATE_LIMIT_ENABLED: 'false' };
      const net = await createDevnet(1, 2);
      await Promise.all([net.start('validator-0', { DCHAT_RATE_LIMIT_ENABLED: 'false' }), net.start('full-0', env), net.start('full-1', env)]);
      const party = async (name: string, username: string, displayName: string) => {
        const node = net.node(name);
        const id = (await json<{ id: string }>(node.api('/api/identities', { json: { username, display_name: displayName } }))).id;
        await json(node.api('/api/rpc/wallet.faucet', { json: { identity_id: id } }));
        return { node, id };
      };
      const [seller, buyer, moderator] = await Promise.all([party('full-0', 'maker', 'Maker'), party('full-1', 'fan', 'Fan'), party('validator-0', 'judge', 'Judge')]);
      await json(moderator.node.api('/api/rpc/market.moderate', { json: { identity_id: moderator.id, fee_fixed: 0, fee_bp: 100, description: 'quick' } }));
      await use({ relay, net, seller, buyer, moderator });
      await stopAll(...net.nodes.values(), relay);
    },
    { scope: 'worker', timeout: 120_000 },
  ],
});

async function userPage(browser: Browser, language = 'en'): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  await context.addInitScript((lang) => localStorage.setItem('dchat.preferences', JSON.stringify({ language: lang, theme: 'light', reducedMotion: true, textSize: 100 })), language);
  return context.newPage();
}

async function auditAtZooms(page: Page, log: ReturnType<typeof auditLog>, name: string): Promise<void> {
  for (const zoom of [100, 200, 400]) {
    await page.setViewportSize(zoomedViewport(zoom));
    await log.check(`market-chat/${name}@${zoom}`);
    expect(await layoutProblems(page, `market-chat/${name}@${zoom}`)).toEqual([]);
  }
  await page.setViewportSize(zoomedViewport(100));
}

async function press(page: Page, name: string): Promise<void> {
  const button = page.getByRole('button', { name, exact: true });
  await button.focus();
  await page.keyboard.press('Enter');
}

async function openMarket(page: Page, node: RunningNode): Promise<void> {
  await openUi(page, node);
  await expect(page.locator('nav')).toBeVisible();
  await page.keyboard.press('Alt+8');
  await expect(page.getByRole('heading', { name: 'Marketplace', level: 1 })).toBeVisible();
  await expect(page.getByTestId('market-balance')).toBeVisible();
}

test('marketplace in the chat: a sticker pack made from PNG files, bought through the confirmation, delivered in the chat, a sticker sent from the picker by keyboard', async ({ browser, market }, testInfo) => {
  test.setTimeout(300_000);
  const { seller, buyer } = market;
  const files = testInfo.outputPath('stickers');
  fs.mkdirSync(files, { recursive: true });
  const red = path.join(files, 'red.png');
  const blue = path.join(files, 'blue.png');
  fs.writeFileSync(red, Buffer.from(PNG_RED, 'base64'));
  fs.writeFileSync(blue, Buffer.from(PNG_BLUE, 'base64'));

  // The seller builds the pack in the Sell form: what is missing is said beside the field first.
  const sellerPage = await userPage(browser);
  const sellerLog = auditLog(sellerPage);
  await openMarket(sellerPage, seller.node);
  await press(sellerPage, 'Sell');
  await expect(sellerPage.locator('#sell-type')).toHaveValue('sticker_pack');
  await sellerPage.locator('#sell-title').fill('Dots');
  await sellerPage.locator('#sell-description').fill('A red dot and a blue dot.');
  await sellerPage.locator('#sell-price').fill('1');
  await press(sellerPage, 'Publish the listing');
  await expect(sellerPage.locator('#sell-stickers-error')).toHaveText('Add at least one sticker image.');
  await expect(sellerPage.locator('#sell-stickers')).toBeFocused();
  // Any other type needs its file.
  await sellerPage.locator('#sell-type').selectOption('file');
  await press(sellerPage, 'Publish the listing');
  await expect(sellerPage.locator('#sell-file-error')).toHaveText('Choose the file buyers will receive.');
  await expect(sellerPage.locator('#sell-file')).toBeFocused();
  await sellerPage.locator('#sell-type').selectOption('sticker_pack');
  await sellerPage.locator('#sell-stickers').setInputFiles([red, blue]);
  const rows = sellerPage.getByTestId('sell-sticker-rows').locator('li');
  await expect(rows).toHaveCount(2);
  await expect(sellerPage.getByLabel('Emoji for sticker 1')).toHaveValue('😀');
  await sellerPage.getByLabel('Emoji for sticker 1').fill('🔴');
  await sellerPage.getByLabel('Emoji for sticker 2').fill('no');
  await press(sellerPage, 'Publish the listing');
  await expect(sellerPage.locator('#sell-emoji-1-error')).toHaveText('Give sticker 2 one emoji, such as 😀.');
  await expect(sellerPage.getByLabel('Emoji for sticker 2')).toBeFocused();
  await sellerPage.getByLabel('Emoji for sticker 2').fill('🔵');
  await auditAtZooms(sellerPage, sellerLog, 'sell-stickers');
  await press(sellerPage, 'Publish the listing');
  await expect(sellerPage.getByText('Published. It is in your listings below.')).toBeVisible({ timeout: 30_000 });
  await expect(sellerPage.getByTestId('my-listing')).toContainText('Dots');
  await expect(sellerPage.getByTestId('sell-sticker-rows')).toHaveCount(0);

  // The buyer finds it on their own node once the chat chain carries it there.
  const listing = await waitFor('the listing at the buyer', async () => {
    const { listings } = await json<MethodOutput<'market.listings'>>(buyer.node.api('/api/rpc/market.listings', { json: { q: 'Dots' } }));
    return listings[0];
  }, 60_000);
  await waitFor('the moderator at the buyer', async () => (await json<MethodOutput<'market.moderators'>>(buyer.node.api('/api/rpc/market.moderators', { json: {} }))).moderators[0], 60_000);
  const buyerPage = await userPage(browser);
  const buyerLog = auditLog(buyerPage);
  await openMarket(buyerPage, buyer.node);
  await buyerPage.locator('#market-q').fill('Dots');
  await buyerPage.locator('#market-q').press('Enter');
  await expect(buyerPage.getByTestId('listing-count')).toHaveText('1 listing found.');
  await press(buyerPage, 'Details: Dots');
  await expect(buyerPage.getByRole('heading', { name: 'Dots', level: 2 })).toBeFocused();
  await expect(buyerPage.locator('#market-moderator option')).toHaveCount(1);

  // Buy asks first: the price, the seller, the moderator and its fee, what escrow means.
  const buy = buyerPage.getByRole('button', { name: 'Buy for 1 DCT' });
  await buy.focus();
  await buyerPage.keyboard.press('Enter');
  const dialog = buyerPage.getByRole('dialog', { name: 'Buy Dots?' });
  await expect(dialog).toBeVisible();
  const facts = dialog.getByTestId('buy-confirm-facts');
  await expect(facts).toContainText('You pay1 DCT');
  await expect(facts).toContainText(`Seller${listing.seller.slice(0, 6)}…${listing.seller.slice(-4)}`);
  await expect(facts).toContainText(`Moderator${market.moderator.id.slice(0, 6)}`);
  await expect(facts).toContainText("Moderator's fee0.01 DCT (0 DCT plus 1%)");
  await expect(dialog).toContainText('escrow on the currency chain');
  await expect(dialog).toContainText('when the escrow period ends');
  const pay = dialog.getByRole('button', { name: 'Pay 1 DCT into escrow' });
  await expect(pay).toBeFocused();
  await auditAtZooms(buyerPage, buyerLog, 'buy-confirm');
  // Escape leaves it unpaid, and focus is back on Buy.
  await buyerPage.keyboard.press('Escape');
  await expect(dialog).toHaveCount(0);
  await expect(buy).toBeFocused();
  await buyerPage.keyboard.press('Enter');
  await expect(pay).toBeFocused();
  await buyerPage.keyboard.press('Enter');
  await expect(buyerPage.getByText('Bought. The payment is held in escrow; the order is in My orders.')).toBeVisible({ timeout: 30_000 });

  // From there to the chat with the seller: the order notice, then the seller's node delivers by itself.
  await press(buyerPage, 'Open the chat with the seller');
  await expect(buyerPage.locator('#composer-input')).toBeVisible();
  const ordered = buyerPage.getByTestId('market-card-order');
  await expect(ordered).toContainText('Order placed');
  await expect(ordered).toContainText('Dots');
  await expect(ordered).toContainText('Sticker pack · 1 DCT');
  const delivered = buyerPage.getByTestId('market-card-delivery');
  await expect(delivered).toContainText('Delivered', { timeout: 90_000 });
  await expect(delivered.getByTestId('market-card-state')).toHaveText('Delivered — waiting for the buyer to confirm', { timeout: 60_000 });
  const deliveryMessage = buyerPage.locator('.message', { has: delivered });
  await expect(deliveryMessage.locator('.attachment-name')).toHaveText('dots.json');
  // The seller the node added as a contact for the order is named as their profile says.
  await expect(deliveryMessage.locator('.sender')).toHaveText('Maker');
  await expect(delivered.getByRole('button', { name: 'Confirm receipt of Dots and pay the seller' })).toBeVisible();

  // The stickers button comes once the pack is here and checked; the picker works by keyboard alone.
  const stickers = buyerPage.getByRole('button', { name: 'Stickers', exact: true });
  await expect(stickers).toBeVisible({ timeout: 30_000 });
  await auditAtZooms(buyerPage, buyerLog, 'delivered');
  await stickers.focus();
  await buyerPage.keyboard.press('Enter');
  const picker = buyerPage.getByRole('dialog', { name: 'Stickers' });
  await expect(picker).toBeVisible();
  await expect(picker.getByRole('group', { name: 'Dots' })).toBeVisible();
  const first = picker.getByRole('button', { name: 'Send sticker 🔴 (1 of 2)' });
  const second = picker.getByRole('button', { name: 'Send sticker 🔵 (2 of 2)' });
  await expect(first).toBeFocused();
  await buyerPage.keyboard.press('ArrowRight');
  await expect(second).toBeFocused();
  await buyerPage.keyboard.press('ArrowLeft');
  await expect(first).toBeFocused();
  await buyerPage.keyboard.press('End');
  await expect(second).toBeFocused();
  // The grid is one Tab stop: Tab goes on to the dialog's Close and back, landing where it was.
  await buyerPage.keyboard.press('Tab');
  await expect(picker.getByRole('button', { name: 'Close' })).toBeFocused();
  await buyerPage.keyboard.press('Tab');
  await expect(second).toBeFocused();
  await auditAtZooms(buyerPage, buyerLog, 'sticker-picker');
  await buyerPage.keyboard.press('Escape');
  await expect(picker).toHaveCount(0);
  await expect(stickers).toBeFocused();
  await buyerPage.keyboard.press('Enter');
  await expect(first).toBeFocused();
  await buyerPage.keyboard.press('ArrowRight');
  await buyerPage.keyboard.press('Enter');
  await expect(picker).toHaveCount(0);
  await expect(stickers).toBeFocused();

  // The sticker in use: shown in the buyer's chat at once, and at the seller's.
  const sent = buyerPage.locator('.message.mine img.sticker-image');
  await expect(sent).toBeVisible({ timeout: 30_000 });
  expect(await sent.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBeGreaterThan(0);
  await sellerPage.keyboard.press('Alt+1');
  await expect(sellerPage.getByRole('heading', { name: 'Chats', level: 1 })).toBeVisible();
  await sellerPage.locator('button.chat-item').first().click();
  const received = sellerPage.locator('.message:not(.mine) img.sticker-image');
  await expect(received).toBeVisible({ timeout: 60_000 });
  await expect(sellerPage.getByTestId('market-card-order')).toContainText('Order placed');
  await expect(sellerPage.locator('.message:not(.mine) .sender').first()).toHaveText('Fan');
  await expect(sellerPage.getByTestId('market-card-delivery')).toContainText('Delivered');
  // Only the buyer confirms.
  await expect(sellerPage.getByRole('button', { name: /^Confirm receipt/ })).toHaveCount(0);

  // The buyer confirms receipt from the delivery's card.
  await press(buyerPage, 'Confirm receipt of Dots and pay the seller');
  await expect(delivered.getByTestId('market-card-state')).toHaveText('Completed — the seller has been paid', { timeout: 30_000 });
  await expect(delivered.getByRole('button', { name: /^Confirm receipt/ })).toHaveCount(0);

  // The seller shares the listing in the chat; the buyer opens it from its card on the Marketplace.
  await sellerPage.keyboard.press('Alt+8');
  await press(sellerPage, 'Details: Dots');
  await press(sellerPage, 'Share in a chat');
  await expect(sellerPage.locator('#market-share-chat option')).toHaveCount(1);
  await press(sellerPage, 'Share');
  await expect(sellerPage.getByText(/^Shared in /)).toBeVisible();
  await auditAtZooms(sellerPage, sellerLog, 'share');
  const shared = buyerPage.getByTestId('market-card-listing');
  await expect(shared).toContainText('Listing', { timeout: 60_000 });
  await expect(shared).toContainText('Sticker pack · 1 DCT');
  await auditAtZooms(buyerPage, buyerLog, 'shared-listing');
  await press(buyerPage, 'View the listing Dots');
  await expect(buyerPage.getByRole('heading', { name: 'Dots', level: 2 })).toBeFocused();
  await expect(buyerPage.getByTestId('detail-price')).toHaveText('1 DCT');
  await expect(buyerPage.getByRole('button', { name: 'Buy for 1 DCT' })).toBeVisible();

  // Right to left, in Arabic: the cards and the picker.
  const arabic = await userPage(browser, 'ar');
  const arabicLog = auditLog(arabic);
  await openUi(arabic, buyer.node);
  await expect(arabic.locator('html')).toHaveAttribute('dir', 'rtl');
  await arabic.locator('button.chat-item').first().click();
  await expect(arabic.getByTestId('market-card-delivery')).toContainText('تم التسليم');
  await auditAtZooms(arabic, arabicLog, 'ar-chat');
  const arabicStickers = arabic.getByRole('button', { name: 'الملصقات', exact: true });
  await arabicStickers.focus();
  await arabic.keyboard.press('Enter');
  const arabicFirst = arabic.getByRole('button', { name: 'أرسل الملصق 🔴 (1 من 2)' });
  await expect(arabicFirst).toBeFocused();
  // Right to left, the next sticker is to the left.
  await arabic.keyboard.press('ArrowLeft');
  await expect(arabic.getByRole('button', { name: 'أرسل الملصق 🔵 (2 من 2)' })).toBeFocused();
  await auditAtZooms(arabic, arabicLog, 'ar-sticker-picker');
  await arabic.keyboard.press('Escape');
  await expect(arabicStickers).toBeFocused();

  sellerLog.finish();
  buyerLog.finish();
  arabicLog.finish();
});
