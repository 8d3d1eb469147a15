import { useCallback, useEffect, useRef, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { MethodInput } from '../../../../node-core/api/contract.ts';
import { describeError } from '../../components/errors.ts';
import { FieldError } from '../../components/FieldError.tsx';
import { useApp } from '../../state/store.ts';
import { formatTime } from '../../i18n/index.ts';
import { parseAmount } from '../../wallet-amounts.ts';
import { useSubmission } from '../wallet/use-submission.ts';
import { TextField } from '../wallet/TextField.tsx';
import { Dialog } from '../../components/Dialog.tsx';
import { sendMessage } from '../../state/messaging.ts';
import { LISTING_TYPES, listingPrice, price, shortKey, statsText, type Currency, type Listing, type Moderator } from './market-format.ts';
import { usePolled } from './use-polled.ts';

type Query = MethodInput<'market.listings'>;

/** Browse and search the chat chain's listings (q, type, highest price), then one listing's detail with Buy. */
export function Browse(props: { readonly identityId: string; readonly currency: Currency; readonly balance: number; readonly onBought: () => void; readonly initialListing?: string | undefined }) {
  const { t, i18n } = useTranslation('market');
  const client = useApp((s) => s.client)!;
  const [q, setQ] = useState('');
  const [type, setType] = useState('');
  const [maxPrice, setMaxPrice] = useState('');
  const [maxError, setMaxError] = useState<string | null>(null);
  const [query, setQuery] = useState<Query>({});
  const [openId, setOpenId] = useState<string | null>(props.initialListing ?? null);
  const load = useCallback(() => client.call('market.listings', query), [client, query]);
  const listings = usePolled(load, `listings|${JSON.stringify(query)}`, null);

  const search = (event: FormEvent) => {
    event.preventDefault();
    let max: number | undefined;
    if (maxPrice.trim() !== '') {
      const parsed = parseAmount(maxPrice, i18n.language, props.currency.decimals, { allowZero: true });
      if (!parsed.ok) {
        setMaxError(t('browse.maxPriceError'));
        document.getElementById('market-max-price')?.focus();
        return;
      }
      max = parsed.value;
    }
    setMaxError(null);
    setQuery({ ...(q.trim() ? { q: q.trim() } : {}), ...(type ? { type: type as Listing['type'] } : {}), ...(max !== undefined ? { max_price: max } : {}) });
  };

  const shown = listings.data?.listings ?? null;
  // A listing opened from elsewhere (shared in a chat) need not be among those the search shows.
  const loadOpen = useCallback(() => (openId ? client.call('market.listing', { id: openId }) : Promise.resolve(null)), [client, openId]);
  const fetched = usePolled(loadOpen, `listing|${openId ?? ''}`);
  const open = shown?.find((l) => l.id === openId) ?? (fetched.data?.id === openId ? fetched.data : null);
  if (openId && !open && fetched.error)
    return (
      <section aria-labelledby="market-browse-title">
        <h2 id="market-browse-title" tabIndex={-1}>
          {t('browse.title')}
        </h2>
        <FieldError error={describeError(fetched.error, t)} />
        <button type="button" className="secondary" onClick={() => setOpenId(null)}>
          {t('detail.back')}
        </button>
      </section>
    );
  if (open)
    return (
      <ListingDetail
        listing={open}
        identityId={props.identityId}
        currency={props.currency}
        balance={props.balance}
        onBack={() => {
          setOpenId(null);
          requestAnimationFrame(() => (document.getElementById(`listing-${open.id}`) ?? document.getElementById('market-browse-title'))?.focus());
        }}
        onBought={props.onBought}
      />
    );

  return (
    <section aria-labelledby="market-browse-title">
      <h2 id="market-browse-title" tabIndex={-1}>
        {t('browse.title')}
      </h2>
      <form role="search" aria-label={t('browse.searchLabel')} onSubmit={search} noValidate className="market-search">
        <div className="form-row">
          <label htmlFor="market-q">{t('browse.q')}</label>
          <input id="market-q" type="search" value={q} onChange={(e) => setQ(e.target.value)} autoComplete="off" />
        </div>
        <div className="form-row">
          <label htmlFor="market-type">{t('browse.type')}</label>
          <select id="market-type" value={type} onChange={(e) => setType(e.target.value)}>
            <option value="">{t('browse.anyType')}</option>
            {LISTING_TYPES.map((ty) => (
              <option key={ty} value={ty}>
                {t(`types.${ty}`)}
              </option>
            ))}
          </select>
        </div>
        <TextField id="market-max-price" label={t('browse.maxPrice', { symbol: props.currency.symbol })} value={maxPrice} onChange={setMaxPrice} error={maxError} inputMode="decimal" />
        <button type="submit" className="primary">
          {t('browse.search')}
        </button>
      </form>
      <FieldError error={listings.error ? describeError(listings.error, t) : null} />
      {shown === null && !listings.error && <p className="loading">{t('loading')}</p>}
      {shown !== null && (
        <p role="status" className="hint" data-testid="listing-count">
          {t('browse.found', { count: shown.length })}
        </p>
      )}
      {shown !== null && shown.length > 0 && (
        <ul className="market-cards" aria-labelledby="market-browse-title">
          {shown.map((l) => (
            <li key={l.id} data-testid="listing-card">
              <h3>{l.title}</h3>
              <p className="market-card-type">{t(`types.${l.type}`)}</p>
              <p className="market-card-price">{listingPrice(t, l, i18n.language, props.currency)}</p>
              <p className="hint">{statsText(t, l.seller_stats, i18n.language)}</p>
              <button type="button" className="secondary" id={`listing-${l.id}`} aria-label={t('browse.detailsOf', { title: l.title })} onClick={() => setOpenId(l.id)}>
                {t('browse.details')}
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

/** One listing: what it is, its seller's record, Buy naming a moderator (after a confirmation that says what escrow means), and Share in a chat. */
function ListingDetail(props: { readonly listing: Listing; readonly identityId: string; readonly currency: Currency; readonly balance: number; readonly onBack: () => void; readonly onBought: () => void }) {
  const { t, i18n } = useTranslation('market');
  const client = useApp((s) => s.client)!;
  const { listing, currency } = props;
  const language = i18n.language;
  const loadModerators = useCallback(() => client.call('market.moderators', {}), [client]);
  const moderators = usePolled(loadModerators, 'moderators');
  const { submission, run } = useSubmission(t);
  const [moderator, setModerator] = useState('');
  const [bought, setBought] = useState<{ orderId: string; chatId: string | null } | null>(null);
  const [confirming, setConfirming] = useState(false);
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), []);

  const own = listing.seller === props.identityId;
  // Only moderators the rules accept here: not a party to the order, and among the seller's own choice if it named any.
  const usable = (moderators.data?.moderators ?? []).filter(
    (m) => m.key !== props.identityId && m.key !== listing.seller && (listing.moderators.length === 0 || listing.moderators.includes(m.key)),
  );
  const picked = usable.find((m) => m.key === moderator) ?? usable[0];
  const tooPoor = props.balance < listing.price;
  const blocked = own ? t('detail.ownListing') : !listing.active ? t('detail.closed') : moderators.data && usable.length === 0 ? t('detail.noModerators') : tooPoor ? t('detail.tooPoor') : null;
  const pending = submission.phase === 'pending';
  const terms = (m: Moderator) => ({ key: shortKey(m.key), fixed: price(t, m.fee_fixed, language, currency), percent: new Intl.NumberFormat(language, { style: 'percent', maximumFractionDigits: 2 }).format(m.fee_bp / 10_000) });
  const closeConfirm = useCallback(() => setConfirming(false), []);

  const buy = async () => {
    if (blocked || !picked || pending) return;
    setConfirming(false);
    await run(async () => {
      const result = await client.call('market.buy', { listing_id: listing.id, moderator: picked.key, identity_id: props.identityId });
      setBought({ orderId: result.order_id, chatId: result.chat_id });
      return result;
    });
  };

  return (
    <section aria-labelledby="market-detail-title" className="market-detail">
      <button type="button" className="secondary" onClick={props.onBack}>
        {t('detail.back')}
      </button>
      <h2 id="market-detail-title" ref={heading} tabIndex={-1}>
        {listing.title}
      </h2>
      <dl className="market-facts">
        <div>
          <dt>{t('detail.type')}</dt>
          <dd>{t(`types.${listing.type}`)}</dd>
        </div>
        <div>
          <dt>{t('detail.price')}</dt>
          <dd data-testid="detail-price">{listingPrice(t, listing, language, currency)}</dd>
        </div>
        <div>
          <dt>{t('detail.description')}</dt>
          <dd className="market-text">{listing.description || t('detail.noDescription')}</dd>
        </div>
        <div>
          <dt>{t('detail.license')}</dt>
          <dd className="market-text">{listing.license || t('detail.noLicense')}</dd>
        </div>
        <div>
          <dt>{t('detail.seller')}</dt>
          <dd>
            <span dir="ltr" className="market-key">
              {shortKey(listing.seller)}
            </span>{' '}
            — {statsText(t, listing.seller_stats, language)}
          </dd>
        </div>
      </dl>
      <ListingRatings listingId={listing.id} />
      {!own && (
        <div className="form-row">
          <label htmlFor="market-moderator">{t('detail.moderator')}</label>
          <select id="market-moderator" value={picked?.key ?? ''} onChange={(e) => setModerator(e.target.value)} disabled={usable.length === 0} aria-describedby="market-moderator-help">
            {usable.map((m) => (
              <option key={m.key} value={m.key}>
                {t('detail.moderatorOption', terms(m))}
                {m.description ? ` — ${m.description}` : ''}
              </option>
            ))}
          </select>
          <p id="market-moderator-help" className="hint">
            {t('detail.moderatorHelp')}
          </p>
        </div>
      )}
      {bought === null && !own && (
        <button
          type="button"
          className="primary"
          aria-disabled={blocked !== null || pending || undefined}
          aria-describedby={blocked ? 'market-buy-blocked' : undefined}
          onClick={() => !blocked && picked && !pending && setConfirming(true)}
        >
          {t('detail.buy', { price: listingPrice(t, listing, language, currency) })}
        </button>
      )}
      {blocked && (
        <p id="market-buy-blocked" className="hint" data-testid="buy-blocked">
          {blocked}
        </p>
      )}
      <p role="status" className="hint">
        {pending && t('detail.buying')}
        {submission.phase === 'done' && bought && t('detail.bought')}
      </p>
      {submission.phase === 'done' && bought && (
        <div className="button-row">
          {bought.chatId && (
            <button type="button" className="primary" onClick={() => void useApp.getState().openChat(bought.chatId)}>
              {t('detail.openChat')}
            </button>
          )}
          <button type="button" className="secondary" onClick={props.onBought}>
            {t('detail.goToOrders')}
          </button>
        </div>
      )}
      <FieldError error={submission.phase === 'failed' ? submission.error : null} />
      <ShareListing listing={listing} identityId={props.identityId} />
      {confirming && picked && (
        <Dialog title={t('confirm.title', { title: listing.title })} onClose={closeConfirm}>
          <dl className="market-facts" data-testid="buy-confirm-facts">
            <div>
              <dt>{t('confirm.price')}</dt>
              <dd>{listingPrice(t, listing, language, currency)}</dd>
            </div>
            <div>
              <dt>{t('confirm.seller')}</dt>
              <dd>
                <span dir="ltr" className="market-key">
                  {shortKey(listing.seller)}
                </span>
              </dd>
            </div>
            <div>
              <dt>{t('confirm.moderator')}</dt>
              <dd>
                <span dir="ltr" className="market-key">
                  {shortKey(picked.key)}
                </span>
              </dd>
            </div>
            <div>
              <dt>{t('confirm.fee')}</dt>
              <dd>{t('confirm.feeValue', { ...terms(picked), fee: price(t, Math.min(listing.price, picked.fee_fixed + Math.floor((listing.price * picked.fee_bp) / 10_000)), language, currency) })}</dd>
            </div>
          </dl>
          <p>{t('confirm.escrow')}</p>
          <p>{t('confirm.timeout')}</p>
          <div className="button-row">
            <button type="button" className="primary" onClick={() => void buy()}>
              {t('confirm.pay', { price: listingPrice(t, listing, language, currency) })}
            </button>
            <button type="button" className="secondary" onClick={closeConfirm}>
              {t('confirm.cancel')}
            </button>
          </div>
        </Dialog>
      )}
    </section>
  );
}

/** Share in a chat: a message carrying the listing, which the other side sees as a card it can buy from. */
function ShareListing(props: { readonly listing: Listing; readonly identityId: string }) {
  const { t } = useTranslation('market');
  const chats = useApp((s) => s.chats);
  const mine = chats.filter((c) => c.identity_id === props.identityId && !c.archived);
  const [open, setOpen] = useState(false);
  const [chatId, setChatId] = useState('');
  const [state, setState] = useState<{ phase: 'idle' | 'pending' } | { phase: 'done'; title: string } | { phase: 'failed'; error: string }>({ phase: 'idle' });
  const chosen = mine.find((c) => c.chat_id === chatId) ?? mine[0];

  const share = async (event: FormEvent) => {
    event.preventDefault();
    if (!chosen || state.phase === 'pending') return;
    setState({ phase: 'pending' });
    try {
      await sendMessage({ chat_id: chosen.chat_id, text: '', attachments: [], market: { kind: 'listing', listing_id: props.listing.id } });
      setState({ phase: 'done', title: chosen.title });
    } catch (err) {
      setState({ phase: 'failed', error: describeError(err, t) });
    }
  };

  return (
    <div className="market-share">
      <button type="button" className="secondary" aria-expanded={open} aria-controls="market-share-form" onClick={() => setOpen((o) => !o)}>
        {t('share.toggle')}
      </button>
      {open && (
        <form id="market-share-form" onSubmit={(e) => void share(e)} noValidate aria-label={t('share.label', { title: props.listing.title })}>
          {mine.length === 0 ? (
            <p className="hint">{t('share.noChats')}</p>
          ) : (
            <>
              <div className="form-row">
                <label htmlFor="market-share-chat">{t('share.chat')}</label>
                <select id="market-share-chat" value={chosen?.chat_id ?? ''} onChange={(e) => setChatId(e.target.value)}>
                  {mine.map((c) => (
                    <option key={c.chat_id} value={c.chat_id}>
                      {c.title}
                    </option>
                  ))}
                </select>
              </div>
              <button type="submit" className="primary" aria-disabled={state.phase === 'pending' || undefined}>
                {t('share.send')}
              </button>
            </>
          )}
          <p role="status" className="hint">
            {state.phase === 'pending' && t('share.pending')}
            {state.phase === 'done' && t('share.done', { chat: state.title })}
          </p>
          <FieldError error={state.phase === 'failed' ? state.error : null} />
        </form>
      )}
    </div>
  );
}

/** What buyers said of a listing (their ratings' texts), newest first; an anonymous one names nobody. */
function ListingRatings(props: { readonly listingId: string }) {
  const { t, i18n } = useTranslation('market');
  const client = useApp((s) => s.client)!;
  const load = useCallback(() => client.call('market.ratings', { listing: props.listingId, limit: 20 }), [client, props.listingId]);
  const ratings = usePolled(load, `ratings|${props.listingId}`);
  const n = (value: number) => new Intl.NumberFormat(i18n.language).format(value);
  const list = ratings.data?.ratings ?? [];
  return (
    <section aria-labelledby="market-ratings-title" className="market-ratings">
      <h3 id="market-ratings-title">{t('detail.ratings')}</h3>
      {ratings.data && list.length === 0 && <p className="empty-text">{t('detail.noRatings')}</p>}
      {list.length > 0 && (
        <ul data-testid="listing-ratings">
          {list.map((r) => (
            <li key={r.order}>
              <p>{t('detail.ratingScores', { overall: n(r.scores.overall), quality: n(r.scores.quality), description: n(r.scores.description), delivery: n(r.scores.delivery) })}</p>
              {r.text && <p className="market-text">{r.text}</p>}
              <p className="hint">
                {r.buyer ? (
                  <span dir="ltr" className="market-key">
                    {shortKey(r.buyer)}
                  </span>
                ) : (
                  t('detail.anonymousBuyer')
                )}{' '}
                — {formatTime(r.time, i18n.language)}
              </p>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
