/**
 * The desktop app: Electron's main process hosts the same node the `dchat` command runs (store,
 * network, relay), binds its API to IPC for the window, and keeps the shell thin: one window, a
 * tray with relay opt-in, notifications, and dchat:// links. `--headless` runs the node with its
 * HTTP API and no window, exactly like the CLI.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { app, BrowserWindow, dialog, ipcMain, Menu, Notification, protocol, session, shell, Tray, nativeImage } from 'electron';
import type { ApiEvent, Chat, Message } from '../node-core/api/contract.ts';
import { parseCli, pickDchatArgs, UsageError } from '../node-core/cli/args.ts';
import { announceReady, describeStartupError, logConfigWarnings } from '../node-core/cli/startup.ts';
import { ConfigError, loadConfig } from '../node-core/config/load.ts';
import { createNode, type DchatNode } from '../node-core/node.ts';
import { createLogger } from '../node-core/observability/logger.ts';
import { VERSION } from '../node-core/version.ts';
import { CHANNELS } from './channels.ts';
import { bindIpc } from './ipc-bridge.ts';
import { createShellStrings } from './shell-strings.ts';
import { APP_INDEX_URL, APP_ORIGIN, APP_SCHEME, appFileFor } from './app-protocol.ts';
import { CONTENT_SECURITY_POLICY, isAppUrl, isExternalLinkAllowed } from './security.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const rendererDir = path.join(here, '..', 'renderer');
const preloadPath = path.join(here, 'preload.cjs');
const appUrl = APP_INDEX_URL;

// Before the app is ready: app:// behaves like an https origin (secure context, fetch, storage).
protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } }]);

const argv = process.argv.slice(1);
const headless = argv.includes('--headless');
const deepLinkOf = (args: readonly string[]) => args.find((a) => a.startsWith('dchat://'));

if (!app.requestSingleInstanceLock()) {
  // Another instance owns the data directory; it receives our arguments (dchat:// links).
  app.quit();
} else {
  void main();
}

async function main(): Promise<void> {
  let loaded;
  try {
    // The same flags as the dchat command (--data-dir, --api-port, --config, ...).
    const args = parseCli(pickDchatArgs(argv));
    loaded = loadConfig({ env: process.env, configPath: args.config, flags: args.overrides });
  } catch (err) {
    if (err instanceof ConfigError || err instanceof UsageError) {
      process.stderr.write(`dchat: ${err.message}\n`);
      app.exit(2);
      return;
    }
    throw err;
  }
  const { logger, flush } = createLogger(loaded.config.logging, VERSION);
  logConfigWarnings(loaded, logger);
  const node: DchatNode = createNode({ loaded, logger, version: VERSION, http: headless });
  let window: BrowserWindow | undefined;
  let tray: Tray | undefined;
  let focusedChat: string | undefined;
  let toldAboutTray = false;
  let pendingLink = deepLinkOf(argv);

  app.setAsDefaultProtocolClient('dchat');
  await app.whenReady();
  const t = await createShellStrings(app.getLocale());
  try {
    await node.start();
  } catch (err) {
    process.stderr.write(`dchat: cannot start: ${describeStartupError(err)}\n`);
    logger.fatal({ err }, 'startup failed');
    flush();
    app.exit(1);
    return;
  }
  announceReady(node, loaded.config, logger, VERSION);

  // Quitting stops the node cleanly first (in-flight work finishes, the store closes).
  let stopping = false;
  app.on('before-quit', (event) => {
    if (stopping) return;
    event.preventDefault();
    stopping = true;
    void node
      .stop()
      .finally(() => {
        flush();
        app.exit(0);
      });
  });

  if (headless) return;

  // The renderer's files, and nothing else, under app://dchat/.
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

  // On Linux, Chromium's spell checker downloads its dictionaries from Google; the app makes no
  // such request. macOS and Windows use the system's own spell checker, offline.
  const spellcheck = process.platform === 'darwin' || process.platform === 'win32';
  if (!spellcheck) session.defaultSession.setSpellCheckerEnabled(false);

  // No page may load remote content, open windows, or get permissions.
  session.defaultSession.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  session.defaultSession.setPermissionCheckHandler(() => false);
  session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] } });
  });
  session.defaultSession.webRequest.onBeforeRequest((details, callback) => callback({ cancel: !isAppUrl(details.url, APP_ORIGIN) }));
  app.on('web-contents-created', (_event, contents) => {
    contents.on('will-navigate', (event, url) => {
      if (url !== appUrl) event.preventDefault();
    });
    contents.setWindowOpenHandler(({ url }) => {
      // Links to the web open in the user's browser, never in the app, and only once the user
      // has seen where they lead and agreed (a message can carry a link to anywhere).
      if (isExternalLinkAllowed(url)) void confirmExternal(url);
      return { action: 'deny' };
    });
    contents.on('will-attach-webview', (event) => event.preventDefault());
  });

  bindIpc({
    ipcMain,
    call: (method, input) => node.dispatch(method, input),
    subscribe: (listener) => node.api.subscribe(listener),
    send: (channel, payload) => window?.webContents.send(channel, payload),
    isTrustedSender: (event) => event.senderFrame?.url === appUrl,
    onError: (err) => logger.error({ err }, 'an IPC call failed'),
    onFocusedChat: (chatId) => (focusedChat = chatId ?? undefined),
  });

  const confirmExternal = async (url: string) => {
    const options = { type: 'question' as const, buttons: [t('openLink'), t('cancel')], defaultId: 1, cancelId: 1, message: t('openLinkQuestion'), detail: url };
    const { response } = window ? await dialog.showMessageBox(window, options) : await dialog.showMessageBox(options);
    if (response === 0) await shell.openExternal(url);
  };

  const createWindow = () => {
    window = new BrowserWindow({
      width: 1200,
      height: 800,
      minWidth: 480,
      minHeight: 400,
      show: false,
      title: 'dchat',
      webPreferences: {
        preload: preloadPath,
        contextIsolation: true,
        sandbox: true,
        nodeIntegration: false,
        webSecurity: true,
        allowRunningInsecureContent: false,
        spellcheck,
      },
    });
    window.once('ready-to-show', () => window?.show());
    window.on('closed', () => {
      window = undefined;
      // The first time the window closes while the tray keeps the node running, say so.
      if (tray && !toldAboutTray && Notification.isSupported()) {
        toldAboutTray = true;
        new Notification({ title: 'dchat', body: t('noWindow') }).show();
      }
    });
    void window.loadURL(appUrl);
    window.webContents.on('did-finish-load', () => {
      if (pendingLink) window?.webContents.send(CHANNELS.deepLink, pendingLink);
      pendingLink = undefined;
    });
  };
  createWindow();

  // Notifications for new messages from others, unless that chat is on screen or muted. Our own
  // identities are kept at hand (they change rarely) rather than listed for every message.
  let ownIds = new Set((await node.api.call('identities.list', {})).identities.map((i) => i.id));
  node.api.subscribe((event: ApiEvent) => {
    if (event.type === 'identity.created') ownIds = new Set([...ownIds, event.data.id]);
    if (event.type === 'message.created') void notify(event.data).catch(() => undefined);
  });
  const notify = async (message: Message) => {
    if (!Notification.isSupported() || ownIds.has(message.sender)) return;
    if (window?.isFocused() && focusedChat === message.chat_id) return;
    const chat: Chat = await node.api.call('chats.get', { chat_id: message.chat_id });
    if (chat.muted) return;
    const file = message.attachments?.[0]?.name;
    const body = message.text ? message.text.slice(0, 200) : file ? t('attachment', { name: file }) : '';
    const notification = new Notification({ title: chat.title, body });
    notification.on('click', () => {
      window?.show();
      window?.focus();
    });
    notification.show();
  };

  // Tray: status and relay opt-in.
  const refreshTray = async () => {
    if (!tray) return;
    const relay = await node.api.call('relay.status', {}).catch(() => undefined);
    const status = await node.api.call('node.status', {});
    const summary = t('status', { version: VERSION, count: status.peers.connected });
    tray.setToolTip(summary);
    tray.setContextMenu(
      Menu.buildFromTemplate([
        { label: summary, enabled: false },
        {
          label: t('relay'),
          type: 'checkbox',
          checked: relay?.enabled ?? false,
          enabled: relay !== undefined && !relay.forced_by_config,
          click: (item) => void node.api.call('relay.setEnabled', { enabled: item.checked }).then(refreshTray),
        },
        { type: 'separator' },
        { label: t('open'), click: () => (window ? window.show() : createWindow()) },
        { label: t('quit'), role: 'quit' },
      ]),
    );
  };
  try {
    tray = new Tray(nativeImage.createFromPath(path.join(here, '..', '..', 'build', 'icon.png')));
    await refreshTray();
    setInterval(() => void refreshTray(), 10_000).unref();
  } catch (err) {
    logger.warn({ err }, 'no tray on this desktop');
  }

  app.on('second-instance', (_event, args) => {
    const link = deepLinkOf(args);
    if (link) window?.webContents.send(CHANNELS.deepLink, link);
    if (window) {
      if (window.isMinimized()) window.restore();
      window.focus();
    } else createWindow();
  });
  app.on('open-url', (event, url) => {
    event.preventDefault();
    if (window) window.webContents.send(CHANNELS.deepLink, url);
    else pendingLink = url;
  });
  app.on('window-all-closed', () => {
    // The node keeps relaying and receiving in the tray; quit from the tray menu.
    if (!tray) app.quit();
  });
  app.on('activate', () => {
    if (!window) createWindow();
  });
}
