import { useCallback } from 'react';
import { useTranslation } from 'react-i18next';
import { formatNumber } from '../../i18n/index.ts';
import { useApp } from '../../state/store.ts';
import { price, type Currency } from './market-format.ts';
import { usePolled } from './use-polled.ts';

/** The acting identity's record as a seller (market.creator): sales, revenue and rating, from the currency chain. */
export function CreatorSummary(props: { readonly identityId: string; readonly currency: Currency }) {
  const { t, i18n } = useTranslation('market');
  const client = useApp((s) => s.client)!;
  const load = useCallback(() => client.call('market.creator', { key: props.identityId }), [client, props.identityId]);
  const { data } = usePolled(load, `creator|${props.identityId}`);
  if (!data) return null;
  const language = i18n.language;
  return (
    <section aria-labelledby="market-creator-title" className="market-creator">
      <h2 id="market-creator-title">{t('creator.title')}</h2>
      <dl className="market-figures" data-testid="creator-stats">
        <div>
          <dt>{t('creator.sales')}</dt>
          <dd>{formatNumber(data.sales, language)}</dd>
        </div>
        <div>
          <dt>{t('creator.revenue')}</dt>
          <dd>{price(t, data.revenue, language, props.currency)}</dd>
        </div>
        <div>
          <dt>{t('creator.rating')}</dt>
          <dd>
            {data.rating === null
              ? t('creator.noRating')
              : t('creator.ratingValue', { rating: new Intl.NumberFormat(language, { maximumFractionDigits: 1 }).format(data.rating), count: data.ratings })}
          </dd>
        </div>
      </dl>
    </section>
  );
}
