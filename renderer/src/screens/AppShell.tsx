import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorBanner } from '../components/ErrorBanner.tsx';
import { BotsView } from './BotsView.tsx';
import { keysOf, VIEW_SHORTCUTS } from '../shortcuts/registry.ts';
import { useApp, type View } from '../state/store.ts';
import { usePeerCount } from '../state/use-node-figures.ts';
import { ChatsView } from './ChatsView.tsx';
import { ContactsView } from './ContactsView.tsx';
import { Dialogs } from './Dialogs.tsx';
import { RelayView } from './RelayView.tsx';
import { SettingsView } from './SettingsView.tsx';
import { StatusView } from './StatusView.tsx';
import { MarketView } from './MarketView.tsx';
import { WalletView } from './WalletView.tsx';

const VIEWS: ReadonlyArray<{ view: View; shortcut: string }> = VIEW_SHORTCUTS.map((v) => ({ view: v.view, shortcut: keysOf(v.id) }));

export function AppShell() {
  const { t } = useTranslation();
  const view = useApp((s) => s.view);
  const setView = useApp((s) => s.setView);
  const connected = useApp((s) => s.connected);
  const peerCount = usePeerCount(connected);
  const openDialog = useApp((s) => s.openDialog);
  const me = useApp((s) => s.identities.find((i) => i.is_default) ?? s.identities[0]);
  const firstView = useRef(true);
  // The single-pane layout folds the navigation behind a menu button (app.css shows it always where there is room).
  const [menuOpen, setMenuOpen] = useState(false);
  const menuButton = useRef<HTMLButtonElement>(null);

  // Switching views is a page change: move focus to the new page, as a screen reader user expects.
  useEffect(() => {
    if (firstView.current) {
      firstView.current = false;
      return;
    }
    document.getElementById('main')?.focus();
  }, [view]);

  return (
    <div className={`app app-${view}`}>
      <a className="skip-link" href="#main">
        {t('skipToContent')}
      </a>
      <header className="topbar">
        <button
          ref={menuButton}
          type="button"
          className="secondary nav-toggle"
          aria-expanded={menuOpen}
          aria-controls="sections-nav"
          onClick={() => setMenuOpen((open) => !open)}
        >
          <svg aria-hidden="true" focusable="false" width="16" height="16" viewBox="0 0 16 16" fill="currentColor">
            <rect x="1" y="3" width="14" height="2" />
            <rect x="1" y="7" width="14" height="2" />
            <rect x="1" y="11" width="14" height="2" />
          </svg>
          {t('nav.menu')}
        </button>
        <span className="brand">{t('appName')}</span>
        <nav
          id="sections-nav"
          aria-label={t('nav.label')}
          data-open={menuOpen}
          onKeyDown={(e) => {
            if (e.key === 'Escape' && menuOpen) {
              setMenuOpen(false);
              menuButton.current?.focus();
            }
          }}
        >
          <ul className="nav-list">
            {VIEWS.map((v) => (
              <li key={v.view}>
                <button
                  type="button"
                  className="nav-button"
                  aria-current={view === v.view ? 'page' : undefined}
                  aria-keyshortcuts={v.shortcut}
                  onClick={() => {
                    setMenuOpen(false);
                    setView(v.view);
                  }}
                >
                  {t(`nav.${v.view}`)}
                </button>
              </li>
            ))}
          </ul>
        </nav>
        {/* Two links, told apart: the UI's own to its node, and the node's to other peers (shown only while the first is up). */}
        <div className="connection-state">
          <span className={connected ? 'connection online' : 'connection offline'} role="status">
            {connected ? t('connection.online') : t('connection.offline')}
          </span>
          {connected && peerCount !== undefined && (
            <span className="peer-count">{peerCount === null ? t('connection.networkOff') : peerCount === 0 ? t('connection.noPeers') : t('connection.peers', { count: peerCount })}</span>
          )}
        </div>
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
      {view === 'bots' && <BotsView />}
      {view === 'wallet' && <WalletView />}
      {view === 'market' && <MarketView />}
      <Dialogs />
    </div>
  );
}
