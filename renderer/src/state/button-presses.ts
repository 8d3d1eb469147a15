import i18next from 'i18next';
import { create } from 'zustand';
import type { ApiEvents } from '../../../node-core/api/contract.ts';
import { useApp } from './store.ts';

/** How long a press waits for the bot's answer before it quietly stops showing as pending. */
export const PRESS_TIMEOUT_MS = 15_000;
/** How long an answer's text stays under the keyboard (it is announced at once as well). */
const NOTICE_MS = 8_000;

type ButtonAnswer = ApiEvents['button.answered'];

interface Pending {
  readonly queryId: string;
  readonly data: string;
}

/**
 * Inline keyboard presses of this session: which button of which message waits for its answer,
 * the last answer's text per message (a passing notice) and the one answer to show as an alert.
 * Kept apart from the app store: only keyboards and the event handler read it.
 */
interface PressState {
  readonly pending: ReadonlyMap<string, Pending>;
  readonly notices: ReadonlyMap<string, string>;
  readonly alert: ButtonAnswer | null;
}

export const usePresses = create<PressState>(() => ({ pending: new Map(), notices: new Map(), alert: null }));

const without = <V>(map: ReadonlyMap<string, V>, key: string): Map<string, V> => {
  const next = new Map(map);
  next.delete(key);
  return next;
};

/** Presses a button with callback data; the message shows it pending until the answer or the timeout. */
export async function pressButton(messageId: string, data: string): Promise<void> {
  const client = useApp.getState().client;
  if (!client || usePresses.getState().pending.has(messageId)) return;
  const placeholder = { queryId: '', data };
  usePresses.setState((s) => ({ pending: new Map(s.pending).set(messageId, placeholder) }));
  try {
    const { query_id } = await client.call('messages.pressButton', { id: messageId, data });
    usePresses.setState((s) => (s.pending.get(messageId) === placeholder ? { pending: new Map(s.pending).set(messageId, { queryId: query_id, data }) } : {}));
    setTimeout(() => {
      usePresses.setState((s) => (s.pending.get(messageId)?.queryId === query_id ? { pending: without(s.pending, messageId) } : {}));
    }, PRESS_TIMEOUT_MS);
  } catch (err) {
    usePresses.setState((s) => ({ pending: without(s.pending, messageId) }));
    useApp.getState().announce(i18next.t('keyboards:failed', { error: err instanceof Error ? err.message : String(err) }));
  }
}

/** The bot answered a press: it stops pending, its text is announced (and shown), an alert opens a dialog. */
export function onButtonAnswered(answer: ButtonAnswer): void {
  usePresses.setState((s) => {
    const pending = s.pending.get(answer.message_id)?.queryId === answer.query_id ? without(s.pending, answer.message_id) : s.pending;
    if (!answer.text) return { pending };
    if (answer.alert) return { pending, alert: answer };
    return { pending, notices: new Map(s.notices).set(answer.message_id, answer.text) };
  });
  if (!answer.text) return;
  if (!answer.alert) useApp.getState().announce(i18next.t('keyboards:answer', { text: answer.text }));
  const text = answer.text;
  setTimeout(() => usePresses.setState((s) => (s.notices.get(answer.message_id) === text ? { notices: without(s.notices, answer.message_id) } : {})), NOTICE_MS);
}

export const closeAnswerAlert = (): void => usePresses.setState({ alert: null });
