import { useRef, useState, type Dispatch, type FormEvent, type KeyboardEvent, type SetStateAction } from 'react';
import { useTranslation } from 'react-i18next';
import { describeError } from '../components/errors.ts';
import { formatBytes } from '../i18n/index.ts';
import { useApp } from '../state/store.ts';
import { sendMessage, setReplyTo } from '../state/messaging.ts';
import { FieldError } from '../components/FieldError.tsx';
import { ReplyPreview, useDraftAndTyping, useReplyTo } from './messages/ComposerParts.tsx';
import { useCommandMenu } from './messages/CommandMenu.tsx';
import { useBotCommands } from '../state/bot-commands.ts';
import { StickerButton, useStickerPacks } from './messages/StickerPicker.tsx';

export interface PendingFile {
  readonly file: File;
  readonly progress: number | null;
}

export const pendingFiles = (files: readonly File[]): PendingFile[] => files.map((file) => ({ file, progress: null }));

/** Multiline input (Enter sends, Shift+Enter breaks the line, Escape drops the reply), attachments by picker or drop, the reply being written, the draft. */
export function Composer(props: {
  readonly chatId: string;
  /** Files waiting to go with the next message; the conversation adds dropped files here. */
  readonly files: readonly PendingFile[];
  readonly setFiles: Dispatch<SetStateAction<readonly PendingFile[]>>;
  readonly names: ReadonlyMap<string, string>;
}) {
  const { t, i18n } = useTranslation(['chat', 'common', 'keyboards']);
  const client = useApp((s) => s.client);
  const [text, setText] = useState(() => useApp.getState().chats.find((c) => c.chat_id === props.chatId)?.draft ?? '');
  const replyTo = useReplyTo(props.chatId);
  useDraftAndTyping(props.chatId, text);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const fileInput = useRef<HTMLInputElement>(null);
  const textInput = useRef<HTMLTextAreaElement>(null);
  const { files, setFiles } = props;
  // In a chat with a bot: its "/" commands menu.
  const commands = useCommandMenu({ text, setText, commands: useBotCommands(props.chatId), inputRef: textInput });
  // Sticker packs bought by the identity that speaks here: the stickers button shows once one is ready.
  const identityId = useApp((s) => s.chats.find((c) => c.chat_id === props.chatId)?.identity_id);
  const packs = useStickerPacks(identityId);

  const submit = async (event?: FormEvent) => {
    event?.preventDefault();
    if (!client || busy || (text.trim() === '' && files.length === 0)) return;
    setBusy(true);
    setError(null);
    try {
      const ids: string[] = [];
      for (const [index, pending] of files.entries()) {
        const info = await client.upload(pending.file, pending.file.name, (progress) =>
          setFiles((current) => current.map((p, i) => (i === index ? { ...p, progress } : p))),
        );
        ids.push(info.id);
      }
      await sendMessage({ chat_id: props.chatId, text, attachments: ids, ...(replyTo ? { reply_to: replyTo.id } : {}) });
      setReplyTo(props.chatId, undefined);
      setText('');
      setFiles([]);
    } catch (err) {
      setError(describeError(err, t));
    } finally {
      setBusy(false);
    }
  };

  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (commands.onKeyDown(event)) return;
    if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      void submit();
    } else if (event.key === 'Escape' && replyTo) {
      event.preventDefault();
      setReplyTo(props.chatId, undefined);
    }
  };

  return (
    <form className="composer" onSubmit={(e) => void submit(e)} aria-label={t('composer.label')}>
      {files.length > 0 && (
        <ul className="pending-files" aria-label={t('composer.attachments')}>
          {files.map((pending, index) => (
            <li key={`${pending.file.name}-${index}`}>
              <span>
                {pending.file.name} ({formatBytes(pending.file.size, i18n.language)})
              </span>
              {pending.progress !== null ? (
                <progress max={1} value={pending.progress} aria-label={t('composer.uploading', { name: pending.file.name })} />
              ) : (
                <button type="button" className="link-button" onClick={() => setFiles((current) => current.filter((_, i) => i !== index))} aria-label={t('composer.remove', { name: pending.file.name })}>
                  {t('common:remove')}
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
      {replyTo && <ReplyPreview message={replyTo} names={props.names} />}
      <FieldError error={error} />
      {commands.list}
      <div className="composer-row">
        <input ref={fileInput} type="file" multiple className="sr-only" tabIndex={-1} aria-hidden="true" onChange={(e) => {
          const chosen = Array.from(e.target.files ?? []);
          setFiles((current) => [...current, ...pendingFiles(chosen)]);
          e.target.value = '';
        }} />
        <button type="button" className="secondary" onClick={() => fileInput.current?.click()} aria-label={t('composer.attach')}>
          <svg aria-hidden="true" focusable="false" width="18" height="18" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round">
            <path d="M21 11.5l-8.5 8.5a5 5 0 0 1-7-7L14 4.5a3.5 3.5 0 0 1 5 5L10.5 18a2 2 0 0 1-3-3L15 7.5" />
          </svg>
        </button>
        {identityId && packs.length > 0 && <StickerButton chatId={props.chatId} identityId={identityId} packs={packs} />}
        {commands.available && (
          <button type="button" className="secondary" onClick={commands.toggle} aria-pressed={commands.open}>
            {t('keyboards:commands')}
          </button>
        )}
        <label htmlFor="composer-input" className="sr-only">
          {t('composer.placeholder')}
        </label>
        <textarea ref={textInput} {...commands.inputProps} id="composer-input" rows={2} value={text} placeholder={t('composer.placeholder')} onChange={(e) => setText(e.target.value)} onKeyDown={onKeyDown} aria-describedby={replyTo ? 'reply-preview composer-hint' : 'composer-hint'} aria-keyshortcuts="Alt+M" />
        <span id="composer-hint" className="sr-only">
          {t('composer.hint')}
        </span>
        <button type="submit" className="primary" disabled={busy || (text.trim() === '' && files.length === 0)}>
          {t('composer.send')}
        </button>
      </div>
    </form>
  );
}
