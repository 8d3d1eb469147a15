import { useEffect, useMemo, useRef, type Dispatch, type SetStateAction } from 'react';
import { useTranslation } from 'react-i18next';
import { formatBytes } from '../../i18n/index.ts';
import { FieldError } from '../../components/FieldError.tsx';
import { defaultEmoji, STICKER_MIMES, type StickerChoice } from './sticker-pack.ts';

/** A thumbnail of a picked image (an object URL, released when the row goes). */
function Thumbnail(props: { readonly file: File; readonly alt: string }) {
  const url = useMemo(() => URL.createObjectURL(props.file), [props.file]);
  useEffect(() => () => URL.revokeObjectURL(url), [url]);
  return <img src={url} alt={props.alt} className="sticker-thumb" />;
}

/**
 * The Sell form's images of a sticker pack: pick several (again to add more), each with its emoji
 * (one offered in turn) and a Remove button; errors beside the field and on each row.
 */
export function StickerImagesField(props: {
  readonly stickers: readonly StickerChoice[];
  readonly setStickers: Dispatch<SetStateAction<readonly StickerChoice[]>>;
  /** The field's error (none picked, a wrong type or size). */
  readonly error: string | null;
  /** Per row: the emoji's error. */
  readonly emojiErrors: ReadonlyMap<number, string>;
}) {
  const { t, i18n } = useTranslation('market');
  const input = useRef<HTMLInputElement>(null);
  const { stickers, setStickers } = props;
  const describedBy = ['sell-stickers-help', props.error ? 'sell-stickers-error' : ''].filter(Boolean).join(' ');
  return (
    <fieldset className="form-row sticker-fieldset">
      <legend>{t('sell.stickers')}</legend>
      <label htmlFor="sell-stickers">{t('sell.stickersPick')}</label>
      <input
        ref={input}
        id="sell-stickers"
        type="file"
        multiple
        accept={STICKER_MIMES.join(',')}
        aria-describedby={describedBy}
        aria-invalid={props.error ? true : undefined}
        onChange={(e) => {
          const chosen = Array.from(e.target.files ?? []);
          setStickers((current) => [...current, ...chosen.map((file, i) => ({ file, emoji: defaultEmoji(current.length + i) }))]);
          e.target.value = '';
        }}
      />
      <p id="sell-stickers-help" className="hint">
        {t('sell.stickersHelp')}
      </p>
      <FieldError id="sell-stickers-error" error={props.error} />
      {stickers.length > 0 && (
        <ol className="sticker-rows" aria-label={t('sell.stickersList', { count: stickers.length })} data-testid="sell-sticker-rows">
          {stickers.map((s, index) => {
            const id = `sell-emoji-${index}`;
            const error = props.emojiErrors.get(index) ?? null;
            return (
              <li key={`${s.file.name}-${index}`}>
                <Thumbnail file={s.file} alt={t('sell.stickerAlt', { number: index + 1, name: s.file.name })} />
                <span className="sticker-file">
                  {s.file.name} ({formatBytes(s.file.size, i18n.language)})
                </span>
                <label htmlFor={id}>{t('sell.emojiFor', { number: index + 1 })}</label>
                <input
                  id={id}
                  className="sticker-emoji"
                  value={s.emoji}
                  maxLength={32}
                  autoComplete="off"
                  aria-invalid={error ? true : undefined}
                  aria-describedby={error ? `${id}-error` : undefined}
                  onChange={(e) => {
                    const emoji = e.target.value.trim();
                    setStickers((current) => current.map((c, i) => (i === index ? { ...c, emoji } : c)));
                  }}
                />
                <button
                  type="button"
                  className="link-button"
                  aria-label={t('sell.removeSticker', { number: index + 1, name: s.file.name })}
                  onClick={() => {
                    setStickers((current) => current.filter((_, i) => i !== index));
                    input.current?.focus();
                  }}
                >
                  {t('sell.remove')}
                </button>
                <FieldError id={`${id}-error`} error={error} />
              </li>
            );
          })}
        </ol>
      )}
    </fieldset>
  );
}
