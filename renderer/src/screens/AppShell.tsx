import { useEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorBanner } from '../components/ErrorBanner.tsx';
import { keysOf, VIEW_SHORTCUTS } from '../shortcuts/registry.ts';
import { useApp, type View } from '../state/store.ts';
import { ChatsView } from './ChatsView.tsx';
import { ContactsView } from './ContactsView.tsx';
import { Dialogs } from './Dialogs.tsx';
import { RelayView } from './RelayView.tsx';
import { SettingsView } from './SettingsView.tsx';
import { StatusView } from './StatusView.tsx';

const VIEWS: ReadonlyArray<{ view: View; shortcut: string }> = VIEW_SHORTCUTS.map((v) => ({ view: v.view, shortcut: keysOf(v.id) }));

export function AppShell() {
  const { t } = useTranslation();
  const view = useApp((s) => s.view);
  const setView = useApp((s) => s.setView);
  const connected = useApp((s) => s.connected);
  const openDialog = useApp((s) => s.openDialog);
  const me = useApp((s) => s.identities.find((i) => i.is_default) ?? s.identities[0]);
  const firstView = useRef(true);

  // Switching views is a page change: move focus to the new page, as a screen reader user expects.
  useEffect(() => {
    if (firstView.current) {
      firstView.current = false;
      return;
    }
    document.getElementById('main')?.focus();
  }, [view]);

  return (
    <div className="app">
      <a className="skip-link" href="#main">
        {t('skipToContent')}
      </a>
      <header className="topbar">
        <span className="brand">{t('appName')}</span>
        <nav aria-label={t('nav.label')}>
          <ul className="nav-list">
            {VIEWS.map((v) => (
              <li key={v.view}>
                <button type="button" className="nav-button" aria-current={view === v.view ? 'page' : undefined} aria-keyshortcuts={v.shortcut} onClick={() => setView(v.view)}>
                  {t(`nav.${v.view}`)}
                </button>
              </li>
            ))}
          </ul>
        </nav>
        <span className={connected ? 'connection online' : 'connection offline'} role="status">
          {connected ? t('connection.online') : t('connection.offline')}
        </span>
        {me && (
          <span className="me" title={me.username}>
            {me.profile.display_name}
          </span>
        )}
        <button type="button" className="icon-button" onClick={() => openDialog('shortcuts')} aria-label={t('shortcutsButton')} aria-keyshortcuts="Shift+?">
          <span aria-hidden="true">⌨</span>
        </button>
      </header>
      <ErrorBanner />
      {view === 'chats' && <ChatsView />}
      {view === 'contacts' && <ContactsView />}
      {view === 'relay' && <RelayView />}
      {view === 'status' && <StatusView />}
      {view === 'settings' && <SettingsView />}
      <Dialogs />
    </div>
  );
}
