import { createHash } from 'node:crypto';
import { commitPacket } from './bridge-rules.ts';
import { body, credit, reject, type LedgerContext, type Rule } from './ledger-context.ts';
import { consensusAt, trustHeader } from './light-client.ts';
import { anonymousRatingStatement, listingValue, marketKeys, settlementStatement, type CreatorStats, type Listing, type ModeratorTerms, type Order, type OrderState, type Rating } from './market-wire.ts';
import { verifyStateProof } from './state-tree.ts';
import { keyBytes, type StateView } from './state-view.ts';
import type { TxBody } from './transactions.ts';

/**
 * The marketplace's rules. Listings on the chat chain; orders on the currency chain, where the
 * buyer's funds are held in the order itself until one of the written outcomes:
 *
 *   PAID ──deliver (seller)──▶ DELIVERED ──confirm (buyer)──▶ COMPLETED (seller paid)
 *   PAID ──cancel (seller)──▶ CANCELED (buyer refunded)
 *   PAID | DELIVERED ──dispute (buyer or seller)──▶ DISPUTED ──decide (moderator)──▶ DECIDED
 *   DECIDED ──accept (buyer or seller: the second of 2-of-3)──▶ RESOLVED (paid as decided)
 *   any open state ──2-of-3 signatures on a split──▶ COMPLETED / REFUNDED (RESOLVED if disputed)
 *   after timeout_at (order_timeout, by anyone):
 *     PAID → REFUNDED (never delivered), DELIVERED → PAYMENT_FINALIZED (seller paid),
 *     DECIDED → RESOLVED (as decided), DISPUTED → refused until a full further escrow period
 *     after the dispute, then REFUNDED if never delivered, else split evenly (no moderator fee):
 *     an unreachable moderator cannot hold the funds for ever.
 * The seller's share pays the network fee (market_fee_bp, burned); a decided dispute pays the
 * moderator the fee agreed at purchase. Every state change checks the state it comes from, so an
 * escrow pays out once.
 */

const same = (a: Uint8Array, b: Uint8Array) => Buffer.compare(a, b) === 0;
const derivedId = (context: string, who: Uint8Array, nonce: number) => createHash('sha256').update(context).update(who).update(String(nonce)).digest();

const MIN_ESCROW_S = 10;
const MAX_ESCROW_S = 30 * 86_400;

// ---- listings (chat chain) ----

const listing: Rule = (ctx, view, tx) => {
  const b = body<'listing'>(tx);
  const id = derivedId('dchat/market/listing/v1', tx.from, tx.nonce);
  const entry: Listing = { ...b.fields, id, seller: tx.from, record: b.record, created: ctx.height, updated: ctx.height, active: true };
  view.write(marketKeys.listing(id), entry);
  return [];
};

const ownListing = (view: StateView, id: Uint8Array, seller: Uint8Array): Listing => {
  const found = view.read<Listing>(marketKeys.listing(id)) ?? reject('unknown-listing', 'no such listing');
  if (!same(found.seller, seller)) reject('not-seller', 'only its seller may change a listing');
  return found;
};

const listingUpdate: Rule = (ctx, view, tx) => {
  const b = body<'listing_update'>(tx);
  const found = ownListing(view, b.id, tx.from);
  view.write(marketKeys.listing(b.id), { ...found, ...b.fields, updated: ctx.height } satisfies Listing);
  return [];
};

const listingClose: Rule = (ctx, view, tx) => {
  const b = body<'listing_close'>(tx);
  view.write(marketKeys.listing(b.id), { ...ownListing(view, b.id, tx.from), active: false, updated: ctx.height } satisfies Listing);
  return [];
};

// ---- orders (currency chain) ----

const moderator: Rule = (ctx, view, tx) => {
  const b = body<'moderator'>(tx);
  view.write(marketKeys.moderator(tx.from), { fee_fixed: b.fee_fixed, fee_bp: b.fee_bp, description: b.description, ...(b.record ? { record: b.record } : {}) } satisfies ModeratorTerms);
  return [];
};

const readOrder = (view: StateView, id: Uint8Array): Order => view.read<Order>(marketKeys.order(id)) ?? reject('unknown-order', 'no such order');

const fund: Rule = (ctx, view, tx, sender) => {
  const b = body<'order_fund'>(tx);
  const proven = b.header ? trustHeader(ctx, view, b.header) : b.height ? consensusAt(ctx, view, b.height) : reject('no-header', 'include a chat chain header or name a height the client verified');
  const state = proven === 'frozen' ? reject('client-frozen', 'the light client of the chat chain is frozen') : proven;
  const item = b.listing;
  if (!verifyStateProof(state.root, keyBytes(marketKeys.listing(item.id)), listingValue(item), b.proof)) reject('bad-listing', 'the listing is not what the chat chain holds');
  if (!item.active) reject('listing-closed', 'the listing is closed');
  if (same(item.seller, tx.from)) reject('own-listing', 'a seller cannot buy its own listing');
  const terms = view.read<ModeratorTerms>(marketKeys.moderator(b.moderator)) ?? reject('unknown-moderator', 'the moderator has no terms on this chain');
  if (item.moderators.length > 0 && !item.moderators.some((m) => same(m, b.moderator))) reject('moderator-not-accepted', 'the seller does not accept this moderator');
  if (same(b.moderator, tx.from) || same(b.moderator, item.seller)) reject('moderator-is-party', 'the moderator cannot be the buyer or the seller');
  if (b.escrow_timeout_secs < MIN_ESCROW_S || b.escrow_timeout_secs > MAX_ESCROW_S) reject('bad-timeout', `the escrow timeout must be ${MIN_ESCROW_S} s to ${MAX_ESCROW_S} s`);
  if (sender.balance < item.price) reject('insufficient-funds', `the balance ${sender.balance} does not cover the price ${item.price}`);
  sender.balance -= item.price;
  const id = derivedId('dchat/market/order/v1', tx.from, tx.nonce);
  const fee = Math.min(item.price, terms.fee_fixed + Math.floor((item.price * terms.fee_bp) / 10_000));
  const order: Order = {
    id,
    listing: item.id,
    listing_type: item.type,
    title: item.title,
    buyer: tx.from,
    seller: item.seller,
    moderator: b.moderator,
    amount: item.price,
    moderator_fee: fee,
    state: 'PAID',
    funded: { height: ctx.height, time: ctx.time },
    timeout_at: ctx.time + b.escrow_timeout_secs * 1000,
    delivered: null,
    dispute: null,
    decision: null,
    paid: null,
    updated: ctx.height,
    rating_key: b.rating_key ?? null,
    membership: item.type === 'membership' && item.channel ? item.channel : null,
  };
  view.write(marketKeys.order(id), order);
  return [item.seller];
};

const partyOf = (order: Order, key: Uint8Array): 'buyer' | 'seller' | 'moderator' | undefined =>
  same(order.buyer, key) ? 'buyer' : same(order.seller, key) ? 'seller' : same(order.moderator, key) ? 'moderator' : undefined;

function expect(order: Order, states: readonly OrderState[], what: string): void {
  if (!states.includes(order.state)) reject('wrong-state', `the order is ${order.state}: ${what} needs ${states.join(' or ')}`);
}

/** Pays the escrow out and closes the order; returns the accounts it touched. */
function payOut(ctx: LedgerContext, view: StateView, order: Order, state: OrderState, toBuyer: number, toSeller: number, toModerator: number): Uint8Array[] {
  if (toBuyer + toSeller + toModerator !== order.amount || Math.min(toBuyer, toSeller, toModerator) < 0) reject('bad-split', `the shares must add up to the ${order.amount} held`);
  const fee = Math.floor((toSeller * ctx.params.market_fee_bp) / 10_000);
  if (toBuyer > 0) credit(view, order.buyer, toBuyer);
  if (toSeller - fee > 0) credit(view, order.seller, toSeller - fee);
  if (toModerator > 0) credit(view, order.moderator, toModerator);
  view.write(marketKeys.order(order.id), { ...order, state, paid: { buyer: toBuyer, seller: toSeller - fee, moderator: toModerator, fee }, updated: ctx.height } satisfies Order);
  if (toSeller > 0) {
    const stats = view.read<CreatorStats>(marketKeys.stats(order.seller)) ?? { sales: 0, revenue: 0, ratings: 0, rating_sum: 0 };
    view.write(marketKeys.stats(order.seller), { ...stats, sales: stats.sales + 1, revenue: stats.revenue + toSeller - fee } satisfies CreatorStats);
  }
  return [order.buyer, order.seller, order.moderator];
}

function update(ctx: LedgerContext, view: StateView, order: Order, change: Partial<Order>): void {
  view.write(marketKeys.order(order.id), { ...order, ...change, updated: ctx.height } satisfies Order);
}

const deliver: Rule = (ctx, view, tx) => {
  const b = body<'order_deliver'>(tx);
  const order = readOrder(view, b.order);
  if (partyOf(order, tx.from) !== 'seller') reject('not-seller', 'only the seller delivers');
  expect(order, ['PAID'], 'delivering');
  update(ctx, view, order, { state: 'DELIVERED', delivered: { time: ctx.time, content: b.content } });
  return [order.buyer];
};

const confirm: Rule = (ctx, view, tx) => {
  const order = readOrder(view, body<'order_confirm'>(tx).order);
  if (partyOf(order, tx.from) !== 'buyer') reject('not-buyer', 'only the buyer confirms');
  expect(order, ['DELIVERED'], 'confirming');
  const touched = payOut(ctx, view, order, 'COMPLETED', 0, order.amount, 0);
  grantMembership(ctx, view, order);
  return touched;
};

const cancel: Rule = (ctx, view, tx) => {
  const order = readOrder(view, body<'order_cancel'>(tx).order);
  if (partyOf(order, tx.from) !== 'seller') reject('not-seller', 'only the seller cancels (the buyer disputes or waits for the timeout)');
  expect(order, ['PAID'], 'cancelling');
  return payOut(ctx, view, order, 'CANCELED', order.amount, 0, 0);
};

const dispute: Rule = (ctx, view, tx) => {
  const b = body<'order_dispute'>(tx);
  const order = readOrder(view, b.order);
  const party = partyOf(order, tx.from);
  if (party !== 'buyer' && party !== 'seller') reject('not-party', 'only the buyer or the seller opens a dispute');
  expect(order, ['PAID', 'DELIVERED'], 'a dispute');
  update(ctx, view, order, { state: 'DISPUTED', dispute: { by: tx.from, claim: b.claim, time: ctx.time } });
  return [order.buyer, order.seller, order.moderator];
};

const decide: Rule = (ctx, view, tx) => {
  const b = body<'order_decide'>(tx);
  const order = readOrder(view, b.order);
  if (partyOf(order, tx.from) !== 'moderator') reject('not-moderator', "only the order's moderator decides");
  expect(order, ['DISPUTED'], 'a decision');
  if (b.buyer + b.seller + order.moderator_fee !== order.amount) reject('bad-split', `buyer and seller shares must add up to ${order.amount - order.moderator_fee} (the amount less the moderator's fee)`);
  update(ctx, view, order, { state: 'DECIDED', decision: { buyer: b.buyer, seller: b.seller, time: ctx.time }, timeout_at: Math.max(order.timeout_at, ctx.time) });
  return [order.buyer, order.seller];
};

const executeDecision = (ctx: LedgerContext, view: StateView, order: Order) => {
  const touched = payOut(ctx, view, order, 'RESOLVED', order.decision!.buyer, order.decision!.seller, order.moderator_fee);
  if (order.decision!.seller > 0) grantMembership(ctx, view, order);
  return touched;
};

const accept: Rule = (ctx, view, tx) => {
  const order = readOrder(view, body<'order_accept'>(tx).order);
  const party = partyOf(order, tx.from);
  if (party !== 'buyer' && party !== 'seller') reject('not-party', 'the buyer or the seller accepts a decision');
  expect(order, ['DECIDED'], 'accepting');
  return executeDecision(ctx, view, order);
};

const settle: Rule = (ctx, view, tx) => {
  const b = body<'order_settle'>(tx);
  const order = readOrder(view, b.order);
  expect(order, ['PAID', 'DELIVERED', 'DISPUTED', 'DECIDED'], 'a settlement');
  const keys = { buyer: order.buyer, seller: order.seller, moderator: order.moderator };
  const fields = { chain: ctx.chain, order: order.id, buyer: b.buyer, seller: b.seller };
  const signed = new Set(b.sigs.filter(([role, sig]) => settlementStatement.verify(keys[role], fields, sig)).map(([role]) => role));
  if (signed.size < 2) reject('not-certified', `${signed.size} of buyer, seller and moderator signed the split; 2 must`);
  const moderatorFee = signed.has('moderator') ? order.moderator_fee : 0;
  const disputed = order.state === 'DISPUTED' || order.state === 'DECIDED';
  const state: OrderState = disputed ? 'RESOLVED' : b.seller === 0 ? 'REFUNDED' : 'COMPLETED';
  const touched = payOut(ctx, view, order, state, b.buyer, b.seller, moderatorFee);
  if (b.seller > 0) grantMembership(ctx, view, order);
  return touched;
};

const timeout: Rule = (ctx, view, tx) => {
  const order = readOrder(view, body<'order_timeout'>(tx).order);
  if (ctx.time < order.timeout_at) reject('not-timed-out', `the order's escrow runs until ${order.timeout_at}`);
  switch (order.state) {
    case 'PAID':
      return payOut(ctx, view, order, 'REFUNDED', order.amount, 0, 0);
    case 'DELIVERED': {
      const touched = payOut(ctx, view, order, 'PAYMENT_FINALIZED', 0, order.amount, 0);
      grantMembership(ctx, view, order);
      return touched;
    }
    case 'DECIDED':
      return executeDecision(ctx, view, order);
    case 'DISPUTED': {
      const period = order.timeout_at - order.funded.time;
      if (ctx.time < order.dispute!.time + period) reject('awaiting-moderator', 'the dispute waits for the moderator for one more escrow period');
      if (!order.delivered) return payOut(ctx, view, order, 'REFUNDED', order.amount, 0, 0);
      const half = Math.floor(order.amount / 2);
      return payOut(ctx, view, order, 'RESOLVED', order.amount - half, half, 0);
    }
    default:
      return reject('wrong-state', `the order is ${order.state}: nothing to time out`);
  }
};

const rate: Rule = (ctx, view, tx) => {
  const b = body<'order_rate'>(tx);
  const order = readOrder(view, b.order);
  if (b.anonymous) {
    if (!order.rating_key || !same(createHash('sha256').update(b.anonymous.key).digest(), order.rating_key)) reject('not-buyer', 'the rating key is not the one the buyer committed at purchase');
    if (!anonymousRatingStatement.verify(b.anonymous.key, { chain: ctx.chain, order: order.id, scores: b.scores, text: b.text }, b.anonymous.sig)) reject('bad-signature', 'the anonymous rating is not signed by the rating key');
  } else if (partyOf(order, tx.from) !== 'buyer') reject('not-buyer', 'only the buyer of a completed order rates it');
  if (!order.paid || order.paid.seller <= 0 || !['COMPLETED', 'PAYMENT_FINALIZED', 'RESOLVED'].includes(order.state)) reject('no-purchase', 'only a purchase the seller was paid for can be rated');
  if (view.get(marketKeys.rating(order.id))) reject('already-rated', 'this order is already rated');
  view.write(marketKeys.rating(order.id), { order: order.id, listing: order.listing, seller: order.seller, buyer: b.anonymous ? null : order.buyer, scores: b.scores, text: b.text, time: ctx.time } satisfies Rating);
  const stats = view.read<CreatorStats>(marketKeys.stats(order.seller)) ?? { sales: 0, revenue: 0, ratings: 0, rating_sum: 0 };
  view.write(marketKeys.stats(order.seller), { ...stats, ratings: stats.ratings + 1, rating_sum: stats.rating_sum + b.scores.overall } satisfies CreatorStats);
  return [];
};

/** A paid channel membership is granted on the chat chain over the bridge (a packet holding nothing). */
function grantMembership(ctx: LedgerContext, view: StateView, order: Order): void {
  const m = order.membership;
  if (!m) return;
  commitPacket(ctx, view, order.buyer, { app: 'membership', channel: m.name, member: order.buyer, until: ctx.time + m.days * 86_400_000, price: order.amount, pay_to: order.seller }, 0, ctx.time + ctx.params.bridge_packet_timeout_ms);
}

export const MARKET_RULES = {
  listing,
  listing_update: listingUpdate,
  listing_close: listingClose,
  moderator,
  order_fund: fund,
  order_deliver: deliver,
  order_confirm: confirm,
  order_cancel: cancel,
  order_dispute: dispute,
  order_decide: decide,
  order_accept: accept,
  order_settle: settle,
  order_timeout: timeout,
  order_rate: rate,
} satisfies Partial<Record<TxBody['kind'], Rule>>;

export const MARKET_CHAINS = {
  listing: 'chat',
  listing_update: 'chat',
  listing_close: 'chat',
  moderator: 'currency',
  order_fund: 'currency',
  order_deliver: 'currency',
  order_confirm: 'currency',
  order_cancel: 'currency',
  order_dispute: 'currency',
  order_decide: 'currency',
  order_accept: 'currency',
  order_settle: 'currency',
  order_timeout: 'currency',
  order_rate: 'currency',
} as const;

export const orderIdOf = (buyer: Uint8Array, nonce: number) => derivedId('dchat/market/order/v1', buyer, nonce);
export const listingIdOf = (seller: Uint8Array, nonce: number) => derivedId('dchat/market/listing/v1', seller, nonce);
