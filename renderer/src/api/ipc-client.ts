import type { DchatBridge, MethodInput, MethodName, MethodOutput } from '../../../node-core/api/contract.ts';
import { ApiError } from './api-error.ts';
import type { ApiClient } from './client.ts';

/** The NodeApi over Electron IPC, through the preload's `window.dchat`. */
export function createIpcClient(bridge: DchatBridge): ApiClient {
  const call = async <M extends MethodName>(method: M, input: MethodInput<M>): Promise<MethodOutput<M>> => {
    const reply = await bridge.call(method, input ?? {});
    if (!reply.ok) throw new ApiError(reply.error);
    // The main process answered this method with its router's output; IPC carries it untyped.
    return reply.value as MethodOutput<M>;
  };
  return {
    call: (method, input) => call(method, input),
    subscribe: (listener) => bridge.subscribe(listener),
    async upload(file, name, onProgress) {
      onProgress?.(0);
      const data = new Uint8Array(await file.arrayBuffer());
      const info = await call('attachments.upload', { name, type: file.type || 'application/octet-stream', data });
      onProgress?.(1);
      return info;
    },
    async readAttachment(id) {
      const file = await call('attachments.read', { id });
      return new Blob([new Uint8Array(file.data)], { type: file.mime });
    },
  };
}
