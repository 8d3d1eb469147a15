import fs from 'node:fs/promises';
import { app, dialog, protocol, session, shell, type BrowserWindow } from 'electron';
import type { TFunction } from 'i18next';
import { APP_INDEX_URL, APP_ORIGIN, APP_SCHEME, appFileFor } from './app-protocol.ts';
import { CONTENT_SECURITY_POLICY, isAppUrl, isExternalLinkAllowed } from './security.ts';

/**
 * On Linux, Chromium's spell checker downloads its dictionaries from Google; the app makes no
 * such request. macOS and Windows use the system's own spell checker, offline.
 */
export const SPELLCHECK = process.platform === 'darwin' || process.platform === 'win32';

/** The renderer's files, and nothing else, under app://dchat/. */
export function serveRenderer(rendererDir: string): void {
  protocol.handle(APP_SCHEME, async (request) => {
    const target = appFileFor(request.url, rendererDir);
    if (!target) return new Response('not found', { status: 404 });
    try {
      const body = await fs.readFile(target.file);
      return new Response(body, { headers: { 'content-type': target.type, 'content-security-policy': CONTENT_SECURITY_POLICY, 'x-content-type-options': 'nosniff' } });
    } catch {
      return new Response('not found', { status: 404 });
    }
  });
}

/** No page may load remote content, open windows, or get permissions. */
export function lockDownSession(): void {
  if (!SPELLCHECK) session.defaultSession.setSpellCheckerEnabled(false);
  session.defaultSession.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  session.defaultSession.setPermissionCheckHandler(() => false);
  session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] } });
  });
  session.defaultSession.webRequest.onBeforeRequest((details, callback) => callback({ cancel: !isAppUrl(details.url, APP_ORIGIN) }));
}

/** Every page (and any that might appear): no navigation away from the app, no new windows, no webviews. */
export function lockDownPages(t: TFunction, parent: () => BrowserWindow | undefined): void {
  app.on('web-contents-created', (_event, contents) => {
    contents.on('will-navigate', (event, url) => {
      if (url !== APP_INDEX_URL) event.preventDefault();
    });
    contents.setWindowOpenHandler(({ url }) => {
      // Links to the web open in the user's browser, never in the app, and only once the user
      // has seen where they lead and agreed (a message can carry a link to anywhere).
      if (isExternalLinkAllowed(url)) void confirmExternal(t, url, parent());
      return { action: 'deny' };
    });
    contents.on('will-attach-webview', (event) => event.preventDefault());
  });
}

async function confirmExternal(t: TFunction, url: string, parent: BrowserWindow | undefined): Promise<void> {
  const options = { type: 'question' as const, buttons: [t('openLink'), t('cancel')], defaultId: 1, cancelId: 1, message: t('openLinkQuestion'), detail: url };
  const { response } = parent ? await dialog.showMessageBox(parent, options) : await dialog.showMessageBox(options);
  if (response === 0) await shell.openExternal(url);
}
