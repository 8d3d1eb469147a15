import type { ApiEvent, IpcReply } from '../node-core/api/contract.ts';
import { toApiError } from '../node-core/api/errors.ts';
import { CHANNELS } from './channels.ts';

/** The slice of Electron's ipcMain the bridge uses. */
export interface IpcMainLike {
  handle(channel: string, handler: (event: IpcInvokeEventLike, ...args: unknown[]) => Promise<unknown>): void;
  removeHandler(channel: string): void;
  on(channel: string, listener: (event: IpcInvokeEventLike, ...args: unknown[]) => void): unknown;
  removeListener(channel: string, listener: (event: IpcInvokeEventLike, ...args: unknown[]) => void): unknown;
}

export interface IpcInvokeEventLike {
  readonly senderFrame?: { readonly url: string } | null;
}

export interface IpcBridgeInit {
  readonly ipcMain: IpcMainLike;
  readonly call: (method: string, input: unknown) => Promise<unknown>;
  readonly subscribe: (listener: (event: ApiEvent) => void) => () => void;
  /** Pushes an event to the window(s). */
  readonly send: (channel: string, payload: unknown) => void;
  /** Only our own page may call the node (not some frame that got loaded by mistake). */
  readonly isTrustedSender: (event: IpcInvokeEventLike) => boolean;
  readonly onError?: (err: unknown) => void;
  /** The page says which chat is on screen (null: none), so it gets no notifications for it. */
  readonly onFocusedChat?: (chatId: string | null) => void;
}

/**
 * Binds the node's router to IPC: the same `call` every transport uses, replies as data
 * ({ok, value} or {ok: false, error: {error, message}}) so named errors survive the trip, node
 * events pushed to the page, and the page's focused chat. Only the trusted page is heard.
 * Returns a function that undoes the binding.
 */
export function bindIpc(init: IpcBridgeInit): () => void {
  init.ipcMain.handle(CHANNELS.call, async (event, method, input): Promise<IpcReply> => {
    if (!init.isTrustedSender(event)) return { ok: false, error: { error: 'Forbidden', message: 'calls are only accepted from the dchat window' } };
    if (typeof method !== 'string') return { ok: false, error: { error: 'UnknownMethod', message: 'method must be a string' } };
    try {
      return { ok: true, value: await init.call(method, input) };
    } catch (err) {
      const apiError = toApiError(err);
      if (apiError.status >= 500) init.onError?.(err);
      return { ok: false, error: apiError.toBody() };
    }
  });
  const onFocusedChat = (event: IpcInvokeEventLike, chatId: unknown) => {
    if (init.isTrustedSender(event) && (typeof chatId === 'string' || chatId === null)) init.onFocusedChat?.(chatId);
  };
  init.ipcMain.on(CHANNELS.focusedChat, onFocusedChat);
  const unsubscribe = init.subscribe((event) => init.send(CHANNELS.event, event));
  return () => {
    unsubscribe();
    init.ipcMain.removeHandler(CHANNELS.call);
    init.ipcMain.removeListener(CHANNELS.focusedChat, onFocusedChat);
  };
}
