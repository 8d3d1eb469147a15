import type { ApiEvent, AttachmentInfo, MethodInput, MethodName, MethodOutput } from '../../../node-core/api/contract.ts';

/**
 * What the UI talks to: the NodeApi contract, over whichever transport this build runs on
 * (Electron IPC through the preload, or HTTP + WebSocket to a headless node).
 */
export interface ApiClient {
  call<M extends MethodName>(method: M, input: MethodInput<M>): Promise<MethodOutput<M>>;
  /** Every node event; returns an unsubscribe function. */
  subscribe(listener: (event: ApiEvent) => void): () => void;
  /** Uploads a file, reporting progress from 0 to 1 where the transport can. */
  upload(file: Blob, name: string, onProgress?: (fraction: number) => void): Promise<AttachmentInfo>;
  /** A downloaded attachment's bytes. */
  readAttachment(id: string): Promise<Blob>;
  /** Connection state of the event stream (HTTP reconnects on its own). */
  onConnectionChange?(listener: (connected: boolean) => void): () => void;
}
