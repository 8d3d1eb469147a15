import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import type { SigningKeyPair } from '../../crypto/signing.ts';
import { bridgeKeys, type Packet } from '../../chain/bridge-wire.ts';
import { listingIdOf, orderIdOf } from '../../chain/market-rules.ts';
import { anonymousRatingStatement, marketKeys, settlementStatement, type CreatorStats, type Listing, type ListingFields, type Order } from '../../chain/market-wire.ts';
import type { TxBody } from '../../chain/transactions.ts';
import { identityRecord, keys } from '../helpers/chain-fixtures.ts';
import { fund, network, type Chain } from '../helpers/two-chains.ts';

/**
 * The marketplace's rules over two real ledgers: a listing on the chat chain, its purchase in
 * escrow on the currency chain (the listing proved against the chat chain's state root), and
 * every written outcome — confirmation, timeouts, disputes, 2-of-3 settlements, ratings — with
 * the refusals that keep an escrow paying out once.
 */

const [seller, buyer, moderator, stranger] = keys(4);
const fields = (over: Partial<ListingFields> = {}): ListingFields => ({
  type: 'sticker_pack',
  title: 'Cats, vol. 1',
  description: 'twelve cats',
  price: 5_000_000,
  period: 'once',
  preview: Buffer.alloc(32, 1),
  content: Buffer.alloc(32, 2),
  license: 'personal use',
  moderators: [],
  ...over,
});

function market(params: Record<string, number> = {}) {
  const { chat, currency } = network({ market_fee_bp: 100, ...params });
  fund(chat, seller!, buyer!);
  fund(currency, seller!, buyer!, moderator!, stranger!);
  assert.deepEqual(currency.block([currency.tx(moderator!, { kind: 'moderator', fee_fixed: 100_000, fee_bp: 200, description: 'fair and quick' })]), []);
  return { chat, currency };
}

/** The seller lists on the chat chain; returns the listing as stored. */
function list(chat: Chain, over: Partial<ListingFields> = {}): Listing {
  const nonce = chat.rules.nonce(chat.top.tree, Buffer.from(seller!.publicKey).toString('hex'));
  assert.deepEqual(chat.block([chat.tx(seller!, { kind: 'listing', fields: fields(over), record: identityRecord(seller!, 'seller') })]), []);
  return chat.read<Listing>(marketKeys.listing(listingIdOf(seller!.publicKey, nonce)))!;
}

/** The buyer funds an order for `item` on the currency chain; returns the order id and the refusals. */
function buy(chat: Chain, currency: Chain, item: Listing, from = buyer!, extra: Partial<Extract<TxBody, { kind: 'order_fund' }>> = {}) {
  const nonce = currency.rules.nonce(currency.top.tree, Buffer.from(from.publicKey).toString('hex'));
  const refused = currency.block([currency.tx(from, { kind: 'order_fund', header: chat.header(), listing: item, proof: chat.prove(marketKeys.listing(item.id)), moderator: moderator!.publicKey, escrow_timeout_secs: 60, ...extra })]);
  return { id: orderIdOf(from.publicKey, nonce), refused };
}

const act = (currency: Chain, who: SigningKeyPair, body: TxBody, time?: number) => currency.block([currency.tx(who, body)], time);
const orderOf = (currency: Chain, id: Uint8Array) => currency.read<Order>(marketKeys.order(id))!;

describe('marketplace: listings and purchases', () => {
  it('list → buy → deliver → confirm: the seller is paid less the network fee, the buyer can rate, the creator statistics count it', () => {
    const { chat, currency } = market();
    const item = list(chat);
    const start = { buyer: currency.balance(buyer!), seller: currency.balance(seller!) };
    const { id, refused } = buy(chat, currency, item);
    assert.deepEqual(refused, []);
    assert.deepEqual([orderOf(currency, id).state, orderOf(currency, id).amount], ['PAID', 5_000_000]);
    assert.equal(currency.balance(buyer!), start.buyer - 5_000_000 - currency.genesis.params.min_fee, 'held in the order');
    assert.deepEqual(act(currency, buyer!, { kind: 'order_confirm', order: id }), ['wrong-state'], 'nothing to confirm before delivery');
    assert.deepEqual(act(currency, stranger!, { kind: 'order_deliver', order: id, content: item.content }), ['not-seller']);
    assert.deepEqual(act(currency, seller!, { kind: 'order_deliver', order: id, content: item.content }), []);
    assert.deepEqual(act(currency, buyer!, { kind: 'order_confirm', order: id }), []);
    const done = orderOf(currency, id);
    assert.equal(done.state, 'COMPLETED');
    assert.deepEqual(done.paid, { buyer: 0, seller: 4_950_000, moderator: 0, fee: 50_000 });
    assert.equal(currency.balance(seller!), start.seller + 4_950_000 - currency.genesis.params.min_fee);
    // The escrow pays out once.
    assert.deepEqual(act(currency, buyer!, { kind: 'order_confirm', order: id }), ['wrong-state']);
    assert.deepEqual(act(currency, stranger!, { kind: 'order_timeout', order: id }, currency.top.time + 120_000), ['wrong-state']);
    // Rated by its buyer once; nobody else rates it.
    const scores = { overall: 5, quality: 4, description: 5, delivery: 5 };
    assert.deepEqual(act(currency, stranger!, { kind: 'order_rate', order: id, scores, text: 'great' }), ['not-buyer']);
    assert.deepEqual(act(currency, buyer!, { kind: 'order_rate', order: id, scores, text: 'great' }), []);
    assert.deepEqual(act(currency, buyer!, { kind: 'order_rate', order: id, scores, text: 'again' }), ['already-rated']);
    assert.deepEqual(currency.read<CreatorStats>(marketKeys.stats(seller!.publicKey)), { sales: 1, revenue: 4_950_000, ratings: 1, rating_sum: 5 });
  });

  it('refuses a forged listing, a closed one, a listing edited by someone else, a double spend and a rating without a purchase', () => {
    const { chat, currency } = market();
    const item = list(chat);
    assert.deepEqual(buy(chat, currency, { ...item, price: 1 }).refused, ['bad-listing'], 'a cheaper price than the chat chain holds does not prove');
    assert.deepEqual(buy(chat, currency, { ...item, seller: stranger!.publicKey }).refused, ['bad-listing']);
    assert.deepEqual(chat.block([chat.tx(buyer!, { kind: 'listing_update', id: item.id, fields: fields({ price: 1 }) })]), ['not-seller']);
    assert.deepEqual(chat.block([chat.tx(buyer!, { kind: 'listing_close', id: item.id })]), ['not-seller']);
    assert.deepEqual(buy(chat, currency, item, seller!).refused, ['own-listing']);
    const poor = keys(1)[0]!;
    fund(currency, poor);
    assert.deepEqual(buy(chat, currency, { ...item }, poor, { moderator: stranger!.publicKey }).refused, ['unknown-moderator']);
    // The seller raises the price: the old listing no longer proves.
    assert.deepEqual(chat.block([chat.tx(seller!, { kind: 'listing_update', id: item.id, fields: fields({ price: 9_000_000 }) })]), []);
    assert.deepEqual(buy(chat, currency, item).refused, ['bad-listing']);
    const raised = chat.read<Listing>(marketKeys.listing(item.id))!;
    const { id } = buy(chat, currency, raised);
    assert.equal(orderOf(currency, id).amount, 9_000_000);
    // Two outcomes for one escrow: a cancellation, then a delivery and a confirmation.
    assert.deepEqual(act(currency, seller!, { kind: 'order_cancel', order: id }), []);
    assert.deepEqual(act(currency, seller!, { kind: 'order_deliver', order: id, content: item.content }), ['wrong-state']);
    assert.deepEqual(act(currency, buyer!, { kind: 'order_rate', order: id, scores: { overall: 1, quality: 1, description: 1, delivery: 1 }, text: 'x' }), ['no-purchase'], 'a canceled order was no purchase');
    assert.equal(orderOf(currency, id).state, 'CANCELED');
    assert.deepEqual(chat.block([chat.tx(seller!, { kind: 'listing_close', id: item.id })]), []);
    assert.deepEqual(buy(chat, currency, { ...raised, active: false, updated: chat.top.height }).refused, ['listing-closed']);
  });

  it('timeouts by the written rule: undelivered refunds the buyer, delivered pays the seller', () => {
    const { chat, currency } = market();
    const item = list(chat);
    const undelivered = buy(chat, currency, item).id;
    const delivered = buy(chat, currency, item).id;
    act(currency, seller!, { kind: 'order_deliver', order: delivered, content: item.content });
    assert.deepEqual(act(currency, stranger!, { kind: 'order_timeout', order: undelivered }), ['not-timed-out']);
    const later = currency.top.time + 61_000;
    assert.deepEqual(act(currency, stranger!, { kind: 'order_timeout', order: undelivered }, later), []);
    assert.deepEqual(act(currency, stranger!, { kind: 'order_timeout', order: delivered }), []);
    assert.deepEqual([orderOf(currency, undelivered).state, orderOf(currency, undelivered).paid?.buyer], ['REFUNDED', 5_000_000]);
    assert.deepEqual([orderOf(currency, delivered).state, orderOf(currency, delivered).paid?.seller], ['PAYMENT_FINALIZED', 4_950_000]);
  });

  it('disputes: the moderator decides a refund or a split, a party accepts, the moderator is paid its fee', () => {
    const { chat, currency } = market();
    const item = list(chat);
    const refund = buy(chat, currency, item).id;
    const split = buy(chat, currency, item).id;
    act(currency, seller!, { kind: 'order_deliver', order: split, content: item.content });
    assert.deepEqual(act(currency, stranger!, { kind: 'order_dispute', order: refund, claim: 'never came' }), ['not-party']);
    assert.deepEqual(act(currency, buyer!, { kind: 'order_dispute', order: refund, claim: 'never came' }), []);
    assert.deepEqual(act(currency, seller!, { kind: 'order_dispute', order: split, claim: 'the buyer will not confirm' }), []);
    // Fee: 100,000 fixed + 2 % of 5,000,000 = 200,000.
    assert.equal(orderOf(currency, refund).moderator_fee, 200_000);
    assert.deepEqual(act(currency, buyer!, { kind: 'order_decide', order: refund, buyer: 4_800_000, seller: 0 }), ['not-moderator']);
    assert.deepEqual(act(currency, moderator!, { kind: 'order_decide', order: refund, buyer: 5_000_000, seller: 0 }), ['bad-split']);
    assert.deepEqual(act(currency, moderator!, { kind: 'order_decide', order: refund, buyer: 4_800_000, seller: 0 }), []);
    assert.deepEqual(act(currency, moderator!, { kind: 'order_decide', order: split, buyer: 2_400_000, seller: 2_400_000 }), []);
    assert.deepEqual(act(currency, moderator!, { kind: 'order_accept', order: refund }), ['not-party'], 'the second signature is a party’s');
    const before = { buyer: currency.balance(buyer!), moderator: currency.balance(moderator!) };
    assert.deepEqual(act(currency, seller!, { kind: 'order_accept', order: refund }), []);
    assert.deepEqual(orderOf(currency, refund).paid, { buyer: 4_800_000, seller: 0, moderator: 200_000, fee: 0 });
    assert.equal(currency.balance(buyer!), before.buyer + 4_800_000);
    assert.equal(currency.balance(moderator!), before.moderator + 200_000);
    // The split is accepted by nobody: it executes at the timeout.
    assert.deepEqual(act(currency, stranger!, { kind: 'order_timeout', order: split }, currency.top.time + 61_000), []);
    assert.deepEqual([orderOf(currency, split).state, orderOf(currency, split).paid], ['RESOLVED', { buyer: 2_400_000, seller: 2_376_000, moderator: 200_000, fee: 24_000 }]);
  });

  it('an undecided dispute does not hold the funds for ever: after one more escrow period it is settled by rule', () => {
    const { chat, currency } = market();
    const item = list(chat);
    const { id } = buy(chat, currency, item);
    act(currency, buyer!, { kind: 'order_dispute', order: id, claim: 'where is it' });
    const disputed = orderOf(currency, id);
    assert.deepEqual(act(currency, stranger!, { kind: 'order_timeout', order: id }, disputed.timeout_at + 1), ['awaiting-moderator']);
    assert.deepEqual(act(currency, stranger!, { kind: 'order_timeout', order: id }, disputed.dispute!.time + 60_000), []);
    assert.deepEqual([orderOf(currency, id).state, orderOf(currency, id).paid?.buyer], ['REFUNDED', 5_000_000]);
  });

  it('2-of-3 signatures settle an order without the moderator deciding; one signature is not enough', () => {
    const { chat, currency } = market();
    const item = list(chat);
    const { id } = buy(chat, currency, item);
    const fieldsOf = (b: number, s: number) => ({ chain: currency.genesis.chain_id, order: id, buyer: b, seller: s });
    const sig = (who: SigningKeyPair, b: number, s: number) => settlementStatement.sign(who.secretKey, fieldsOf(b, s));
    assert.deepEqual(act(currency, stranger!, { kind: 'order_settle', order: id, buyer: 0, seller: 5_000_000, sigs: [['seller', sig(seller!, 0, 5_000_000)]] }), ['not-certified']);
    assert.deepEqual(act(currency, stranger!, { kind: 'order_settle', order: id, buyer: 0, seller: 5_000_000, sigs: [['seller', sig(seller!, 0, 5_000_000)], ['buyer', sig(stranger!, 0, 5_000_000)]] }), ['not-certified'], "a stranger's signature in the buyer's place");
    assert.deepEqual(act(currency, stranger!, { kind: 'order_settle', order: id, buyer: 5_000_000, seller: 0, sigs: [['seller', sig(seller!, 5_000_000, 0)], ['buyer', sig(buyer!, 5_000_000, 0)]] }), []);
    assert.equal(orderOf(currency, id).state, 'REFUNDED');
  });

  it('an anonymous rating is signed by the one-time key the buyer committed at purchase', () => {
    const { chat, currency } = market();
    const item = list(chat);
    const ratingKey = keys(1)[0]!;
    const { id } = buy(chat, currency, item, buyer!, { rating_key: createHash('sha256').update(ratingKey.publicKey).digest() });
    act(currency, seller!, { kind: 'order_deliver', order: id, content: item.content });
    act(currency, buyer!, { kind: 'order_confirm', order: id });
    const scores = { overall: 4, quality: 4, description: 4, delivery: 4 };
    const text = 'good';
    const forged = { key: stranger!.publicKey, sig: anonymousRatingStatement.sign(stranger!.secretKey, { chain: currency.genesis.chain_id, order: id, scores, text }) };
    assert.deepEqual(act(currency, stranger!, { kind: 'order_rate', order: id, scores, text, anonymous: forged }), ['not-buyer']);
    const real = { key: ratingKey.publicKey, sig: anonymousRatingStatement.sign(ratingKey.secretKey, { chain: currency.genesis.chain_id, order: id, scores, text }) };
    // Without a fee, only from the rating key's own account: from any other it is an ordinary transaction.
    assert.deepEqual(currency.block([currency.tx(stranger!, { kind: 'order_rate', order: id, scores, text, anonymous: real }, 0)]), ['fee-too-low']);
    assert.deepEqual(currency.block([currency.tx(buyer!, { kind: 'order_rate', order: id, scores, text }, 0)]), ['fee-too-low']);
    assert.deepEqual(currency.block([currency.tx(ratingKey, { kind: 'order_rate', order: id, scores, text, anonymous: real })]), [], 'the key rates from its own empty account, fee-free');
    assert.equal(currency.read<{ buyer: Uint8Array | null }>(marketKeys.rating(id))!.buyer, null);
    assert.deepEqual(currency.block([currency.tx(ratingKey, { kind: 'order_rate', order: id, scores, text, anonymous: real })]), ['already-rated'], 'one rating per order, so one free transaction at most');
  });

  it('a fee-free anonymous rating with a key no buyer committed is refused', () => {
    const { chat, currency } = market();
    const item = list(chat);
    const { id } = buy(chat, currency, item, buyer!, { rating_key: createHash('sha256').update(keys(1)[0]!.publicKey).digest() });
    act(currency, seller!, { kind: 'order_deliver', order: id, content: item.content });
    act(currency, buyer!, { kind: 'order_confirm', order: id });
    const scores = { overall: 1, quality: 1, description: 1, delivery: 1 };
    const other = keys(2)[1]!;
    const anonymous = { key: other.publicKey, sig: anonymousRatingStatement.sign(other.secretKey, { chain: currency.genesis.chain_id, order: id, scores, text: '' }) };
    assert.deepEqual(currency.block([currency.tx(other, { kind: 'order_rate', order: id, scores, text: '', anonymous })]), ['not-buyer']);
  });

  it('a channel membership paid on the currency chain is granted on the chat chain over the bridge', () => {
    const { chat, currency } = market();
    assert.deepEqual(chat.block([chat.tx(seller!, { kind: 'channel', name: 'club', policy: 'invite' })]), []);
    const item = list(chat, { type: 'membership', channel: { name: 'club', days: 30 } });
    const { id } = buy(chat, currency, item);
    act(currency, seller!, { kind: 'order_deliver', order: id, content: item.content });
    act(currency, buyer!, { kind: 'order_confirm', order: id });
    const packet = currency.read<Packet>(bridgeKeys.packet(chat.genesis.chain_id, 1))!;
    assert.deepEqual([packet.payload.app, packet.held], ['membership', 0]);
    const relayer = keys(1)[0]!;
    fund(chat, relayer);
    assert.deepEqual(chat.block([chat.tx(relayer, { kind: 'bridge_recv', header: currency.header(), packets: [{ packet, proof: currency.prove(bridgeKeys.packet(chat.genesis.chain_id, 1)) }] })]), []);
    assert.ok((chat.read<number>(bridgeKeys.membership('club', buyer!.publicKey)) ?? 0) > currency.top.time);
  });
});
