import { app, ipcMain } from 'electron';
import type { TFunction } from 'i18next';
import type { Logger } from 'pino';
import type { DchatNode } from '../node-core/node.ts';
import { APP_INDEX_URL } from './app-protocol.ts';
import { deliverDeepLinks } from './deep-links.ts';
import { bindIpc } from './ipc-bridge.ts';
import { lockDownPages, lockDownSession, serveRenderer } from './lockdown.ts';
import { explainTrayOnFirstClose, notifyNewMessages } from './notifications.ts';
import { quitWithLastWindow, type QuitHandling } from './quit.ts';
import { createTray } from './tray.ts';
import { createMainWindow } from './window.ts';

export interface DesktopInit {
  readonly node: DchatNode;
  readonly logger: Logger;
  readonly t: TFunction;
  readonly quit: QuitHandling;
  readonly paths: { readonly renderer: string; readonly preload: string; readonly icon: string };
  readonly deepLink: string | undefined;
}

/**
 * The windowed app around a started node. The renderer is served and the session locked down
 * before the first window exists, so no page ever runs without those defences.
 */
export async function openDesktop(init: DesktopInit): Promise<void> {
  const { node, logger, t } = init;
  serveRenderer(init.paths.renderer);
  lockDownSession();
  const window = createMainWindow(init.paths.preload);
  lockDownPages(t, () => window.current);

  let hasTray = false;
  let focusedChat: string | undefined;
  const unbindIpc = bindIpc({
    ipcMain,
    call: (method, input) => node.dispatch(method, input),
    subscribe: (listener) => node.api.subscribe(listener),
    send: (channel, payload) => window.send(channel, payload),
    isTrustedSender: (event) => event.senderFrame?.url === APP_INDEX_URL,
    onError: (err) => logger.error({ err }, 'an IPC call failed'),
    onFocusedChat: (chatId) => (focusedChat = chatId ?? undefined),
  });
  init.quit.onQuit(unbindIpc);

  deliverDeepLinks(window, init.deepLink);
  explainTrayOnFirstClose(window, t, () => hasTray);
  window.show();

  init.quit.onQuit(await notifyNewMessages(node, t, window, () => focusedChat));
  const tray = await createTray({ node, t, iconPath: init.paths.icon, window, logger });
  hasTray = tray !== undefined;
  if (tray) init.quit.onQuit(() => tray.close());

  quitWithLastWindow(() => hasTray);
  app.on('activate', () => {
    if (!window.current) window.show();
  });
}
