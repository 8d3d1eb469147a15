import type { MailboxEntry, RecipientUsage, RelayCounter } from './mailbox-repository.ts';

export type { MailboxEntry, RecipientUsage, RelayCounter };

/**
 * Where a relay keeps what it holds for others: registrations, mail, attachment chunks, one-time
 * prekeys and its running totals. Every method is async and every write is one atomic step
 * (a quota check and the insert it allows, a delivery and its counter), so several relay replicas
 * can share one database: embedded SQLite by default, PostgreSQL beside it later.
 */
export interface MailboxStore {
  /** Registers (or renews) a recipient and adds its one-time prekeys; resolves to how many it has here. */
  register(identity: string, record: Uint8Array, prekeys: readonly OneTimePrekeyEntry[], at: number): Promise<number>;
  registration(identity: string): Promise<Registration | undefined>;
  /** Notes that the recipient is here; resolves to how much mail waits for it and how many prekeys are left. */
  touch(identity: string, at: number): Promise<{ readonly pending: number; readonly prekeys: number }>;
  /** Hands out one one-time prekey and forgets it, as a prekey server must. */
  takePrekey(identity: string): Promise<OneTimePrekeyEntry | undefined>;

  /** Stores an envelope if the recipient is registered and within its quota (a refusal is counted). */
  deposit(entry: Omit<MailboxEntry, 'seq'>, limits: MailboxLimits): Promise<DepositOutcome>;
  /** Mail still within its TTL at `now`, oldest first, after `afterSeq`. */
  pending(recipient: string, afterSeq: number, limit: number, now: number): Promise<MailboxEntry[]>;
  /** Deletes what the recipient signed for and counts it delivered; resolves to how many went. */
  acknowledge(recipient: string, envelopeIds: readonly Uint8Array[]): Promise<number>;
  /** Every held envelope with one of these ids (for a sender's retraction, checked by the caller). */
  held(envelopeIds: readonly Uint8Array[]): Promise<MailboxEntry[]>;
  /** Deletes these envelopes without counting them delivered; resolves to how many went. */
  drop(entries: ReadonlyArray<Pick<MailboxEntry, 'recipient' | 'envelope_id'>>): Promise<number>;
  /** Deletes expired mail and chunks and counts the mail expired. */
  expire(now: number): Promise<{ readonly messages: number; readonly blobs: number }>;

  putBlob(blob: BlobEntry, limits: MailboxLimits): Promise<BlobOutcome>;
  getBlob(recipient: string, hash: Uint8Array, now: number): Promise<Uint8Array | undefined>;
  dropBlobs(recipient: string, hashes: readonly Uint8Array[]): Promise<number>;

  counter(name: RelayCounter): Promise<number>;
  addToCounter(name: RelayCounter, delta: number): Promise<void>;
  setCounterIfAbsent(name: RelayCounter, value: number): Promise<void>;
  /** What the relay holds and has done, in one reading. */
  figures(): Promise<MailboxFigures>;
}

export interface OneTimePrekeyEntry {
  readonly id: number;
  readonly public_key: Uint8Array;
}

export interface Registration {
  readonly record: Uint8Array;
  readonly registered_at: number;
}

export interface BlobEntry {
  readonly recipient: string;
  readonly hash: Uint8Array;
  readonly data: Uint8Array;
  readonly at: number;
  readonly expiresAt: number;
}

export interface MailboxLimits {
  readonly messagesPerRecipient: number;
  readonly bytesPerRecipient: number;
  readonly totalBytes: number;
}

export type DepositOutcome = 'stored' | 'duplicate' | 'quota' | 'unknown-recipient';
export type BlobOutcome = 'ok' | 'quota' | 'unknown-recipient';

export interface MailboxFigures {
  readonly recipients: number;
  readonly messages: number;
  readonly bytes: number;
  readonly counters: Readonly<Record<RelayCounter, number>>;
}

export const RELAY_COUNTERS: readonly RelayCounter[] = ['stored', 'delivered', 'expired', 'rejected_quota', 'uptime_seconds', 'first_started_at'];
