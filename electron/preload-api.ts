import type { ApiEvent, DchatBridge, IpcReply } from '../node-core/api/contract.ts';
import { CHANNELS } from './channels.ts';

/** The slice of Electron's ipcRenderer the preload uses (so it can be driven without Electron). */
export interface IpcRendererLike {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
  send(channel: string, ...args: unknown[]): void;
  on(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
  removeListener(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
}

/**
 * The typed API the page gets as `window.dchat`. Only the allow-listed channels are reachable;
 * Electron's event objects never reach the page (only the payload is passed on); every listener
 * registration returns its own unsubscribe function.
 */
export function createPreloadApi(ipc: IpcRendererLike, platform: string): DchatBridge {
  const listen = <T>(channel: string, listener: (payload: T) => void): (() => void) => {
    const handler = (_event: unknown, payload: unknown) => listener(payload as T);
    ipc.on(channel, handler);
    return () => void ipc.removeListener(channel, handler);
  };
  return {
    // The main process checks the method (and who asks): one place, for every way in.
    call: (method, input) => ipc.invoke(CHANNELS.call, method, input) as Promise<IpcReply>,
    subscribe: (listener) => listen<ApiEvent>(CHANNELS.event, listener),
    onDeepLink: (listener) => listen<string>(CHANNELS.deepLink, listener),
    setFocusedChat: (chatId) => ipc.send(CHANNELS.focusedChat, typeof chatId === 'string' ? chatId : null),
    platform,
  };
}
