import { useEffect, useMemo } from 'react';
import { focusIfShown } from '../layout.ts';
import { replyShortcut, searchInChatShortcut, useMessaging } from '../state/messaging.ts';
import { selectVisibleChats, useApp } from '../state/store.ts';
import { APP_SHORTCUTS, createShortcutRegistry, ShortcutConflictError, VIEW_SHORTCUTS } from './registry.ts';

const isTextField = (el: Element | null) =>
  el instanceof HTMLTextAreaElement || (el instanceof HTMLInputElement && !['checkbox', 'radio', 'button', 'submit'].includes(el.type)) || (el instanceof HTMLElement && el.isContentEditable);

/** Binds the app's shortcut registry to the keyboard. */
export function useShortcuts(): void {
  const conflictCheck = useApp((s) => s.status?.accessibility.keyboard_shortcut_conflict_check ?? true);
  const setError = useApp((s) => s.setError);
  const registry = useMemo(() => {
    const r = createShortcutRegistry({ conflictCheck, isMac: navigator.platform.startsWith('Mac') });
    try {
      r.register(APP_SHORTCUTS);
    } catch (err) {
      if (err instanceof ShortcutConflictError) setError(err.message);
      else throw err;
    }
    // Conflicts count in the node's accessibility_validation_failures_total (the operators' alert).
    if (r.conflicts().length > 0) void useApp.getState().client?.call('node.reportAccessibility', { check: 'shortcut_conflict', failures: Math.min(100, r.conflicts().length) }).catch(() => undefined);
    return r;
  }, [conflictCheck, setError]);

  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent) => {
      const shortcut = registry.match(event);
      if (!shortcut) return;
      const state = useApp.getState();
      if (state.dialog || useMessaging.getState().dialog) return;
      if (!shortcut.inTextFields && isTextField(document.activeElement)) return;
      event.preventDefault();
      const view = VIEW_SHORTCUTS.find((v) => v.id === shortcut.id)?.view;
      if (view) {
        state.setView(view);
        return;
      }
      // Next and previous follow the list as shown (filtered by the search).
      const chats = selectVisibleChats(state);
      const at = chats.findIndex((c) => c.chat_id === state.currentChatId);
      switch (shortcut.id) {
        case 'search':
          state.setView('chats');
          state.setChatPane('list');
          setTimeout(() => document.getElementById('chat-search')?.focus(), 0);
          break;
        case 'nextChat':
        case 'previousChat': {
          const next = chats[shortcut.id === 'nextChat' ? Math.min(chats.length - 1, at + 1) : Math.max(0, at - 1)];
          if (next) {
            void state.openChat(next.chat_id);
            // In the single-pane layout the list is hidden now, and the chats view moves focus into the conversation.
            setTimeout(() => focusIfShown(document.querySelector<HTMLElement>(`[data-chat-id="${next.chat_id}"]`)), 0);
          }
          break;
        }
        case 'composer':
          // In the single-pane layout the conversation (and so the field) may be hidden behind the list.
          if (!focusIfShown(document.getElementById('composer-input')) && state.view === 'chats' && state.currentChatId) {
            state.setChatPane('conversation');
            setTimeout(() => document.getElementById('composer-input')?.focus(), 0);
          }
          break;
        case 'addContact':
          state.openDialog('addContact');
          break;
        case 'searchInChat':
          searchInChatShortcut();
          break;
        case 'reply':
          replyShortcut();
          break;
        case 'help':
          state.openDialog('shortcuts');
          break;
      }
    };
    document.addEventListener('keydown', onKeyDown);
    return () => document.removeEventListener('keydown', onKeyDown);
  }, [registry]);
}
