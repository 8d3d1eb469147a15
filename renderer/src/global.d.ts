import type { DchatBridge } from '../../node-core/api/contract.ts';

declare global {
  interface Window {
    /** Present in the desktop app: the typed API exposed by the preload. */
    readonly dchat?: DchatBridge;
  }
}
