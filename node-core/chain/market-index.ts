import { decodeCbor } from '../p2p/codec.ts';
import type { Telemetry } from '../runtime/telemetry.ts';
import type { Chains } from './chains-service.ts';
import type { Execution } from './ledger.ts';
import type { Listing, ModeratorTerms, Order, Rating } from './market-wire.ts';

/**
 * What this node knows of the marketplace, for browsing without walking the chain state: the
 * newest `cacheSize` listings (the guide's marketplace.cache_size), every order, moderator and rating, read from the
 * state at start and kept current from each final block's changes; with the figures they give.
 */

const LISTING_KEY = /^ml\/([0-9a-f]{64})$/;
const ORDER_KEY = /^mo\/([0-9a-f]{64})$/;
const MODERATOR_KEY = /^mm\/([0-9a-f]{64})$/;
const RATING_KEY = /^mr\/([0-9a-f]{64})$/;

export function createMarketIndex(chains: Chains, telemetry: Telemetry, cacheSize: number) {
  const listings = new Map<string, Listing>();
  const orders = new Map<string, Order>();
  const moderators = new Map<string, ModeratorTerms>();
  const ratings = new Map<string, Rating>();
  const purchases = telemetry.counter<'type'>({ name: 'marketplace_purchases_total', help: 'Orders funded in escrow (state PAID) seen on the currency chain, by listing type.', labels: ['type'] });
  const finished = telemetry.counter<'state'>({ name: 'marketplace_orders_finished_total', help: 'Orders reaching a final state, by state (creator activity).', labels: ['state'] });
  telemetry.gauge({ name: 'marketplace_escrow_value', help: 'Units held in open orders (PAID, DELIVERED, DISPUTED, DECIDED).', read: () => [...orders.values()].filter((o) => !o.paid).reduce((sum, o) => sum + o.amount, 0) });
  telemetry.gauge({ name: 'marketplace_listings_cached', help: 'Listings in the browse cache (marketplace.cache_size at most).', read: () => listings.size });

  const rememberListing = (id: string, value: Listing) => {
    listings.delete(id);
    listings.set(id, value);
    if (listings.size > cacheSize) listings.delete(listings.keys().next().value!);
  };

  return {
    listings,
    orders,
    moderators,
    ratings,
    load(): void {
      listings.clear();
      orders.clear();
      moderators.clear();
      ratings.clear();
      for (const [key, value] of chains.chat.committed.top.tree.entries()) {
        const match = LISTING_KEY.exec(Buffer.from(key).toString('utf8'));
        if (match) rememberListing(match[1]!, decodeCbor(value) as Listing);
      }
      for (const [key, value] of chains.currency.committed.top.tree.entries()) {
        const text = Buffer.from(key).toString('utf8');
        const order = ORDER_KEY.exec(text);
        if (order) orders.set(order[1]!, decodeCbor(value) as Order);
        const moderator = MODERATOR_KEY.exec(text);
        if (moderator) moderators.set(moderator[1]!, decodeCbor(value) as ModeratorTerms);
        const rating = RATING_KEY.exec(text);
        if (rating) ratings.set(rating[1]!, decodeCbor(value) as Rating);
      }
    },
    blockApplied(kind: 'chat' | 'currency', execution: Execution): void {
      for (const [key, value] of execution.changes) {
        if (!value) continue;
        const text = Buffer.from(key).toString('utf8');
        if (kind === 'chat') {
          const listing = LISTING_KEY.exec(text);
          if (listing) rememberListing(listing[1]!, decodeCbor(value) as Listing);
          continue;
        }
        const moderator = MODERATOR_KEY.exec(text);
        if (moderator) moderators.set(moderator[1]!, decodeCbor(value) as ModeratorTerms);
        const rating = RATING_KEY.exec(text);
        if (rating) ratings.set(rating[1]!, decodeCbor(value) as Rating);
        const match = ORDER_KEY.exec(text);
        if (!match) continue;
        const order = decodeCbor(value) as Order;
        const before = orders.get(match[1]!);
        orders.set(match[1]!, order);
        if (!before && order.state === 'PAID') purchases.inc({ type: order.listing_type });
        if (order.paid && !before?.paid) finished.inc({ state: order.state });
      }
    },
  };
}
