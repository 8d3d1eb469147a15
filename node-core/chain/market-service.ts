import { createHash } from 'node:crypto';
import { signingPublicKey } from '../crypto/signing.ts';
import { bytesToHex, hexToBytes } from '../crypto/hex.ts';
import type { ListingView, ModeratorView, OrderView, RatingView, SubmittedTransaction } from '../domain/chain-model.ts';
import { ChainUnavailableError, ListingNotFoundError, NetworkDisabledError, OrderNotFoundError, ValidationError } from '../domain/errors.ts';
import type { Startable } from '../runtime/startable.ts';
import type { Telemetry } from '../runtime/telemetry.ts';
import { headerFor } from './bridge-headers.ts';
import { bridgeKeys } from './bridge-wire.ts';
import type { Chains } from './chains-service.ts';
import type { LightClient } from './light-client.ts';
import { listingIdOf, orderIdOf } from './market-rules.ts';
import { createMarketIndex } from './market-index.ts';
import { createMarketViews } from './market-views.ts';
import { anonymousRatingStatement, marketKeys, type Listing, type ListingFields, type ModeratorTerms, type Order } from './market-wire.ts';
import { keyBytes, StateView } from './state-view.ts';
import type { TxBody } from './transactions.ts';
import type { WalletService } from './wallet-service.ts';

/**
 * The marketplace as the API offers it: listings (browse and search a cache of the latest
 * `marketplace.cache_size`, kept from the chat chain's final blocks), selling, buying into escrow,
 * and every order action, each a transaction the chains check. Order state is read from the
 * currency chain, never from peer messages.
 */

export interface MarketInit {
  readonly chains: Chains;
  readonly wallet: WalletService;
  readonly telemetry: Telemetry;
  readonly cacheSize: number;
  readonly escrowTimeoutSecs: number;
  /** How long a purchase waits for its escrow to be funded in a final block before answering `pending` (the guide's payment_confirmation_timeout_secs). */
  readonly paymentConfirmationTimeoutSecs: number;
  /** The identity's signed identity record (how a buyer reaches the seller over E2E chat). */
  record(identityId: string): Uint8Array;
}

export type OrderAction = 'deliver' | 'confirm' | 'cancel' | 'dispute' | 'decide' | 'accept' | 'timeout';

export interface ListingQuery {
  readonly type?: ListingView['type'] | undefined;
  readonly seller?: string | undefined;
  readonly q?: string | undefined;
  readonly max_price?: number | undefined;
  readonly min_rating?: number | undefined;
  readonly limit: number;
}

const hex = bytesToHex;

export function createMarketService(init: MarketInit) {
  const { chains, wallet } = init;
  const index = createMarketIndex(chains, init.telemetry, init.cacheSize);
  const { listings, orders } = index;
  const latency = init.telemetry.histogram({ name: 'marketplace_purchase_latency_ms', help: 'From a purchase submitted here to its escrow funded in a final block (ms).', buckets: [10, 25, 50, 100, 200, 500, 1000, 2000, 5000] });

  const currencyView = () => new StateView(chains.currency.committed.top.tree);
  const { statsOf, listingView, orderView } = createMarketViews(currencyView, () => chains.currency.committed.top.time);

  /** A moderator without networking still moderates; it just cannot be brought into a dispute's chat. */
  const reachableAt = (id: string): { record?: Uint8Array } => {
    try {
      return { record: init.record(id) };
    } catch (err) {
      if (err instanceof NetworkDisabledError) return {};
      throw err;
    }
  };
  const ratingKeyOf = (identityId: string, orderId: string): Uint8Array => wallet.derivedKey(identityId, `dchat/market/rating-key/v1/${orderId}`);
  const findListing = (id: string): Listing => {
    const found = listings.get(id) ?? new StateView(chains.chat.committed.top.tree).read<Listing>(marketKeys.listing(hexToBytes(id)));
    if (!found) throw new ListingNotFoundError(`no listing ${id} on ${chains.chat.committed.chain}`);
    return found;
  };
  const findOrder = (id: string): Order => {
    const found = orders.get(id) ?? currencyView().read<Order>(marketKeys.order(hexToBytes(id)));
    if (!found) throw new OrderNotFoundError(`no order ${id} on ${chains.currency.committed.chain}`);
    return found;
  };

  return {
    start: () => index.load(),
    stop: () => undefined,
    blockApplied: index.blockApplied,
    listings(query: ListingQuery): { listings: ListingView[] } {
      const words = query.q?.toLowerCase().split(/\s+/).filter(Boolean) ?? [];
      const out: ListingView[] = [];
      for (const l of [...listings.values()].reverse()) {
        if (!l.active || (query.type && l.type !== query.type) || (query.seller && hex(l.seller) !== query.seller) || (query.max_price !== undefined && l.price > query.max_price)) continue;
        if (words.length > 0 && !words.every((w) => `${l.title} ${l.description}`.toLowerCase().includes(w))) continue;
        const view = listingView(l);
        if (query.min_rating !== undefined && (view.seller_stats.rating ?? 0) < query.min_rating) continue;
        out.push(view);
        if (out.length >= query.limit) break;
      }
      return { listings: out };
    },
    listing: (id: string) => listingView(findListing(id)),
    /** The seller's signed identity record a listing carries (how a buyer reaches the seller). */
    recordOf: (id: string): Uint8Array => findListing(id).record,
    /** The currency chain's final height (order actions are counted in its blocks). */
    height: (): number => chains.currency.committed.top.height,
    async sell(i: { identity_id?: string | undefined; wait: boolean } & ListingFieldsInput): Promise<SubmittedTransaction & { listing_id: string }> {
      const id = wallet.identity(i.identity_id);
      const { nonce, ...result } = await wallet.submitAs('chat', id, { kind: 'listing', fields: listingFields(i), record: init.record(id) }, i.wait);
      return { ...result, listing_id: hex(listingIdOf(hexToBytes(id), nonce)) };
    },
    async update(i: { id: string; identity_id?: string | undefined; wait: boolean } & ListingFieldsInput): Promise<SubmittedTransaction> {
      findListing(i.id);
      return wallet.submitAs('chat', i.identity_id, { kind: 'listing_update', id: hexToBytes(i.id), fields: listingFields(i) }, i.wait);
    },
    async close(i: { id: string; identity_id?: string | undefined; wait: boolean }): Promise<SubmittedTransaction> {
      findListing(i.id);
      return wallet.submitAs('chat', i.identity_id, { kind: 'listing_close', id: hexToBytes(i.id) }, i.wait);
    },
    /** Funds an order: the listing as the chat chain holds it, with its proof and the chat header the currency chain's client can check. */
    async buy(i: { listing_id: string; moderator: string; identity_id?: string | undefined; wait: boolean }): Promise<SubmittedTransaction & { order_id: string }> {
      const id = wallet.identity(i.identity_id);
      const chat = chains.chat.committed;
      const item = new StateView(chat.top.tree).read<Listing>(marketKeys.listing(hexToBytes(i.listing_id)));
      if (!item) throw new ListingNotFoundError(`no listing ${i.listing_id} in the final state of ${chat.chain}`);
      const client = currencyView().read<LightClient>(bridgeKeys.client(chat.chain));
      // The currency chain's client already verified this very state: naming its height spares every
      // validator the header check and the purchase a third of its bytes (bench market: −11 to −31 % CPU).
      const verified = client !== undefined && client.height === chat.top.height && Buffer.compare(client.root, chat.top.tree.root) === 0;
      const header = client && !verified ? headerFor(chat, client) : undefined;
      if (!verified && !header) throw new ChainUnavailableError('the chat chain has no header the currency chain can check yet; try again after its next block');
      const started = performance.now();
      const proof = chat.top.tree.prove(keyBytes(marketKeys.listing(item.id)));
      // Every order commits to a one-time rating key (derived again when rating), so the buyer may rate it anonymously later.
      const body = (nonce: number): TxBody => ({
        kind: 'order_fund',
        ...(verified ? { height: chat.top.height } : { header }),
        listing: item,
        proof,
        moderator: hexToBytes(i.moderator),
        escrow_timeout_secs: init.escrowTimeoutSecs,
        rating_key: createHash('sha256').update(signingPublicKey(ratingKeyOf(id, hex(orderIdOf(hexToBytes(id), nonce))))).digest(),
      });
      const { nonce, ...result } = await wallet.submitAs('currency', id, body, i.wait && init.paymentConfirmationTimeoutSecs * 1000);
      if (result.status === 'final') latency.observe(performance.now() - started);
      return { ...result, order_id: hex(orderIdOf(hexToBytes(id), nonce)) };
    },
    orders(i: { identity_id?: string | undefined; role?: 'buyer' | 'seller' | 'moderator' | undefined; limit: number }): { orders: OrderView[] } {
      const self = wallet.identity(i.identity_id);
      const mine = [...orders.values()].map((o) => orderView(o, self)).filter((o) => o.role !== null && (!i.role || o.role === i.role));
      return { orders: mine.sort((a, b) => b.funded.height - a.funded.height).slice(0, i.limit) };
    },
    order: (i: { id: string; identity_id?: string | undefined }) => orderView(findOrder(i.id), wallet.identity(i.identity_id)),
    act(i: { id: string; action: OrderAction; identity_id?: string | undefined; claim?: string | undefined; buyer?: number | undefined; seller?: number | undefined; wait: boolean }): Promise<SubmittedTransaction> {
      const order = findOrder(i.id);
      const ref = order.id;
      const bodies: Record<OrderAction, () => TxBody> = {
        deliver: () => ({ kind: 'order_deliver', order: ref, content: findListing(hex(order.listing)).content }),
        confirm: () => ({ kind: 'order_confirm', order: ref }),
        cancel: () => ({ kind: 'order_cancel', order: ref }),
        dispute: () => ({ kind: 'order_dispute', order: ref, claim: i.claim ?? '' }),
        decide: () => ({ kind: 'order_decide', order: ref, buyer: i.buyer ?? 0, seller: i.seller ?? 0 }),
        accept: () => ({ kind: 'order_accept', order: ref }),
        timeout: () => ({ kind: 'order_timeout', order: ref }),
      };
      return wallet.submitAs('currency', i.identity_id, bodies[i.action](), i.wait);
    },
    /**
     * A rating; `anonymous`: signed by the order's one-time rating key and sent from that key's own
     * empty account (fee-exempt), so neither the rating nor its transaction names the buyer.
     */
    rate(i: { id: string; identity_id?: string | undefined; scores: { overall: number; quality: number; description: number; delivery: number }; text: string; anonymous?: boolean | undefined; wait: boolean }): Promise<SubmittedTransaction> {
      const order = findOrder(i.id);
      if (!i.anonymous) return wallet.submitAs('currency', i.identity_id, { kind: 'order_rate', order: order.id, scores: i.scores, text: i.text }, i.wait);
      const secret = ratingKeyOf(wallet.identity(i.identity_id), i.id);
      const key = signingPublicKey(secret);
      if (!order.rating_key || Buffer.compare(createHash('sha256').update(key).digest(), order.rating_key) !== 0) {
        throw new ValidationError('anonymous: this order was not bought by this identity with a rating key (orders bought before rating keys can only be rated by name)', [{ path: 'anonymous', message: 'no rating key for this identity' }]);
      }
      const sig = anonymousRatingStatement.sign(secret, { chain: chains.currency.committed.chain, order: order.id, scores: i.scores, text: i.text });
      return wallet.submitWithKey('currency', secret, { kind: 'order_rate', order: order.id, scores: i.scores, text: i.text, anonymous: { key, sig } }, i.wait);
    },
    moderators: (): { moderators: ModeratorView[] } => ({
      moderators: [...index.moderators].map(([key, terms]) => ({ key, fee_fixed: terms.fee_fixed, fee_bp: terms.fee_bp, description: terms.description })),
    }),
    becomeModerator: (i: { identity_id?: string | undefined; fee_fixed: number; fee_bp: number; description: string; wait: boolean }) =>
      wallet.submitAs('currency', i.identity_id, { kind: 'moderator', fee_fixed: i.fee_fixed, fee_bp: i.fee_bp, description: i.description, ...reachableAt(wallet.identity(i.identity_id)) }, i.wait),
    /** A moderator's signed identity record, if its terms carry one. */
    moderatorRecord: (key: string): Uint8Array | undefined => currencyView().read<ModeratorTerms>(marketKeys.moderator(hexToBytes(key)))?.record,
    creator: (key: string) => ({ key, ...statsOf(hexToBytes(key)) }),
    /** Ratings with their texts, newest first: of a seller, of a listing, or all. */
    ratings(i: { seller?: string | undefined; listing?: string | undefined; limit: number }): { ratings: RatingView[] } {
      const out: RatingView[] = [];
      for (const r of [...index.ratings.values()].sort((a, b) => b.time - a.time)) {
        if ((i.seller && hex(r.seller) !== i.seller) || (i.listing && hex(r.listing) !== i.listing)) continue;
        out.push({ order: hex(r.order), listing: hex(r.listing), seller: hex(r.seller), buyer: r.buyer ? hex(r.buyer) : null, scores: r.scores, text: r.text, time: r.time });
        if (out.length >= i.limit) break;
      }
      return { ratings: out };
    },
  } satisfies Startable & Record<string, unknown>;
}

export type MarketService = ReturnType<typeof createMarketService>;

/** Listing fields as the API takes them (hashes as hex). */
export interface ListingFieldsInput {
  readonly type: ListingFields['type'];
  readonly title: string;
  readonly description: string;
  readonly price: number;
  readonly period: ListingFields['period'];
  readonly preview: string;
  readonly content: string;
  readonly license: string;
  readonly channel?: { readonly name: string; readonly days: number } | undefined;
  readonly moderators: readonly string[];
}

const listingFields = (i: ListingFieldsInput): ListingFields => ({
  type: i.type,
  title: i.title,
  description: i.description,
  price: i.price,
  period: i.period,
  preview: hexToBytes(i.preview),
  content: hexToBytes(i.content),
  license: i.license,
  ...(i.channel ? { channel: { name: i.channel.name, days: i.channel.days } } : {}),
  moderators: i.moderators.map(hexToBytes),
});
