import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { describeError } from '../components/errors.ts';
import { FieldError } from '../components/FieldError.tsx';
import { useMarketLink } from '../state/market-link.ts';
import { useApp } from '../state/store.ts';
import { Browse } from './market/Browse.tsx';
import { CreatorSummary } from './market/CreatorSummary.tsx';
import { ModeratePanel } from './market/ModeratePanel.tsx';
import { OrderList } from './market/OrderList.tsx';
import { SellPanel } from './market/SellPanel.tsx';
import { price } from './market/market-format.ts';
import { usePolled } from './market/use-polled.ts';

type Section = 'browse' | 'sell' | 'orders' | 'moderate';
const SECTIONS: readonly Section[] = ['browse', 'sell', 'orders', 'moderate'];

/**
 * The marketplace: browse and buy listings from the chat chain, sell, follow one's orders (as
 * buyer, seller or moderator) through their states on the currency chain, and register as a
 * moderator. Everything acts as one of this node's identities, chosen at the top (each has its own
 * account and orders); the node is asked again every two seconds, as the Wallet screen does.
 */
export function MarketView() {
  const { t, i18n } = useTranslation('market');
  const client = useApp((s) => s.client)!;
  const identities = useApp((s) => s.identities);
  const fallback = identities.find((i) => i.is_default) ?? identities[0];
  // A listing asked for from a chat ("View"): its detail, as the identity of that chat.
  const [linked] = useState(() => useMarketLink.getState().request);
  useEffect(() => {
    if (linked) useMarketLink.setState({ request: null });
  }, [linked]);
  const [linkedListing, setLinkedListing] = useState(linked?.listingId);
  const [chosen, setChosen] = useState<string | null>(linked?.identityId ?? null);
  const actor = identities.find((i) => i.id === chosen) ?? fallback;
  const [section, setSection] = useState<Section>('browse');
  const identityId = actor?.id ?? '';

  const loadWallet = useCallback(() => client.call('wallet.get', { identity_id: identityId }), [client, identityId]);
  const wallet = usePolled(loadWallet, `wallet|${identityId}`);
  const error = wallet.error ? describeError(wallet.error, t) : null;
  const currency = wallet.data;

  const goTo = (next: Section) => {
    setSection(next);
    setLinkedListing(undefined);
    // The section's heading takes the focus, as a page change does.
    requestAnimationFrame(() => document.getElementById(`market-${next}-title`)?.focus());
  };

  return (
    <main className="page market-page" id="main" tabIndex={-1}>
      <h1>{t('title')}</h1>
      <p className="hint">{t('intro')}</p>
      <div className="market-actor">
        <div className="form-row">
          <label htmlFor="market-identity">{t('actor.label')}</label>
          <select id="market-identity" value={identityId} onChange={(e) => setChosen(e.target.value)} aria-describedby="market-identity-help">
            {identities.map((i) => (
              <option key={i.id} value={i.id}>
                {i.profile.display_name || i.username}
              </option>
            ))}
          </select>
          <p id="market-identity-help" className="hint">
            {t('actor.help')}
          </p>
        </div>
        {currency && (
          <p className="market-balance" data-testid="market-balance">
            {t('actor.balance', { amount: price(t, currency.balance, i18n.language, currency) })}
          </p>
        )}
      </div>
      <FieldError error={error} />
      {!currency && !error && <p className="loading">{t('loading')}</p>}
      {currency && actor && (
        <>
          <CreatorSummary identityId={identityId} currency={currency} />
          <ul className="market-sections" aria-label={t('sections.label')}>
            {SECTIONS.map((s) => (
              <li key={s}>
                <button type="button" className="secondary" aria-pressed={section === s} onClick={() => goTo(s)}>
                  {t(`sections.${s}`)}
                </button>
              </li>
            ))}
          </ul>
          {section === 'browse' && <Browse key={identityId} identityId={identityId} currency={currency} balance={currency.balance} onBought={() => goTo('orders')} initialListing={linkedListing} />}
          {section === 'sell' && <SellPanel key={identityId} identityId={identityId} currency={currency} />}
          {section === 'orders' && <OrderList key={identityId} identityId={identityId} currency={currency} />}
          {section === 'moderate' && <ModeratePanel key={identityId} identityId={identityId} currency={currency} />}
        </>
      )}
    </main>
  );
}
