import { useCallback, useRef, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { describeError } from '../../components/errors.ts';
import { FieldError } from '../../components/FieldError.tsx';
import { useApp } from '../../state/store.ts';
import { amountForInput, parseAmount } from '../../wallet-amounts.ts';
import { useSubmission } from '../wallet/use-submission.ts';
import { TextField } from '../wallet/TextField.tsx';
import { formatBytes } from '../../i18n/index.ts';
import { LISTING_TYPES, listingPrice, statsText, type Currency, type Listing } from './market-format.ts';
import { StickerImagesField } from './StickerImagesField.tsx';
import { buildStickerPack, isOneEmoji, packFileName, stickerProblem, STICKER_MAX_BYTES, STICKERS_MAX, type StickerChoice } from './sticker-pack.ts';

interface Errors {
  title?: string | undefined;
  price?: string | undefined;
  file?: string | undefined;
  stickers?: string | undefined;
  emoji?: ReadonlyMap<number, string> | undefined;
}
import { usePolled } from './use-polled.ts';

/**
 * Sell: a new listing on the chat chain whose content this node keeps and delivers to every buyer
 * over the chat (a sticker pack is built here from the images picked, each with its emoji; any
 * other type is the file picked), and the seller's own listings with Edit price and Close.
 */
export function SellPanel(props: { readonly identityId: string; readonly currency: Currency }) {
  const { t } = useTranslation('market');
  const client = useApp((s) => s.client)!;
  const load = useCallback(() => client.call('market.listings', { seller: props.identityId }), [client, props.identityId]);
  const mine = usePolled(load, `mine|${props.identityId}`);
  return (
    <>
      <SellForm identityId={props.identityId} currency={props.currency} onListed={() => void mine.reload()} />
      <section aria-labelledby="market-mine-title">
        <h2 id="market-mine-title">{t('mine.title')}</h2>
        <FieldError error={mine.error ? describeError(mine.error, t) : null} />
        {mine.data && mine.data.listings.length === 0 && <p className="empty-text">{t('mine.empty')}</p>}
        {mine.data && mine.data.listings.length > 0 && (
          <ul className="market-cards" data-testid="my-listings">
            {mine.data.listings.map((l) => (
              <OwnListing key={l.id} listing={l} identityId={props.identityId} currency={props.currency} onChanged={() => void mine.reload()} />
            ))}
          </ul>
        )}
      </section>
    </>
  );
}

function SellForm(props: { readonly identityId: string; readonly currency: Currency; readonly onListed: () => void }) {
  const { t, i18n } = useTranslation('market');
  const client = useApp((s) => s.client)!;
  const { submission, run } = useSubmission(t);
  const [type, setType] = useState<Listing['type']>('sticker_pack');
  const [title, setTitle] = useState('');
  const [description, setDescription] = useState('');
  const [priceText, setPriceText] = useState('');
  const [license, setLicense] = useState('');
  const [file, setFile] = useState<File | null>(null);
  const [stickers, setStickers] = useState<readonly StickerChoice[]>([]);
  const [errors, setErrors] = useState<Errors>({});
  const fileInput = useRef<HTMLInputElement>(null);
  const pack = type === 'sticker_pack';

  /** What is wrong with the form, field by field, in the order the fields come. */
  const check = (): Errors & { price_value?: number } => {
    const found: Errors & { price_value?: number } = {};
    if (title.trim() === '') found.title = t('sell.titleEmpty');
    const parsed = parseAmount(priceText, i18n.language, props.currency.decimals);
    if (!parsed.ok) found.price = t('sell.priceError', { example: amountForInput(2_500_000, i18n.language, props.currency.decimals) });
    else found.price_value = parsed.value;
    if (pack) {
      const wrong = stickers.find((s) => stickerProblem(s.file) !== null);
      if (stickers.length === 0) found.stickers = t('sell.stickersEmpty');
      else if (stickers.length > STICKERS_MAX) found.stickers = t('sell.stickersTooMany', { max: STICKERS_MAX });
      else if (wrong) found.stickers = t(stickerProblem(wrong.file) === 'type' ? 'sell.stickerType' : 'sell.stickerSize', { name: wrong.file.name, size: formatBytes(STICKER_MAX_BYTES, i18n.language) });
      const emoji = new Map<number, string>();
      stickers.forEach((s, i) => !isOneEmoji(s.emoji) && emoji.set(i, t('sell.emojiError', { number: i + 1 })));
      if (emoji.size > 0) found.emoji = emoji;
    } else if (!file) found.file = t('sell.fileMissing');
    return found;
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (submission.phase === 'pending') return;
    const { price_value: priceValue, ...found } = check();
    setErrors(found);
    const firstWrong = found.title ? 'sell-title' : found.price ? 'sell-price' : found.stickers ? 'sell-stickers' : found.emoji ? `sell-emoji-${[...found.emoji.keys()][0]}` : found.file ? 'sell-file' : null;
    if (firstWrong || priceValue === undefined) {
      document.getElementById(firstWrong ?? 'sell-price')?.focus();
      return;
    }
    const name = title.trim();
    const outcome = await run(async () => {
      // The node keeps the uploaded file and delivers it to every buyer over the chat.
      const upload = pack ? await client.upload(await buildStickerPack(name, stickers), packFileName(name)) : await client.upload(file!, file!.name);
      return client.call('market.sell', { identity_id: props.identityId, type, title: name, description, price: priceValue, license, content_attachment: upload.id });
    });
    if (outcome.phase === 'done') {
      setTitle('');
      setDescription('');
      setPriceText('');
      setLicense('');
      setFile(null);
      setStickers([]);
      if (fileInput.current) fileInput.current.value = '';
      props.onListed();
    }
  };

  return (
    <form onSubmit={(e) => void submit(e)} noValidate aria-labelledby="market-sell-title" className="market-form">
      <h2 id="market-sell-title" tabIndex={-1}>
        {t('sell.title')}
      </h2>
      <div className="form-row">
        <label htmlFor="sell-type">{t('sell.type')}</label>
        <select
          id="sell-type"
          value={type}
          onChange={(e) => {
            setType(e.target.value as Listing['type']);
            setErrors((current) => ({ ...current, file: undefined, stickers: undefined, emoji: undefined }));
          }}
        >
          {LISTING_TYPES.filter((ty) => ty !== 'membership').map((ty) => (
            <option key={ty} value={ty}>
              {t(`types.${ty}`)}
            </option>
          ))}
        </select>
      </div>
      <div className="form-row">
        <label htmlFor="sell-title">{t('sell.name')}</label>
        <input
          id="sell-title"
          value={title}
          maxLength={80}
          onChange={(e) => setTitle(e.target.value)}
          autoComplete="off"
          aria-invalid={errors.title ? true : undefined}
          aria-describedby={errors.title ? 'sell-title-error' : undefined}
        />
        <FieldError id="sell-title-error" error={errors.title ?? null} />
      </div>
      <div className="form-row">
        <label htmlFor="sell-description">{t('sell.description')}</label>
        <textarea id="sell-description" value={description} maxLength={2000} rows={3} onChange={(e) => setDescription(e.target.value)} />
      </div>
      <TextField id="sell-price" label={t('sell.price', { symbol: props.currency.symbol })} value={priceText} onChange={setPriceText} error={errors.price ?? null} inputMode="decimal" />
      <div className="form-row">
        <label htmlFor="sell-license">{t('sell.license')}</label>
        <input id="sell-license" value={license} maxLength={200} onChange={(e) => setLicense(e.target.value)} autoComplete="off" />
      </div>
      {pack ? (
        <StickerImagesField stickers={stickers} setStickers={setStickers} error={errors.stickers ?? null} emojiErrors={errors.emoji ?? new Map()} />
      ) : (
        <div className="form-row">
          <label htmlFor="sell-file">{t('sell.file')}</label>
          <input
            ref={fileInput}
            id="sell-file"
            type="file"
            onChange={(e) => setFile(e.target.files?.[0] ?? null)}
            aria-describedby={errors.file ? 'sell-file-help sell-file-error' : 'sell-file-help'}
            aria-invalid={errors.file ? true : undefined}
          />
          <p id="sell-file-help" className="hint">
            {t('sell.fileHelp')}
          </p>
          <FieldError id="sell-file-error" error={errors.file ?? null} />
        </div>
      )}
      <button type="submit" className="primary" aria-disabled={submission.phase === 'pending' || undefined}>
        {t('sell.submit')}
      </button>
      <p role="status" className="hint">
        {submission.phase === 'pending' && t('sell.pending')}
        {submission.phase === 'done' && t('sell.done')}
      </p>
      <FieldError error={submission.phase === 'failed' ? submission.error : null} />
    </form>
  );
}

function OwnListing(props: { readonly listing: Listing; readonly identityId: string; readonly currency: Currency; readonly onChanged: () => void }) {
  const { t, i18n } = useTranslation('market');
  const client = useApp((s) => s.client)!;
  const { listing, currency } = props;
  const { submission, run } = useSubmission(t);
  const [editing, setEditing] = useState(false);
  // Back on the Edit button once the form has gone: when React mounts it again, not a guessed frame later.
  const returnFocus = useRef(false);
  const editButton = useCallback((button: HTMLButtonElement | null) => {
    if (!button || !returnFocus.current) return;
    returnFocus.current = false;
    button.focus();
  }, []);
  const [priceText, setPriceText] = useState('');
  const [priceError, setPriceError] = useState<string | null>(null);
  const fieldId = `edit-price-${listing.id}`;
  const pending = submission.phase === 'pending';

  const save = async (event: FormEvent) => {
    event.preventDefault();
    if (pending) return;
    const parsed = parseAmount(priceText, i18n.language, currency.decimals);
    if (!parsed.ok) {
      setPriceError(t('sell.priceError', { example: amountForInput(2_500_000, i18n.language, currency.decimals) }));
      document.getElementById(fieldId)?.focus();
      return;
    }
    setPriceError(null);
    const { id, type, title, description, period, preview, content, license, moderators, channel } = listing;
    const outcome = await run(() =>
      client.call('market.update', { id, identity_id: props.identityId, type, title, description, period, preview, content, license, moderators: [...moderators], price: parsed.value, ...(channel ? { channel } : {}) }),
    );
    if (outcome.phase === 'done') {
      returnFocus.current = true;
      setEditing(false);
      props.onChanged();
    }
  };

  const close = async () => {
    if (pending) return;
    const outcome = await run(() => client.call('market.close', { id: listing.id, identity_id: props.identityId }));
    if (outcome.phase === 'done') props.onChanged();
  };

  return (
    <li data-testid="my-listing">
      <h3>{listing.title}</h3>
      <p className="market-card-type">{t(`types.${listing.type}`)}</p>
      <p className="market-card-price">{listingPrice(t, listing, i18n.language, currency)}</p>
      <p className="hint">{statsText(t, listing.seller_stats, i18n.language)}</p>
      {editing ? (
        <form onSubmit={(e) => void save(e)} noValidate aria-label={t('mine.editLabel', { title: listing.title })}>
          <TextField id={fieldId} label={t('mine.newPrice', { symbol: currency.symbol })} value={priceText} onChange={setPriceText} error={priceError} inputMode="decimal" />
          <div className="button-row">
            <button type="submit" className="primary">
              {t('mine.save')}
            </button>
            <button type="button" className="secondary" onClick={() => setEditing(false)}>
              {t('mine.cancelEdit')}
            </button>
          </div>
        </form>
      ) : (
        <div className="button-row">
          <button
            type="button"
            className="secondary"
            id={`edit-${listing.id}`}
            ref={editButton}
            aria-label={t('mine.editPriceOf', { title: listing.title })}
            onClick={() => {
              setPriceText(amountForInput(listing.price, i18n.language, currency.decimals));
              setEditing(true);
              requestAnimationFrame(() => document.getElementById(fieldId)?.focus());
            }}
          >
            {t('mine.editPrice')}
          </button>
          <button type="button" className="secondary" aria-label={t('mine.closeOf', { title: listing.title })} aria-disabled={pending || undefined} onClick={() => void close()}>
            {t('mine.close')}
          </button>
        </div>
      )}
      <p role="status" className="hint">
        {pending && t('mine.pending')}
      </p>
      <FieldError error={submission.phase === 'failed' ? submission.error : null} />
    </li>
  );
}
