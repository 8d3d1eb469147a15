import type { Logger } from 'pino';
import type { RelayRef, SignedIdentityRecord } from '../wire/identity-record.ts';
import type { EnvelopeCore, SignedEnvelope } from '../p2p/envelope.ts';
import type { Network } from '../p2p/network.ts';
import type { Startable } from '../runtime/startable.ts';
import type { Telemetry } from '../runtime/telemetry.ts';
import type { KeyRing } from '../sessions/key-ring.ts';
import type { LocalVault } from '../sessions/vault.ts';
import type { OutboxRow } from '../store/repositories/outbox.ts';
import type { Repositories, Store } from '../store/store.ts';
import type { ErrorCode } from '../wire/protocols.ts';
import type { DirectPayload } from './payloads.ts';

/**
 * The shapes delivery shares with the components that queue mail and handle what arrives. They
 * live apart from the modules that implement delivery so those can share them without importing
 * one another.
 */

/** A handler cannot take an envelope yet (e.g. its sender key has not arrived): keep it for later. */
export class HoldEnvelopeError extends Error {
  override readonly name: string = 'HoldEnvelopeError';
}

export interface DirectContext {
  readonly local: string;
  readonly remote: string;
  readonly envelope: SignedEnvelope;
  readonly now: number;
}

/** What to do once the transaction that handled an envelope has committed. */
export type AfterCommit = () => void;

export interface EnvelopeHandlers {
  /** Handles a decrypted 1:1 payload inside the receiving transaction. */
  direct(repos: Repositories, payload: DirectPayload, context: DirectContext): AfterCommit | void;
  /** Handles a group envelope (sender-key encrypted) inside the receiving transaction. */
  group(repos: Repositories, envelope: SignedEnvelope, now: number): AfterCommit | void;
  /** The local identities a group envelope is for (we are members), or none. */
  groupRecipients(repos: Repositories, groupId: string): string[];
}

export interface RecipientRoute {
  readonly peerId: string | null;
  readonly addresses: readonly string[];
  readonly relays: readonly RelayRef[];
}

export interface QueueDirectInput {
  readonly local: string;
  readonly remote: string;
  readonly payload: DirectPayload;
  readonly messageId?: string | null;
  readonly groupId?: string | null;
  /** Straight to the peer or not at all (typing): never left with relays, never retried. */
  readonly ephemeral?: boolean | undefined;
  /** A disappearing message's end: undelivered by then, it is dropped; relays keep it no longer. */
  readonly expiresAt?: number | null | undefined;
}

/** Where an envelope came from: the peer to hold responsible for it (none for relayed or gossiped mail). */
export interface ReceivedFrom {
  readonly peer: string | null;
  readonly via: 'direct' | 'relay' | 'gossip';
  /** These bytes, already decoded by whoever checked them first (gossip's topic validator): not decoded twice. */
  readonly decoded?: SignedEnvelope | undefined;
}

export type ReceiveResult = { ok: true; duplicate: boolean; id: Uint8Array } | { ok: false; error: ErrorCode; id?: Uint8Array };

export type DeliveredListener = (rows: OutboxRow[]) => void;
/** Mail a relay (`relayPeer`) delivered to the local identity `recipient`: the ids of the envelopes taken. */
export type RelayedListener = (recipient: string, relayPeer: string, ids: readonly Uint8Array[]) => void;

export interface DeliveryService extends Startable {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Queues a payload for `remote`; call inside a store transaction, then `kick()` after commit. */
  queueDirect(repos: Repositories, input: QueueDirectInput, now: number): void;
  /** Queues an unsigned group envelope for one member (signed in the next batch, sent via their relays). */
  queueGroupCopy(repos: Repositories, core: EnvelopeCore, recipient: string, local: string, groupId: string, messageId: string | null, now: number, expiresAt?: number | null): void;
  /** Signs envelopes made together (one signature). */
  sign(local: string, cores: EnvelopeCore[]): SignedEnvelope[];
  kick(): void;
  /** Asks the relays that took a deleted message's envelopes to drop them (in the background; stop waits). */
  retract(messageId: string): void;
  /** Handles an envelope that arrived (directly, from a relay, or over gossip). */
  receive(bytes: Uint8Array, from: ReceivedFrom): Promise<ReceiveResult>;
  readonly outboxSize: () => number;
  /** Called with outbox rows once a recipient or a relay acknowledged them; returns the unsubscribe. */
  onDelivered(listener: DeliveredListener): () => void;
  /** Called when one of our relays delivered mail to a local identity (the envelope ids taken); returns the unsubscribe. */
  onRelayed(listener: RelayedListener): () => void;
  /**
   * Registers what handles one kind of envelope content (1:1 payloads, group envelopes); returns
   * the unregistration. Until a kind has its handler, such envelopes are held (a relay keeps them).
   */
  handleEnvelopes<K extends keyof EnvelopeHandlers>(kind: K, handler: EnvelopeHandlers[K]): () => void;
}

export interface DeliveryInit {
  readonly store: Store;
  readonly network: Network;
  readonly keyRing: KeyRing;
  readonly vault: LocalVault;
  readonly logger: Logger;
  readonly telemetry: Telemetry;
  /** How long mail may take to arrive (relay TTL): older envelopes are refused. */
  readonly maxAgeMs: number;
  readonly maxFutureSkewMs?: number;
  /** Where to reach a remote identity (from contacts and group member lists). */
  readonly route: (repos: Repositories, local: string, remote: string) => RecipientRoute | undefined;
  /** Our signed record for an identity, sent with session-starting messages. */
  readonly ownRecord: (local: string) => SignedIdentityRecord;
  /** The relays we chose, to tell the mailbox protocol whom to trust. */
  readonly isOurRelay: (peer: string) => boolean;
  readonly now?: () => number;
}

/** How long a peer or relay may take to answer one request. */
export const REQUEST_TIMEOUT_MS = 8000;
