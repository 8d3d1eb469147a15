import { memo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { AttachmentInfo, Message } from '../../../node-core/api/contract.ts';
import type { ApiClient } from '../api/client.ts';
import { formatBytes, formatTime } from '../i18n/index.ts';

function Attachment(props: { readonly attachment: AttachmentInfo; readonly client: ApiClient | null }) {
  const { t, i18n } = useTranslation('chat');
  const { attachment, client } = props;
  const [url, setUrl] = useState<string | null>(null);
  const ready = attachment.state === 'complete' || attachment.state === 'ready' || attachment.state === 'local';
  const isImage = attachment.mime.startsWith('image/');

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

export const MessageItem = memo(function MessageItem(props: { readonly message: Message; readonly mine: boolean; readonly senderName: string; readonly client: ApiClient | null }) {
  const { t, i18n } = useTranslation('chat');
  const { message, mine } = props;
  const deleted = message.deleted_at !== null;
  return (
    <article className={mine ? 'message mine' : 'message'} aria-label={t('message.label', { sender: mine ? t('message.you') : props.senderName })}>
      <div className="message-head">
        <span className="sender">{mine ? t('message.you') : props.senderName}</span>
        <time dateTime={new Date(message.sent_at).toISOString()}>{formatTime(message.sent_at, i18n.language)}</time>
      </div>
      {deleted ? <p className="message-text deleted">{t('message.deleted')}</p> : message.text && <p className="message-text">{message.text}</p>}
      {message.attachments?.map((a) => <Attachment key={a.id} attachment={a} client={props.client} />)}
      <div className="message-foot">
        {message.edited_at !== null && !deleted && <span className="edited">{t('message.edited')}</span>}
        {mine && message.status !== 'local' && <span className={`status status-${message.status}`}>{t(`status.${message.status}`)}</span>}
      </div>
    </article>
  );
});
