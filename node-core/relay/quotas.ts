import type { DchatConfig } from '../config/schema.ts';
import type { MailboxLimits, RecipientUsage } from './mailbox-store.ts';

/** What a relay promises to hold at most, from the config. */
export interface RelayLimits extends MailboxLimits {
  readonly ttlMs: number;
}

export function relayLimits(config: DchatConfig): RelayLimits {
  return {
    ttlMs: config.messages.ttl_hours * 3_600_000,
    messagesPerRecipient: config.relay.mailbox_max_messages_per_recipient,
    bytesPerRecipient: config.relay.mailbox_max_mb_per_recipient * 1024 * 1024,
    totalBytes: config.relay.mailbox_max_total_mb * 1024 * 1024,
  };
}

/**
 * Whether `size` more bytes fit: in the recipient's share and in the relay's total. Chunks count
 * towards bytes only; the message limit applies to mail.
 */
export function fitsQuota(usage: RecipientUsage, totalBytes: number, size: number, limits: MailboxLimits, kind: 'mail' | 'chunk'): boolean {
  if (kind === 'mail' && usage.messages >= limits.messagesPerRecipient) return false;
  return usage.bytes + size <= limits.bytesPerRecipient && totalBytes + size <= limits.totalBytes;
}
