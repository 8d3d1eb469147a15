import { useCallback, useRef, useState, type KeyboardEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { MethodOutput } from '../../../../node-core/api/contract.ts';
import { Dialog } from '../../components/Dialog.tsx';
import { describeError } from '../../components/errors.ts';
import { FieldError } from '../../components/FieldError.tsx';
import { useApp } from '../../state/store.ts';
import { usePolled } from '../market/use-polled.ts';

type Purchase = MethodOutput<'market.purchases'>['purchases'][number];

/** A pack bought arrives over the chat some seconds after the purchase: the list is read again every few seconds. */
const PACKS_REFRESH_MS = 5000;

/** The sticker packs this identity bought and has received intact (checked against the listing's hash by its node). */
export function useStickerPacks(identityId: string | undefined): readonly Purchase[] {
  const client = useApp((s) => s.client);
  const load = useCallback(
    () => (client && identityId ? client.call('market.purchases', { identity_id: identityId }) : Promise.resolve({ purchases: [] })),
    [client, identityId],
  );
  const purchases = usePolled(load, `purchases|${identityId ?? ''}`, PACKS_REFRESH_MS);
  return (purchases.data?.purchases ?? []).filter((p) => p.type === 'sticker_pack' && p.status === 'ready' && p.stickers.length > 0);
}

/**
 * The stickers button of the composer and its picker: a modal dialog (focus trapped, Escape
 * closes it, focus back on the button) with each pack as a labelled grid of buttons. The grid is
 * one Tab stop per pack; the arrow keys move inside it (up and down by a row as laid out), Home
 * and End go to its ends, Enter or Space sends the sticker.
 */
export function StickerButton(props: { readonly chatId: string; readonly identityId: string; readonly packs: readonly Purchase[] }) {
  const { t } = useTranslation('chat');
  const client = useApp((s) => s.client);
  const [open, setOpen] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [sending, setSending] = useState(false);
  const close = useCallback(() => setOpen(false), []);

  const send = async (purchase: Purchase, index: number) => {
    if (!client || sending) return;
    setSending(true);
    setError(null);
    try {
      const message = await client.call('market.sendSticker', { identity_id: props.identityId, chat_id: props.chatId, order_id: purchase.order_id, index });
      useApp.getState().applyEvent({ type: 'message.updated', data: message });
      useApp.getState().announce(t('stickers.sent'));
      setOpen(false);
    } catch (err) {
      setError(describeError(err, t));
    } finally {
      setSending(false);
    }
  };

  return (
    <>
      <button type="button" className="secondary" aria-haspopup="dialog" onClick={() => setOpen(true)} aria-label={t('stickers.open')} data-testid="stickers-button">
        <span aria-hidden="true">🙂</span>
      </button>
      {open && (
        <Dialog title={t('stickers.title')} onClose={close} wide>
          <p className="hint" id="sticker-picker-help">
            {t('stickers.help')}
          </p>
          {props.packs.map((pack) => (
            <StickerGrid key={pack.order_id} pack={pack} disabled={sending} onPick={(index) => void send(pack, index)} />
          ))}
          <FieldError error={error} />
        </Dialog>
      )}
    </>
  );
}

function StickerGrid(props: { readonly pack: Purchase; readonly disabled: boolean; readonly onPick: (index: number) => void }) {
  const { t } = useTranslation('chat');
  const { pack } = props;
  const [current, setCurrent] = useState(0);
  const grid = useRef<HTMLDivElement>(null);
  const titleId = `sticker-pack-${pack.order_id}`;

  const move = (event: KeyboardEvent<HTMLDivElement>) => {
    const buttons = [...(grid.current?.querySelectorAll<HTMLButtonElement>('button') ?? [])];
    const at = buttons.indexOf(document.activeElement as HTMLButtonElement);
    if (at < 0) return;
    // A row is as wide as the layout makes it at this zoom: count the buttons on the first line.
    const top = buttons[0]!.offsetTop;
    const perRow = Math.max(1, buttons.filter((b) => b.offsetTop === top).length);
    const rtl = getComputedStyle(grid.current!).direction === 'rtl';
    const step: Record<string, number> = { ArrowRight: rtl ? -1 : 1, ArrowLeft: rtl ? 1 : -1, ArrowDown: perRow, ArrowUp: -perRow };
    let next: number;
    if (event.key in step) next = at + step[event.key]!;
    else if (event.key === 'Home') next = 0;
    else if (event.key === 'End') next = buttons.length - 1;
    else return;
    event.preventDefault();
    next = Math.min(buttons.length - 1, Math.max(0, next));
    setCurrent(next);
    buttons[next]!.focus();
  };

  return (
    <section className="sticker-pack" aria-labelledby={titleId}>
      <h3 id={titleId}>{pack.title}</h3>
      <div ref={grid} className="sticker-grid" role="group" aria-labelledby={titleId} aria-describedby="sticker-picker-help" onKeyDown={move}>
        {pack.stickers.map((s, i) => (
          <button
            key={s.index}
            type="button"
            className="sticker-choice"
            tabIndex={i === current ? 0 : -1}
            aria-label={t('stickers.send', { emoji: s.emoji, number: i + 1, total: pack.stickers.length })}
            aria-disabled={props.disabled || undefined}
            onFocus={() => setCurrent(i)}
            onClick={() => !props.disabled && props.onPick(s.index)}
          >
            <img src={s.image} alt="" />
          </button>
        ))}
      </div>
    </section>
  );
}
