import { useEffect, useId, useState, type KeyboardEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { SearchHit } from '../../../../node-core/api/contract.ts';
import { Dialog } from '../../components/Dialog.tsx';
import { describeError } from '../../components/errors.ts';
import { formatTime } from '../../i18n/index.ts';
import { closeMessagingDialog, jumpTo } from '../../state/messaging.ts';
import { useApp } from '../../state/store.ts';
import { Highlighted } from './MessageText.tsx';

const SEARCH_DELAY_MS = 250;

/** Full-text search as you type (the last word matches as a prefix), debounced; null until a query runs. */
function useSearch(query: string, chatId?: string) {
  const { t } = useTranslation('messaging');
  const client = useApp((s) => s.client);
  const [hits, setHits] = useState<readonly SearchHit[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    const q = query.trim();
    if (!client || q === '') return;
    let stale = false;
    const timer = setTimeout(() => {
      client.call('messages.search', { q, prefix: true, limit: 30, ...(chatId ? { chat_id: chatId } : {}) }).then(
        (r) => {
          if (stale) return;
          setHits(r.results);
          setError(null);
          useApp.getState().announce(t('search.found', { count: r.results.length }));
        },
        (err: unknown) => !stale && setError(describeError(err, t)),
      );
    }, SEARCH_DELAY_MS);
    return () => {
      stale = true;
      clearTimeout(timer);
    };
  }, [client, query, chatId, t]);
  return query.trim() === '' ? { hits: null, error: null } : { hits, error };
}

/** Up and Down move between the results (and Up from the first back to the field). */
function arrowKeys(event: KeyboardEvent<HTMLElement>, fieldId: string) {
  if (event.key !== 'ArrowDown' && event.key !== 'ArrowUp') return;
  const buttons = [...(event.currentTarget.querySelectorAll<HTMLElement>('.search-hit'))];
  const at = buttons.indexOf(document.activeElement as HTMLElement);
  event.preventDefault();
  if (event.key === 'ArrowUp' && at <= 0) document.getElementById(fieldId)?.focus();
  else buttons[event.key === 'ArrowDown' ? Math.min(buttons.length - 1, at + 1) : at - 1]?.focus();
}

function HitList(props: { readonly hits: readonly SearchHit[]; readonly label: string; readonly fieldId: string; readonly showChat: boolean; readonly onChoose?: () => void }) {
  const { t, i18n } = useTranslation('messaging');
  const chats = useApp((s) => s.chats);
  const names = useApp((s) => s.contacts);
  const identities = useApp((s) => s.identities);
  const nameOf = (key: string) => (identities.some((i) => i.id === key) ? t('you') : (names.find((c) => c.identity_key === key)?.display_name ?? key.slice(0, 8)));
  return (
    <ul className="search-hits" aria-label={props.label} onKeyDown={(e) => arrowKeys(e, props.fieldId)}>
      {props.hits.map((hit) => {
        const chat = chats.find((c) => c.chat_id === hit.message.chat_id);
        return (
          <li key={hit.message.id}>
            <button
              type="button"
              className="search-hit"
              onClick={() => {
                props.onChoose?.();
                void jumpTo(hit.message.chat_id, hit.message.id);
              }}
            >
              <span className="search-hit-head">
                {props.showChat && <span className="chat-title">{chat?.title ?? hit.message.chat_id}</span>}
                <span className="sender">{nameOf(hit.message.sender)}</span>
                <time dateTime={new Date(hit.message.sent_at).toISOString()}>{formatTime(hit.message.sent_at, i18n.language)}</time>
              </span>
              <span className="search-snippet">
                <Highlighted text={hit.snippet} ranges={hit.highlights} />
              </span>
            </button>
          </li>
        );
      })}
    </ul>
  );
}

/** Messages matching the chat list's search field, across all chats (below the matching chats). */
export function MessageSearchResults(props: { readonly query: string }) {
  const { t } = useTranslation('messaging');
  const { hits, error } = useSearch(props.query);
  // Down in the list's search field moves to the first message found.
  useEffect(() => {
    const field = document.getElementById('chat-search');
    const onKeyDown = (event: globalThis.KeyboardEvent) => {
      const first = document.querySelector<HTMLElement>('.message-search .search-hit');
      if (event.key !== 'ArrowDown' || !first) return;
      event.preventDefault();
      first.focus();
    };
    field?.addEventListener('keydown', onKeyDown);
    return () => field?.removeEventListener('keydown', onKeyDown);
  }, []);
  if (hits === null && !error) return null;
  return (
    <section className="message-search" aria-labelledby="message-search-title">
      <h2 id="message-search-title">{t('search.messages')}</h2>
      {error && <p className="field-error">{error}</p>}
      {hits?.length === 0 && <p className="empty">{t('search.none')}</p>}
      {hits && hits.length > 0 && <HitList hits={hits} label={t('search.messages')} fieldId="chat-search" showChat />}
    </section>
  );
}

/** Searching one chat: a field and its results; choosing one shows it in the conversation. */
export function ChatSearchDialog(props: { readonly chatId: string; readonly title: string }) {
  const { t } = useTranslation('messaging');
  const [query, setQuery] = useState('');
  const { hits, error } = useSearch(query, props.chatId);
  const fieldId = useId();
  return (
    <Dialog title={t('search.inChat', { chat: props.title })} onClose={closeMessagingDialog} wide>
      <label htmlFor={fieldId}>{t('search.field')}</label>
      <input
        id={fieldId}
        type="search"
        value={query}
        onChange={(e) => setQuery(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === 'ArrowDown') {
            e.preventDefault();
            document.querySelector<HTMLElement>('dialog[open] .search-hit')?.focus();
          }
        }}
        aria-describedby={`${fieldId}-hint`}
      />
      <p id={`${fieldId}-hint`} className="hint">
        {t('search.hint')}
      </p>
      {error && <p className="field-error">{error}</p>}
      {hits?.length === 0 && <p className="empty">{t('search.none')}</p>}
      {hits && hits.length > 0 && <HitList hits={hits} label={t('search.results')} fieldId={fieldId} showChat={false} onChoose={closeMessagingDialog} />}
    </Dialog>
  );
}
