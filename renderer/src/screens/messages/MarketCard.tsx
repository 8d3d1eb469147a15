import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Message } from '../../../../node-core/api/contract.ts';
import type { ApiClient } from '../../api/client.ts';
import { describeError } from '../../components/errors.ts';
import { FieldError } from '../../components/FieldError.tsx';
import { viewListing } from '../../state/market-link.ts';
import { useApp } from '../../state/store.ts';
import { listingPrice, type Currency, type Listing } from '../market/market-format.ts';
import { usePolled } from '../market/use-polled.ts';
import { useSubmission } from '../wallet/use-submission.ts';

/**
 * A listing or currency display does not change while a chat is open, and a chat may show many
 * cards: each is asked for once per session (a failed answer is asked for again next time).
 */
const listings = new Map<string, Promise<Listing>>();
const currencies = new Map<string, Promise<Currency>>();

function cached<T>(cache: Map<string, Promise<T>>, key: string, load: () => Promise<T>): Promise<T> {
  let found = cache.get(key);
  if (!found) {
    found = load();
    cache.set(key, found);
    found.catch(() => cache.delete(key));
  }
  return found;
}

function useListing(client: ApiClient, listingId: string, identityId: string) {
  const [state, setState] = useState<{ listing: Listing; currency: Currency } | { error: unknown } | null>(null);
  useEffect(() => {
    let live = true;
    Promise.all([
      cached(listings, listingId, () => client.call('market.listing', { id: listingId })),
      cached(currencies, identityId, async () => {
        const w = await client.call('wallet.get', { identity_id: identityId });
        return { decimals: w.decimals, symbol: w.symbol };
      }),
    ]).then(
      ([listing, currency]) => live && setState({ listing, currency }),
      (error: unknown) => live && setState({ error }),
    );
    return () => {
      live = false;
    };
  }, [client, listingId, identityId]);
  return state;
}

/** The order as the chain has it now, for a delivery's Confirm receipt (read every few seconds until it is settled). */
function ConfirmReceipt(props: { readonly client: ApiClient; readonly orderId: string; readonly identityId: string; readonly title: string }) {
  const { t } = useTranslation('market');
  const { client, orderId, identityId } = props;
  const load = useCallback(() => client.call('market.order', { id: orderId, identity_id: identityId }), [client, orderId, identityId]);
  const order = usePolled(load, `chat-order|${orderId}|${identityId}`, 3000);
  const { submission, run } = useSubmission(t);
  const state = order.data?.state;
  const canConfirm = order.data?.role === 'buyer' && state === 'DELIVERED' && order.data.actions.includes('confirm');
  const confirm = async () => {
    if (submission.phase === 'pending') return;
    const outcome = await run(() => client.call('market.act', { id: orderId, action: 'confirm', identity_id: identityId }));
    if (outcome.phase === 'done') void order.reload();
  };
  return (
    <>
      {state && (
        <p className="hint" data-testid="market-card-state">
          {t(`states.${state}`)}
        </p>
      )}
      {canConfirm && submission.phase !== 'done' && (
        <button type="button" className="primary" aria-label={t('chat.confirmOf', { title: props.title })} aria-disabled={submission.phase === 'pending' || undefined} onClick={() => void confirm()}>
          {t('chat.confirm')}
        </button>
      )}
      <p role="status" className="hint">
        {submission.phase === 'pending' && t('actions.pending')}
        {submission.phase === 'done' && t('chat.confirmed')}
      </p>
      <FieldError error={submission.phase === 'failed' ? submission.error : null} />
    </>
  );
}

/**
 * A marketplace reference in a message, as a card: a shared listing (with View, which opens it
 * on the Marketplace screen where it can be bought), the buyer's order notice, or the seller's
 * delivery (its file is the message's attachment, shown below as any file; the buyer confirms
 * receipt from here while the order is delivered).
 */
export function MarketCard(props: { readonly message: Message; readonly market: NonNullable<Message['market']>; readonly mine: boolean; readonly client: ApiClient | null }) {
  const { t, i18n } = useTranslation('market');
  const { market, message, client } = props;
  const identityId = useApp((s) => s.chats.find((c) => c.chat_id === message.chat_id)?.identity_id) ?? '';
  const found = useListing(client!, market.listing_id, identityId);
  const listing = found && 'listing' in found ? found : null;
  const title = listing?.listing.title ?? message.text;
  const heading = market.kind === 'listing' ? t('chat.shared') : market.kind === 'order' ? t('chat.ordered') : t('chat.delivered');
  return (
    <div className={`market-message-card market-message-${market.kind}`} role="group" aria-label={`${heading}: ${title}`} data-testid={`market-card-${market.kind}`}>
      <p className="market-message-kind">{heading}</p>
      {title && <p className="market-message-title">{title}</p>}
      {listing && (
        <p className="hint">
          {t(`types.${listing.listing.type}`)} · {listingPrice(t, listing.listing, i18n.language, listing.currency)}
        </p>
      )}
      {found && 'error' in found && <FieldError error={describeError(found.error, t)} />}
      {market.kind === 'listing' && (
        <button type="button" className="secondary" aria-label={t('chat.viewOf', { title })} onClick={() => viewListing(market.listing_id, identityId)}>
          {t('chat.view')}
        </button>
      )}
      {market.kind === 'delivery' && market.order_id && !props.mine && client && <ConfirmReceipt client={client} orderId={market.order_id} identityId={identityId} title={title} />}
    </div>
  );
}
