import { memo, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { AttachmentInfo, Message } from '../../../node-core/api/contract.ts';
import type { ApiClient } from '../api/client.ts';
import { formatBytes, formatTime } from '../i18n/index.ts';
import { openMessagingDialog } from '../state/messaging.ts';
import { InlineEditor, MessageActions, QuoteBlock, ReactionBar, type Names } from './messages/MessageParts.tsx';
import { MessageText } from './messages/MessageText.tsx';
import { InlineKeyboard } from './messages/InlineKeyboard.tsx';
import { MarketCard } from './messages/MarketCard.tsx';

/**
 * A sticker as market.sendSticker sends it: an image alone in a message, named sticker-N.<type>.
 * The message carries no other mark of it, so the name is the sign; a sticker shows at once
 * (it is small and the sender chose it from a pack), where another image waits for Show.
 */
const STICKER_NAME = /^sticker-\d+\.(png|webp|gif|jpeg)$/;
export const isSticker = (message: Message): boolean =>
  message.text === '' && !message.market && message.attachments?.length === 1 && STICKER_NAME.test(message.attachments[0]!.name) && message.attachments[0]!.mime.startsWith('image/');

function Attachment(props: { readonly attachment: AttachmentInfo; readonly client: ApiClient | null; readonly sticker?: boolean }) {
  const { t, i18n } = useTranslation('chat');
  const { attachment, client, sticker } = props;
  const [url, setUrl] = useState<string | null>(null);
  const ready = attachment.state === 'complete' || attachment.state === 'ready' || attachment.state === 'local';
  const isImage = attachment.mime.startsWith('image/');
  useEffect(() => {
    if (!sticker || !ready || !client) return;
    let live = true;
    let objectUrl: string | null = null;
    client.readAttachment(attachment.id).then(
      (blob) => {
        if (!live) return;
        objectUrl = URL.createObjectURL(blob);
        setUrl(objectUrl);
      },
      () => undefined,
    );
    return () => {
      live = false;
      if (objectUrl) URL.revokeObjectURL(objectUrl);
    };
  }, [sticker, ready, client, attachment.id]);

  if (sticker)
    return (
      <div className="attachment sticker">
        {url ? <img src={url} alt={t('attachment.sticker')} className="sticker-image" /> : <span className="hint">{t('attachment.stickerLoading')}</span>}
      </div>
    );

  const open = async () => {
    if (!client) return;
    const blob = await client.readAttachment(attachment.id);
    const objectUrl = URL.createObjectURL(blob);
    if (isImage) setUrl(objectUrl);
    else {
      const link = document.createElement('a');
      link.href = objectUrl;
      link.download = attachment.name;
      link.click();
      setTimeout(() => URL.revokeObjectURL(objectUrl), 10_000);
    }
  };

  return (
    <div className="attachment">
      <span className="attachment-name">{attachment.name}</span>
      <span className="attachment-size">{formatBytes(attachment.size, i18n.language)}</span>
      {attachment.state === 'downloading' && (
        <progress max={attachment.chunks_total} value={attachment.chunks_done} aria-label={t('attachment.downloading', { name: attachment.name })} />
      )}
      {attachment.state === 'failed' && <span className="field-error">{t('attachment.failed')}</span>}
      {ready && !url && (
        <button type="button" className="link-button" onClick={() => void open()}>
          {isImage ? t('attachment.show') : t('attachment.save')}
        </button>
      )}
      {url && <img src={url} alt={attachment.name} className="attachment-image" />}
    </div>
  );
}

export interface MessageItemProps {
  readonly message: Message;
  readonly mine: boolean;
  readonly senderName: string;
  readonly client: ApiClient | null;
  /** Display names by identity key (for quotes and reactions). */
  readonly names: Names;
  /** This node's identity keys. */
  readonly me: ReadonlySet<string>;
  readonly ownUsernames: readonly string[];
  readonly editing: boolean;
  readonly focusComposer: () => void;
}

export const MessageItem = memo(function MessageItem(props: MessageItemProps) {
  const { t, i18n } = useTranslation(['chat', 'messaging']);
  const { message, mine } = props;
  const deleted = message.deleted_at !== null;
  const sender = mine ? t('message.you') : props.senderName;
  return (
    <article className={mine ? 'message mine' : 'message'} aria-label={t('message.label', { sender })} data-message-id={message.id} tabIndex={-1}>
      <div className="message-head">
        <span className="sender">{sender}</span>
        <time dateTime={new Date(message.sent_at).toISOString()}>{formatTime(message.sent_at, i18n.language)}</time>
        <MessageActions message={message} mine={mine} senderName={sender} focusComposer={props.focusComposer} />
      </div>
      {message.quote && !deleted && <QuoteBlock quote={message.quote} chatId={message.chat_id} names={props.names} />}
      {deleted ? (
        <p className="message-text deleted">{t('message.deleted')}</p>
      ) : props.editing ? (
        <InlineEditor message={message} />
      ) : (
        message.text &&
        // An order's or delivery's card names its listing itself; the text the node put there is that title.
        (!message.market || message.market.kind === 'listing') && (
          <p className="message-text">
            <MessageText text={message.text} ownUsernames={props.ownUsernames} />
          </p>
        )
      )}
      {!deleted && message.market && <MarketCard message={message} market={message.market} mine={mine} client={props.client} />}
      {!deleted && message.attachments?.map((a) => <Attachment key={a.id} attachment={a} client={props.client} sticker={isSticker(message)} />)}
      {!deleted && message.keyboard && <InlineKeyboard message={message} />}
      {!deleted && message.reactions && message.reactions.length > 0 && <ReactionBar message={message} reactions={message.reactions} names={props.names} me={props.me} />}
      <div className="message-foot">
        {message.expires_at !== null && !deleted && (
          <span className="expires" title={t('messaging:expires', { time: formatTime(message.expires_at, i18n.language) })}>
            <span aria-hidden="true">⏱</span>
            <span className="sr-only">{t('messaging:expires', { time: formatTime(message.expires_at, i18n.language) })}</span>
          </span>
        )}
        {message.edited_at !== null && !deleted && (
          <button type="button" className="link-button edited" onClick={() => openMessagingDialog('history', { messageId: message.id, chatId: message.chat_id })} aria-label={t('messaging:edited.show')}>
            {t('message.edited')}
          </button>
        )}
        {mine && message.status !== 'local' && <span className={`status status-${message.status}`}>{t(`status.${message.status}`)}</span>}
      </div>
    </article>
  );
});
