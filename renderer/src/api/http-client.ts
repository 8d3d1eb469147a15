import type { ApiErrorBody, ApiEvent, AttachmentInfo } from '../../../node-core/api/contract.ts';
import { ApiError, isApiErrorBody } from './api-error.ts';
import type { ApiClient } from './client.ts';

/** The NodeApi over HTTP (POST /api/rpc/:method) and a WebSocket event stream that reconnects. */
export function createHttpClient(options: { baseUrl: string; token: string; WebSocketImpl?: typeof WebSocket }): ApiClient {
  const base = options.baseUrl.replace(/\/+$/, '');
  const auth = { authorization: `Bearer ${options.token}` };
  const listeners = new Set<(event: ApiEvent) => void>();
  const connectionListeners = new Set<(connected: boolean) => void>();
  let socket: WebSocket | undefined;
  let retryMs = 500;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;

  const fail = async (res: Response): Promise<never> => {
    let body: unknown;
    try {
      body = await res.json();
    } catch {
      body = undefined;
    }
    if (isApiErrorBody(body)) throw new ApiError(body, res.status);
    throw new ApiError({ error: 'InternalError', message: `HTTP ${res.status}` } as ApiErrorBody, res.status);
  };

  const request = async (path: string, init: RequestInit): Promise<Response> => {
    try {
      return await fetch(`${base}${path}`, init);
    } catch (err) {
      throw new ApiError({ error: 'NetworkError', message: `the node is not reachable (${(err as Error).message})` });
    }
  };

  const connect = () => {
    if (listeners.size === 0 || socket) return;
    const Impl = options.WebSocketImpl ?? WebSocket;
    const url = `${base.replace(/^http/, 'ws')}/api/events?access_token=${encodeURIComponent(options.token)}`;
    const ws = new Impl(url);
    socket = ws;
    ws.onopen = () => {
      retryMs = 500;
      connectionListeners.forEach((l) => l(true));
    };
    ws.onmessage = (message) => {
      let event: ApiEvent;
      try {
        event = JSON.parse(String(message.data)) as ApiEvent;
      } catch {
        return;
      }
      if ((event.type as string) === 'hello') return;
      listeners.forEach((l) => l(event));
    };
    ws.onclose = () => {
      socket = undefined;
      connectionListeners.forEach((l) => l(false));
      if (listeners.size === 0) return;
      retryTimer = setTimeout(connect, retryMs);
      retryMs = Math.min(10_000, retryMs * 2);
    };
  };

  return {
    async call(method, input) {
      const res = await request(`/api/rpc/${method}`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify(input ?? {}),
      });
      if (!res.ok) return fail(res);
      return res.json();
    },
    subscribe(listener) {
      listeners.add(listener);
      connect();
      return () => {
        listeners.delete(listener);
        if (listeners.size === 0) {
          clearTimeout(retryTimer);
          socket?.close();
          socket = undefined;
        }
      };
    },
    upload(file, name, onProgress) {
      const url = `${base}/api/attachments?name=${encodeURIComponent(name)}&type=${encodeURIComponent(file.type || 'application/octet-stream')}`;
      if (typeof XMLHttpRequest === 'undefined' || !onProgress) {
        return request(url.replace(base, ''), { method: 'POST', headers: { ...auth, 'content-type': 'application/octet-stream' }, body: file }).then(
          (res) => (res.ok ? (res.json() as Promise<AttachmentInfo>) : fail(res)),
        );
      }
      // XMLHttpRequest, because fetch reports no upload progress.
      return new Promise<AttachmentInfo>((resolve, reject) => {
        const xhr = new XMLHttpRequest();
        xhr.open('POST', url);
        xhr.setRequestHeader('authorization', auth.authorization);
        xhr.setRequestHeader('content-type', 'application/octet-stream');
        xhr.upload.onprogress = (e) => e.lengthComputable && onProgress(e.loaded / e.total);
        xhr.onload = () => {
          const body: unknown = JSON.parse(xhr.responseText || 'null');
          if (xhr.status >= 200 && xhr.status < 300) resolve(body as AttachmentInfo);
          else reject(isApiErrorBody(body) ? new ApiError(body, xhr.status) : new ApiError({ error: 'InternalError', message: `HTTP ${xhr.status}` }, xhr.status));
        };
        xhr.onerror = () => reject(new ApiError({ error: 'NetworkError', message: 'the upload was interrupted' }));
        xhr.send(file);
      });
    },
    async readAttachment(id) {
      const res = await request(`/api/attachments/${encodeURIComponent(id)}`, { headers: auth });
      if (!res.ok) return fail(res);
      return res.blob();
    },
    onConnectionChange(listener) {
      connectionListeners.add(listener);
      return () => connectionListeners.delete(listener);
    },
  };
}
