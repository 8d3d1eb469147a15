import type { TFunction } from 'i18next';
import type { MethodOutput } from '../../../../node-core/api/contract.ts';
import { formatAmount } from '../../wallet-amounts.ts';

export type Listing = MethodOutput<'market.listing'>;
export type Order = MethodOutput<'market.order'>;
export type Moderator = MethodOutput<'market.moderators'>['moderators'][number];
export type CreatorStats = Omit<MethodOutput<'market.creator'>, 'key'>;

/** The currency's display: decimals and symbol, as wallet.get tells them. */
export interface Currency {
  readonly decimals: number;
  readonly symbol: string;
}

export const LISTING_TYPES: ReadonlyArray<Listing['type']> = ['sticker_pack', 'emoji_pack', 'theme', 'file', 'image', 'membership', 'bot_access'];

/** An amount with its symbol in the UI's language ("2.5 DCT"). */
export const price = (t: TFunction, units: number, language: string, currency: Currency): string =>
  t('market:money', { value: formatAmount(units, language, currency.decimals), symbol: currency.symbol });

/** A listing's price with its period ("2 DCT" or "2 DCT a month"). */
export const listingPrice = (t: TFunction, listing: Pick<Listing, 'price' | 'period'>, language: string, currency: Currency): string =>
  listing.period === 'month' ? t('market:perMonth', { price: price(t, listing.price, language, currency) }) : price(t, listing.price, language, currency);

/** A seller's record in one sentence: sales and the mean rating (or that there is none yet). */
export function statsText(t: TFunction, stats: CreatorStats, language: string): string {
  const sales = t('market:stats.sales', { count: stats.sales });
  if (stats.rating === null) return t('market:stats.withoutRating', { sales });
  const rating = new Intl.NumberFormat(language, { maximumFractionDigits: 1 }).format(stats.rating);
  return t('market:stats.withRating', { sales, rating, ratings: t('market:stats.ratings', { count: stats.ratings }) });
}

/** A key short enough to read aloud, long enough to tell apart ("3fa2…91c0"). */
export const shortKey = (key: string): string => `${key.slice(0, 6)}…${key.slice(-4)}`;

/** The states in which the buyer's money is still held by the order. */
export const OPEN_STATES: ReadonlyArray<Order['state']> = ['AWAITING_PAYMENT', 'PAID', 'DELIVERED', 'DISPUTED', 'DECIDED'];
