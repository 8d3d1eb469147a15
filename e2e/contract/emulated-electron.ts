import type { IpcInvokeEventLike, IpcMainLike } from '../../electron/ipc-bridge.ts';
import type { IpcRendererLike } from '../../electron/preload-api.ts';

/**
 * Electron's IPC semantics, emulated for machines without an Electron binary: arguments and
 * results cross by the structured clone algorithm (so functions and class identities do not
 * survive, as in Electron), handlers get an event object the page must never see, exceptions in
 * a handler reject the invoke with Electron's wording, and contextBridge copies every value that
 * crosses into the page and proxies functions.
 */
export interface EmulatedElectron {
  readonly ipcMain: IpcMainLike;
  readonly ipcRenderer: IpcRendererLike;
  /** webContents.send */
  send(channel: string, payload: unknown): void;
  exposeInMainWorld<T extends object>(api: T): T;
  readonly pageUrl: string;
}

export function emulateElectron(pageUrl = 'file:///opt/dchat/resources/app/dist/renderer/index.html'): EmulatedElectron {
  const handlers = new Map<string, (event: IpcInvokeEventLike, ...args: unknown[]) => Promise<unknown>>();
  const listeners = new Map<string, Set<(event: unknown, ...args: unknown[]) => void>>();
  const mainListeners = new Map<string, Set<(event: IpcInvokeEventLike, ...args: unknown[]) => void>>();
  const rendererEvent = () => ({ sender: { id: 1, note: 'an IpcRenderer object the page must not get' }, ports: [] });

  const crossIntoPage = (value: unknown): unknown => {
    if (typeof value === 'function') {
      const fn = value as (...args: unknown[]) => unknown;
      return (...args: unknown[]) => {
        // Arguments from the page are copied into the isolated world; page callbacks are proxied.
        const result = fn(...args.map((a) => (typeof a === 'function' ? wrapCallback(a as (...x: unknown[]) => unknown) : structuredClone(a))));
        return result instanceof Promise ? result.then((r) => crossIntoPage(r)) : crossIntoPage(result);
      };
    }
    return structuredClone(value);
  };
  const wrapCallback = (cb: (...x: unknown[]) => unknown) => (...args: unknown[]) => cb(...args.map((a) => structuredClone(a)));

  return {
    pageUrl,
    ipcMain: {
      handle: (channel, handler) => void handlers.set(channel, handler),
      removeHandler: (channel) => void handlers.delete(channel),
      on(channel, listener) {
        const set = mainListeners.get(channel) ?? new Set();
        set.add(listener);
        mainListeners.set(channel, set);
      },
      removeListener(channel, listener) {
        mainListeners.get(channel)?.delete(listener);
      },
    },
    ipcRenderer: {
      async invoke(channel, ...args) {
        const handler = handlers.get(channel);
        if (!handler) throw new Error(`Error invoking remote method '${channel}': Error: No handler registered for '${channel}'`);
        const copied = structuredClone(args);
        try {
          return structuredClone(await handler({ senderFrame: { url: pageUrl } }, ...copied));
        } catch (err) {
          throw new Error(`Error invoking remote method '${channel}': ${String(err)}`, { cause: err });
        }
      },
      send(channel, ...args) {
        for (const listener of mainListeners.get(channel) ?? []) listener({ senderFrame: { url: pageUrl } }, ...structuredClone(args));
      },
      on(channel, listener) {
        const set = listeners.get(channel) ?? new Set();
        set.add(listener);
        listeners.set(channel, set);
      },
      removeListener(channel, listener) {
        listeners.get(channel)?.delete(listener);
      },
    },
    send(channel, payload) {
      for (const listener of listeners.get(channel) ?? []) listener(rendererEvent(), structuredClone(payload));
    },
    exposeInMainWorld<T extends object>(api: T): T {
      const exposed: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(api)) exposed[key] = crossIntoPage(value);
      return Object.freeze(exposed) as T;
    },
  };
}
