import i18next from 'i18next';
import { create } from 'zustand';
import type { ApiEvent, KeyChange } from '../../../node-core/api/contract.ts';
import { useApp } from './store.ts';

/**
 * Safety-number changes per chat, as the conversation shows them (Signal's notice): loaded when a
 * chat opens, and added as the node reports them. A change also replaces the contact (the old
 * key is gone, the new one unverified), so the people list is read again.
 */

interface KeyChangesState {
  readonly byChat: Readonly<Record<string, readonly KeyChange[]>>;
}

export const useKeyChanges = create<KeyChangesState>()(() => ({ byChat: {} }));

const put = (chatId: string, changes: readonly KeyChange[]) => useKeyChanges.setState((s) => ({ byChat: { ...s.byChat, [chatId]: changes } }));

export async function loadKeyChanges(chatId: string): Promise<void> {
  const client = useApp.getState().client;
  if (!client) return;
  const { key_changes } = await client.call('contacts.keyChanges', { chat_id: chatId });
  put(chatId, key_changes);
}

export function applyKeyChangeEvent(event: ApiEvent): void {
  if (event.type !== 'contact.keyChanged') return;
  const change = event.data;
  const known = useKeyChanges.getState().byChat[change.chat_id] ?? [];
  if (!known.some((c) => c.id === change.id)) put(change.chat_id, [...known, change]);
  const app = useApp.getState();
  app.announce(i18next.t('chat:keyChange.changed', { name: change.display_name }));
  void app.loadPeople().catch(() => undefined);
}
