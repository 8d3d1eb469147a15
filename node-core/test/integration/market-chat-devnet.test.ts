/**
 * The marketplace inside the E2E chat, across real processes: a devnet (one validator, which
 * also hosts the moderator, and two full nodes: the seller's and the buyer's) plus a relay both
 * users chose. The buyer's node tells the seller about a funded order over the chat; the seller's
 * node, by itself, sends the sticker pack it keeps for the listing (an attachment under a fresh key
 * inside the encrypted message) and marks the order delivered on the chain; the buyer's node checks
 * the file against the listing's content hash and the pack is in use — a sticker sent in the chat.
 * With the seller offline at purchase, the notice waits at the seller's relay and the delivery
 * happens when the seller is back. A dispute opens a group chat of the three where the evidence goes.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ListingView, OrderView, PurchaseView } from '../../domain/chain-model.ts';
import type { Message } from '../../domain/model.ts';
import { createDevnet, type Devnet } from '../helpers/devnet.ts';
import { json, messages, relayFigures, startRelay, waitFor, type RelayNode } from '../helpers/p2p-net.ts';
import { killAllNodes, type RunningNode } from '../helpers/spawn-node.ts';

interface Party {
  node: RunningNode;
  id: string;
}

/** Two real 1×1 PNGs (red, blue): the stickers of the pack. */
const PNG_RED = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==';
const PNG_BLUE = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPj/HwADBwIAMCbHYQAAAABJRU5ErkJggg==';
const PACK = { format: 'dchat.sticker-pack', version: 1, title: 'Dots', stickers: [{ emoji: '🔴', mime: 'image/png', data: PNG_RED }, { emoji: '🔵', mime: 'image/png', data: PNG_BLUE }] };

const post = <T>(p: Party, url: string, body: Record<string, unknown> = {}) => json<T>(p.node.api(url, { json: { identity_id: p.id, ...body } }));
const seen = (p: Party, id: string, state: string, timeoutMs = 30_000) =>
  waitFor(`order ${id.slice(0, 8)} ${state} at ${p.id.slice(0, 8)}`, async () => {
    const res = await p.node.api(`/api/marketplace/orders/${id}?identity_id=${p.id}`);
    if (res.status !== 200) return undefined;
    const o = (await res.json()) as OrderView & { chat_id: string | null };
    return o.state === state ? o : undefined;
  }, timeoutMs);
const purchase = (p: Party, orderId: string) =>
  waitFor(`purchase ${orderId.slice(0, 8)} ready at the buyer`, async () => {
    const list = await json<{ purchases: PurchaseView[] }>(p.node.api(`/api/marketplace/purchases?identity_id=${p.id}`));
    return list.purchases.find((x) => x.order_id === orderId && x.status === 'ready');
  }, 30_000);

describe('the marketplace in the E2E chat, on a devnet with a relay', { timeout: 240_000 }, () => {
  let net: Devnet;
  let relay: RelayNode;
  let env: Record<string, string>;
  let seller: Party;
  let buyer: Party;
  let moderator: Party;
  let listing: ListingView;
  const buy = () => post<{ order_id: string; status: string; chat_id: string | null }>(buyer, '/api/marketplace/orders', { listing_id: listing.id, moderator: moderator.id });

  before(async () => {
    relay = await startRelay();
    env = { DCHAT_HOME_RELAYS: relay.relayAddress, DCHAT_RATE_LIMIT_ENABLED: 'false' };
    net = await createDevnet(1, 2);
    await Promise.all([net.start('validator-0'), net.start('full-0', env), net.start('full-1', env)]);
    const party = async (name: string, username: string): Promise<Party> => {
      const node = net.node(name);
      const id = (await json<{ id: string }>(node.api('/api/identities', { json: { username } }))).id;
      await json(node.api('/api/wallet/faucet', { json: { identity_id: id } }));
      return { node, id };
    };
    [seller, buyer, moderator] = await Promise.all([party('full-0', 'maker'), party('full-1', 'fan'), party('validator-0', 'judge')]);
    await post(moderator, '/api/marketplace/moderators', { fee_fixed: 0, fee_bp: 100, description: 'quick' });
    const upload = await json<{ id: string }>(
      seller.node.api('/api/attachments?name=dots.json&type=application/json', { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: JSON.stringify(PACK) }),
    );
    const sold = await post<{ listing_id: string }>(seller, '/api/marketplace/listings', { type: 'sticker_pack', title: 'Dots', description: 'two dots', price: 1_000_000, content_attachment: upload.id });
    listing = await waitFor('the listing at the buyer', async () => (await json<{ listings: ListingView[] }>(buyer.node.api('/api/marketplace/listings?type=sticker_pack'))).listings.find((l) => l.id === sold.listing_id));
    assert.match(listing.content, /^[0-9a-f]{64}$/);
  });
  after(async () => {
    await killAllNodes();
  });

  it('the seller\'s node delivers by itself; the buyer\'s node checks the pack and sends one of its stickers', async () => {
    const bought = await buy();
    assert.ok(bought.chat_id, 'the buy answers the chat with the seller');
    const chatId = bought.chat_id;
    const delivered = await seen(buyer, bought.order_id, 'DELIVERED');
    assert.equal(delivered.chat_id, chatId);
    assert.deepEqual(delivered.actions, ['confirm', 'dispute']);
    const got = await purchase(buyer, bought.order_id);
    assert.deepEqual(got.stickers.map((s) => s.emoji), ['🔴', '🔵']);
    assert.equal(got.stickers[0]!.image, `data:image/png;base64,${PNG_RED}`);
    // The chat shows both sides of it: the buyer's order notice and the seller's delivery with its file.
    const chat = await messages(buyer.node, chatId);
    const notice = chat.find((m) => m.market?.kind === 'order');
    const delivery = chat.find((m) => m.market?.kind === 'delivery');
    assert.deepEqual(notice?.market, { kind: 'order', listing_id: listing.id, order_id: bought.order_id });
    assert.equal(delivery?.sender, seller.id);
    assert.equal(delivery?.attachments?.[0]?.sha256, listing.content);
    const sticker = await post<Message>(buyer, '/api/marketplace/stickers/send', { chat_id: chatId, order_id: bought.order_id, index: 1 });
    await waitFor('the sticker at the seller', async () => {
      const m = (await messages(seller.node, chatId)).find((x) => x.id === sticker.id);
      return m?.attachments?.[0]?.state === 'complete' ? m : undefined;
    });
    await post(buyer, `/api/marketplace/orders/${bought.order_id}/confirm`);
    await seen(seller, bought.order_id, 'COMPLETED');
  });

  it('with the seller offline at purchase, the notice waits at the seller\'s relay and the pack comes once the seller is back', async () => {
    await seller.node.stop();
    const before = (await relayFigures(relay)).messages_held;
    const bought = await buy();
    await waitFor('the notice held at the relay', async () => (await relayFigures(relay)).messages_held > before);
    const stillPaid = await json<OrderView>(buyer.node.api(`/api/marketplace/orders/${bought.order_id}?identity_id=${buyer.id}`));
    assert.equal(stillPaid.state, 'PAID');
    seller = { ...seller, node: await net.start('full-0', env) };
    await seen(buyer, bought.order_id, 'DELIVERED', 60_000);
    assert.equal((await purchase(buyer, bought.order_id)).stickers.length, 2);
  });

  it('a dispute opens a group chat of buyer, seller and moderator, where both sides put their evidence; the moderator decides on the chain', async () => {
    const bought = await buy();
    await seen(buyer, bought.order_id, 'DELIVERED');
    const disputed = await post<{ status: string; chat_id: string | null }>(buyer, `/api/marketplace/orders/${bought.order_id}/dispute`, { claim: 'the blue dot is purple' });
    assert.ok(disputed.chat_id, 'the dispute answers its chat');
    const groupChat = disputed.chat_id;
    const opened = async (p: Party) =>
      waitFor(`the dispute chat at ${p.id.slice(0, 8)}`, async () => {
        const o = await json<OrderView & { dispute_chat_id: string | null }>(p.node.api(`/api/marketplace/orders/${bought.order_id}?identity_id=${p.id}`));
        return o.state === 'DISPUTED' && o.dispute_chat_id ? o.dispute_chat_id : undefined;
      }, 30_000);
    const [atSeller, atModerator] = [await opened(seller), await opened(moderator)];
    assert.equal(atSeller, groupChat, 'one group, the same chat id everywhere');
    assert.equal(atModerator, groupChat);
    const claim = (await messages(moderator.node, groupChat)).find((m) => m.market?.kind === 'dispute');
    assert.deepEqual([claim?.text, claim?.sender, claim?.market?.order_id], ['the blue dot is purple', buyer.id, bought.order_id]);
    const evidence = await json<Message>(seller.node.api('/api/messages/send', { json: { chat_id: groupChat, text: 'it is blue: #0000ff' } }));
    await waitFor('the seller\'s evidence at the moderator', async () => (await messages(moderator.node, groupChat)).find((m) => m.id === evidence.id));
    await post(moderator, `/api/marketplace/orders/${bought.order_id}/decide`, { buyer: 490_000, seller: 500_000 });
    await seen(seller, bought.order_id, 'DECIDED');
    await post(seller, `/api/marketplace/orders/${bought.order_id}/accept`);
    // The network fee comes out of the seller's share, as on a confirmed order.
    assert.deepEqual((await seen(buyer, bought.order_id, 'RESOLVED')).paid, { buyer: 490_000, seller: 495_000, moderator: 10_000, fee: 5_000 });
  });

  it('a listing shared in a chat reaches the other side as a listing', async () => {
    const { orders } = await json<{ orders: Array<OrderView & { chat_id: string | null }> }>(seller.node.api(`/api/marketplace/orders?identity_id=${seller.id}&role=seller`));
    const chatId = orders[0]!.chat_id!;
    const shared = await json<Message>(seller.node.api('/api/messages/send', { json: { chat_id: chatId, market: { kind: 'listing', listing_id: listing.id } } }));
    assert.deepEqual(shared.market, { kind: 'listing', listing_id: listing.id, order_id: null });
    const arrived = await waitFor('the shared listing at the buyer', async () => (await messages(buyer.node, chatId)).find((m) => m.id === shared.id));
    assert.deepEqual(arrived.market, shared.market);
  });
});
