import { Menu, nativeImage, Tray } from 'electron';
import type { TFunction } from 'i18next';
import type { Logger } from 'pino';
import type { DchatNode } from '../node-core/node.ts';
import { VERSION } from '../node-core/version.ts';
import type { MainWindow } from './window.ts';

const REFRESH_MS = 10_000;

export interface ShellTray {
  close(): void;
}

/** The tray: node status, the relay opt-in, open and quit. Undefined on desktops without one. */
export async function createTray(init: { node: DchatNode; t: TFunction; iconPath: string; window: MainWindow; logger: Logger }): Promise<ShellTray | undefined> {
  let tray: Tray;
  try {
    tray = new Tray(nativeImage.createFromPath(init.iconPath));
  } catch (err) {
    init.logger.warn({ err }, 'no tray on this desktop');
    return undefined;
  }
  const refresh = (): Promise<void> => refreshTray(tray, init, refresh);
  let timer: NodeJS.Timeout | undefined;
  try {
    await refresh();
    timer = setInterval(() => void refresh().catch(() => undefined), REFRESH_MS);
    timer.unref();
  } catch (err) {
    // The icon is there (the window may close into it), only without a menu.
    init.logger.warn({ err }, 'no tray on this desktop');
  }
  return {
    close() {
      clearInterval(timer);
      tray.destroy();
    },
  };
}

async function refreshTray(tray: Tray, init: { node: DchatNode; t: TFunction; window: MainWindow }, refresh: () => Promise<void>): Promise<void> {
  const { node, t, window } = init;
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
        click: (item) => void node.api.call('relay.setEnabled', { enabled: item.checked }).then(refresh),
      },
      { type: 'separator' },
      { label: t('open'), click: () => window.show() },
      { label: t('quit'), role: 'quit' },
    ]),
  );
}
