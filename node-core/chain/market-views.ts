import { bytesToHex } from '../crypto/hex.ts';
import type { CreatorStatsView, ListingView, OrderView } from '../domain/chain-model.ts';
import { marketKeys, type CreatorStats, type Listing, type Order } from './market-wire.ts';
import type { StateView } from './state-view.ts';

/**
 * Listings and orders as the API shows them: keys and hashes as hex, the seller's statistics, and
 * for an order the part the asking identity plays and the actions the chain would accept from it
 * now (the same transitions market-rules.ts allows).
 */

const hex = bytesToHex;

export function createMarketViews(currencyView: () => StateView, currencyTime: () => number) {
  const statsOf = (seller: Uint8Array): CreatorStatsView => {
    const s = currencyView().read<CreatorStats>(marketKeys.stats(seller));
    return { sales: s?.sales ?? 0, revenue: s?.revenue ?? 0, ratings: s?.ratings ?? 0, rating: s && s.ratings > 0 ? s.rating_sum / s.ratings : null };
  };

  const listingView = (l: Listing): ListingView => ({
    id: hex(l.id),
    seller: hex(l.seller),
    type: l.type,
    title: l.title,
    description: l.description,
    price: l.price,
    period: l.period,
    preview: hex(l.preview),
    content: hex(l.content),
    license: l.license,
    channel: l.channel ?? null,
    moderators: l.moderators.map(hex),
    created_height: l.created,
    updated_height: l.updated,
    active: l.active,
    seller_stats: statsOf(l.seller),
  });

  function actionsFor(o: Order, role: OrderView['role'], now: number): string[] {
    const due = now >= o.timeout_at;
    const byState: Record<string, Partial<Record<NonNullable<OrderView['role']>, string[]>>> = {
      PAID: { seller: ['deliver', 'cancel', 'dispute'], buyer: ['dispute'] },
      DELIVERED: { buyer: ['confirm', 'dispute'], seller: ['dispute'] },
      DISPUTED: { moderator: ['decide'] },
      DECIDED: { buyer: ['accept'], seller: ['accept'] },
    };
    const own = role ? (byState[o.state]?.[role] ?? []) : [];
    return due && ['PAID', 'DELIVERED', 'DECIDED', 'DISPUTED'].includes(o.state) ? [...own, 'timeout'] : own;
  }

  function orderView(o: Order, self: string | undefined): OrderView {
    const role = !self ? null : hex(o.buyer) === self ? 'buyer' : hex(o.seller) === self ? 'seller' : hex(o.moderator) === self ? 'moderator' : null;
    const finished = ['COMPLETED', 'PAYMENT_FINALIZED', 'RESOLVED'].includes(o.state) && (o.paid?.seller ?? 0) > 0;
    const rated = currencyView().get(marketKeys.rating(o.id)) !== undefined;
    const actions = actionsFor(o, role, currencyTime());
    return {
      id: hex(o.id),
      listing: hex(o.listing),
      listing_type: o.listing_type,
      title: o.title,
      buyer: hex(o.buyer),
      seller: hex(o.seller),
      moderator: hex(o.moderator),
      amount: o.amount,
      moderator_fee: o.moderator_fee,
      state: o.state,
      funded: o.funded,
      timeout_at: o.timeout_at,
      delivered: o.delivered ? { time: o.delivered.time, content: hex(o.delivered.content) } : null,
      dispute: o.dispute ? { by: hex(o.dispute.by), claim: o.dispute.claim, time: o.dispute.time } : null,
      decision: o.decision,
      paid: o.paid,
      role,
      actions: role === 'buyer' && finished && !rated ? [...actions, 'rate'] : actions,
      rated,
    };
  }

  return { statsOf, listingView, orderView };
}
