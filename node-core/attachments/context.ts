import type { Message } from '../domain/model.ts';
import type { Logger } from 'pino';
import type { EventBus } from '../events/event-bus.ts';
import type { Network } from '../p2p/network.ts';
import type { KeyRing } from '../sessions/key-ring.ts';
import type { LocalVault } from '../sessions/vault.ts';
import type { Repositories, Store } from '../store/store.ts';
import type { RelayRef } from '../wire/identity-record.ts';
import type { AttachmentFiles } from './attachment-files.ts';

export interface AttachmentSource {
  readonly peerId: string | null;
  readonly addresses: readonly string[];
}

export interface AttachmentInit {
  readonly dataDir: string;
  readonly store: Store;
  /** Undefined while (or where) peer-to-peer networking is off: local chats still take files. */
  readonly network: Network | undefined;
  readonly keyRing: KeyRing;
  readonly vault: LocalVault;
  readonly events: EventBus;
  readonly logger: Logger;
  readonly maxBytes: number;
  /** Where to fetch a sender's chunks from, and our own relays. */
  readonly sourceOf: (repos: Repositories, local: string, sender: string) => AttachmentSource | undefined;
  readonly ownRelays: () => readonly RelayRef[];
  readonly now?: () => number;
  /**
   * Messages as clients see them (messaging's viewMessages: reactions, quote, keyboard, marketplace
   * reference), for the update a finished download sends; handed in because messaging stands on
   * this layer. Without it the update carries the files only.
   */
  readonly present?: (repos: Repositories, messages: readonly Message[]) => Message[];
}

/** What the attachment modules share: the service's dependencies, its logger, clock and file layout. */
export interface AttachmentContext extends Omit<AttachmentInit, 'logger' | 'now' | 'dataDir'> {
  readonly log: Logger;
  readonly now: () => number;
  readonly files: AttachmentFiles;
}

/** Per-attachment keys are sealed in the vault under their own label, so one cannot open another's. */
export const keyLabel = (id: string): string => `attachment-key/${id}`;

/** Relays and peers get this long to answer one chunk request. */
export const FETCH_TIMEOUT_MS = 20_000;
