import { BrowserWindow } from 'electron';
import { APP_INDEX_URL } from './app-protocol.ts';
import { SPELLCHECK } from './lockdown.ts';

/**
 * The one app window, which may be closed while the node keeps running in the tray and opened
 * again. Others hear when a page finished loading (to hand it a pending link) and when it closed.
 */
export interface MainWindow {
  readonly current: BrowserWindow | undefined;
  /** Shows the window, creating it when there is none. */
  show(): void;
  /** Brings the window to the front (restoring it when minimised), creating it when there is none. */
  raise(): void;
  send(channel: string, payload: unknown): void;
  onLoaded(listener: () => void): void;
  onClosed(listener: () => void): void;
}

export function createMainWindow(preloadPath: string): MainWindow {
  let window: BrowserWindow | undefined;
  const loaded: Array<() => void> = [];
  const closed: Array<() => void> = [];

  const create = (): void => {
    const created = new BrowserWindow({
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
        spellcheck: SPELLCHECK,
      },
    });
    window = created;
    created.once('ready-to-show', () => created.show());
    created.on('closed', () => {
      window = undefined;
      for (const listener of closed) listener();
    });
    void created.loadURL(APP_INDEX_URL);
    created.webContents.on('did-finish-load', () => {
      for (const listener of loaded) listener();
    });
  };

  return {
    get current() {
      return window;
    },
    show: () => (window ? window.show() : create()),
    raise() {
      if (!window) return create();
      if (window.isMinimized()) window.restore();
      window.focus();
    },
    send: (channel, payload) => window?.webContents.send(channel, payload),
    onLoaded: (listener) => void loaded.push(listener),
    onClosed: (listener) => void closed.push(listener),
  };
}
