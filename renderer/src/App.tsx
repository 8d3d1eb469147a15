import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError } from './api/api-error.ts';
import type { Identity } from '../../node-core/api/contract.ts';
import type { ApiClient } from './api/client.ts';
import { createHttpClient } from './api/http-client.ts';
import { createIpcClient } from './api/ipc-client.ts';
import { LiveRegion } from './components/LiveRegion.tsx';
import { describeError } from './components/errors.ts';
import { AppShell } from './screens/AppShell.tsx';
import { Login } from './screens/Login.tsx';
import { Onboarding } from './screens/Onboarding.tsx';
import { useShortcuts } from './shortcuts/use-shortcuts.ts';
import { catchUp } from './state/catch-up.ts';
import { startLocalExpiry } from './state/local-expiry.ts';
import { applyMessagingEvent, loadSettings } from './state/messaging.ts';
import { applyKeyChangeEvent } from './state/key-changes.ts';
import { onButtonAnswered } from './state/button-presses.ts';
import { useApp } from './state/store.ts';
import { MessagingDialogs } from './screens/messages/MessagingDialogs.tsx';

const TOKEN_KEY = 'dchat.token';

/**
 * The token to start with: a ?token= link from the node's startup log signs in once (the token
 * then leaves the URL and the history), else the one this browser session signed in with.
 */
function takeStartupToken(): string | null {
  if (window.dchat) return null;
  const url = new URL(window.location.href);
  const fromLink = url.searchParams.get('token');
  if (fromLink) {
    url.searchParams.delete('token');
    window.history.replaceState(null, '', url.toString());
  }
  return fromLink ?? sessionStorage.getItem(TOKEN_KEY);
}
const STARTUP_TOKEN = takeStartupToken();

/** Checks a token against the node (with a call whose answer the app needs next anyway). */
async function tryToken(token: string): Promise<{ client: ApiClient; identities: readonly Identity[] } | { error: unknown }> {
  const client = createHttpClient({ baseUrl: window.location.origin, token });
  try {
    const { identities } = await client.call('identities.list', {});
    return { client, identities };
  } catch (error) {
    return { error };
  }
}

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
    const unsubscribe = client.subscribe((event) => {
      useApp.getState().applyEvent(event);
      applyMessagingEvent(event);
      applyKeyChangeEvent(event);
      if (event.type === 'button.answered') onButtonAnswered(event.data);
    });
    void loadSettings();
    // Removed on screen as the node's own removal would be announced.
    const stopExpiry = startLocalExpiry(useApp, (chatId, id) => applyMessagingEvent({ type: 'message.removed', data: { id, chat_id: chatId } }));
    // Back after a break in the event stream: read again what changed unannounced meanwhile.
    let broken = false;
    const offConnection = client.onConnectionChange?.((connected) => {
      useApp.setState({ connected });
      if (!connected) broken = true;
      else if (broken) {
        broken = false;
        void catchUp().catch((err: unknown) => useApp.getState().setError(String(err)));
      }
    });
    const offLinks = window.dchat?.onDeepLink((url) => {
      if (url.startsWith('dchat://invite/')) useApp.getState().openDialog('addContact', url);
    });
    return () => {
      unsubscribe();
      stopExpiry();
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
  return onboarding || identities.length === 0 ? (
    <Onboarding />
  ) : (
    <>
      <AppShell />
      <MessagingDialogs />
    </>
  );
}

export function App() {
  const { t } = useTranslation();
  const client = useApp((s) => s.client);
  const setClient = useApp((s) => s.setClient);
  const loadIdentities = useApp((s) => s.loadIdentities);
  const [needsToken, setNeedsToken] = useState(() => !window.dchat && !STARTUP_TOKEN);
  usePreferencesOnDocument();

  /** Signs in with a token; on success keeps it for this browser session. */
  const signIn = useCallback(
    async (client: ApiClient, token: string, identities: readonly Identity[]) => {
      sessionStorage.setItem(TOKEN_KEY, token);
      setClient(client);
      await loadIdentities(identities);
    },
    [loadIdentities, setClient],
  );

  /** The sign-in page's check: null when the token works, else what to tell the user. */
  const connectWithToken = useCallback(
    async (token: string): Promise<string | null> => {
      const tried = await tryToken(token);
      if ('error' in tried) return tried.error instanceof ApiError && tried.error.name === 'Unauthorized' ? t('login.wrongToken') : describeError(tried.error, t);
      setNeedsToken(false);
      await signIn(tried.client, token, tried.identities);
      return null;
    },
    [signIn, t],
  );

  useEffect(() => {
    if (client) return;
    if (window.dchat) {
      setClient(createIpcClient(window.dchat));
      void loadIdentities();
      return;
    }
    const token = STARTUP_TOKEN;
    if (!token) return;
    void tryToken(token).then((tried) => {
      if ('error' in tried) setNeedsToken(true);
      else void signIn(tried.client, token, tried.identities);
    });
  }, [client, loadIdentities, setClient, signIn]);

  return (
    <>
      <LiveRegion />
      {needsToken ? <Login onToken={connectWithToken} /> : client ? <Signed /> : null}
    </>
  );
}
