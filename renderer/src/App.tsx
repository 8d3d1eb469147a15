import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError } from './api/api-error.ts';
import { createHttpClient } from './api/http-client.ts';
import { createIpcClient } from './api/ipc-client.ts';
import { LiveRegion } from './components/LiveRegion.tsx';
import { describeError } from './components/errors.ts';
import { AppShell } from './screens/AppShell.tsx';
import { Login } from './screens/Login.tsx';
import { Onboarding } from './screens/Onboarding.tsx';
import { useShortcuts } from './shortcuts/use-shortcuts.ts';
import { useApp } from './state/store.ts';

const TOKEN_KEY = 'dchat.token';

/** Applies the preferences to the document: theme, motion, text size. */
function usePreferencesOnDocument() {
  const preferences = useApp((s) => s.preferences);
  useEffect(() => {
    const root = document.documentElement;
    root.dataset.theme = preferences.theme;
    root.dataset.reducedMotion = String(preferences.reducedMotion);
    root.style.fontSize = `${preferences.textSize}%`;
  }, [preferences]);
}

function Signed() {
  const identities = useApp((s) => s.identities);
  const identitiesLoaded = useApp((s) => s.identitiesLoaded);
  const onboarding = useApp((s) => s.onboarding);
  const client = useApp((s) => s.client)!;
  useShortcuts();

  useEffect(() => {
    const unsubscribe = client.subscribe((event) => useApp.getState().applyEvent(event));
    const offConnection = client.onConnectionChange?.((connected) => useApp.setState({ connected }));
    const offLinks = window.dchat?.onDeepLink((url) => {
      if (url.startsWith('dchat://invite/')) useApp.getState().openDialog('addContact', url);
    });
    return () => {
      unsubscribe();
      offConnection?.();
      offLinks?.();
    };
  }, [client]);

  useEffect(() => {
    if (identities.length === 0 || onboarding) return;
    const s = useApp.getState();
    void Promise.all([s.loadChats(), s.loadPeople(), s.loadNode()]).catch((err: unknown) => s.setError(String(err)));
  }, [identities.length, onboarding]);

  if (!identitiesLoaded) return null;
  return onboarding || identities.length === 0 ? <Onboarding /> : <AppShell />;
}

export function App() {
  const { t } = useTranslation();
  const client = useApp((s) => s.client);
  const setClient = useApp((s) => s.setClient);
  const loadIdentities = useApp((s) => s.loadIdentities);
  const [needsToken, setNeedsToken] = useState(false);
  usePreferencesOnDocument();

  /** Tries a token against the node; on success keeps it for this browser session. */
  const connectWithToken = useCallback(
    async (token: string): Promise<string | null> => {
      const candidate = createHttpClient({ baseUrl: window.location.origin, token });
      try {
        await candidate.call('identities.list', {});
      } catch (err) {
        return err instanceof ApiError && err.name === 'Unauthorized' ? t('login.wrongToken') : describeError(err, t);
      }
      sessionStorage.setItem(TOKEN_KEY, token);
      setClient(candidate);
      setNeedsToken(false);
      await loadIdentities();
      return null;
    },
    [loadIdentities, setClient, t],
  );

  useEffect(() => {
    if (client) return;
    if (window.dchat) {
      setClient(createIpcClient(window.dchat));
      void loadIdentities();
      return;
    }
    // A ?token= link from the node's startup log signs in once; the token then leaves the URL.
    const url = new URL(window.location.href);
    const fromLink = url.searchParams.get('token');
    if (fromLink) {
      url.searchParams.delete('token');
      window.history.replaceState(null, '', url.toString());
    }
    const token = fromLink ?? sessionStorage.getItem(TOKEN_KEY);
    if (!token) {
      setNeedsToken(true);
      return;
    }
    void connectWithToken(token).then((error) => {
      if (error) setNeedsToken(true);
    });
  }, [client, connectWithToken, loadIdentities, setClient]);

  return (
    <>
      <LiveRegion />
      {needsToken ? <Login onToken={connectWithToken} /> : client ? <Signed /> : null}
    </>
  );
}
