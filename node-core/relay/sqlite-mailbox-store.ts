import { MAILBOX_REPOSITORY, type MailboxRepository } from './mailbox-repository.ts';
import type { Store } from '../store/store.ts';
import { RELAY_COUNTERS, type MailboxStore, type RelayCounter } from './mailbox-store.ts';
import { fitsQuota } from './quotas.ts';

/**
 * The mailbox in the node's own SQLite file: reads straight from the repository, writes through
 * the store's write queue, so each is one durable transaction before the relay acknowledges it.
 */
export function createSqliteMailboxStore(store: Store): MailboxStore {
  const mailbox = store.register(MAILBOX_REPOSITORY);
  const read = async <T>(work: (mailbox: MailboxRepository) => T): Promise<T> => work(mailbox());
  const write = <T>(work: (mailbox: MailboxRepository) => T): Promise<T> => store.write(() => work(mailbox()));

  return {
    register: (identity, record, prekeys, at) =>
      write((m) => {
        m.register(identity, record, at);
        m.addPrekeys(identity, prekeys);
        return m.prekeyCount(identity);
      }),
    registration: (identity) => read((m) => m.recipient(identity)),
    touch: (identity, at) =>
      write((m) => {
        m.touch(identity, at);
        return { pending: m.usage(identity).messages, prekeys: m.prekeyCount(identity) };
      }),
    takePrekey: (identity) => write((m) => m.takePrekey(identity)),

    deposit: (entry, limits) =>
      write((m) => {
        if (!m.recipient(entry.recipient)) return 'unknown-recipient';
        if (!fitsQuota(m.usage(entry.recipient), m.totalBytes(), entry.size, limits, 'mail')) {
          m.addToCounter('rejected_quota', 1);
          return 'quota';
        }
        if (!m.store(entry)) return 'duplicate';
        m.addToCounter('stored', 1);
        return 'stored';
      }),
    pending: (recipient, afterSeq, limit, now) => read((m) => m.pending(recipient, afterSeq, limit, now)),
    acknowledge: (recipient, ids) =>
      write((m) => {
        const n = m.deleteDelivered(recipient, ids);
        m.addToCounter('delivered', n);
        return n;
      }),
    held: (ids) => read((m) => m.byEnvelopeIds(ids)),
    drop: (entries) => write((m) => entries.reduce((n, e) => n + m.deleteDelivered(e.recipient, [e.envelope_id]), 0)),
    expire: (now) =>
      write((m) => {
        const expired = m.expire(now);
        if (expired.messages > 0) m.addToCounter('expired', expired.messages);
        return expired;
      }),

    putBlob: (blob, limits) =>
      write((m) => {
        if (!m.recipient(blob.recipient)) return 'unknown-recipient';
        if (!fitsQuota(m.usage(blob.recipient), m.totalBytes(), blob.data.length, limits, 'chunk')) return 'quota';
        m.putBlob(blob.recipient, blob.hash, blob.data, blob.at, blob.expiresAt);
        return 'ok';
      }),
    getBlob: (recipient, hash, now) => read((m) => m.getBlob(recipient, hash, now)),
    dropBlobs: (recipient, hashes) => write((m) => m.deleteBlobs(recipient, hashes)),

    counter: (name) => read((m) => m.counter(name)),
    addToCounter: (name, delta) => write((m) => m.addToCounter(name, delta)),
    setCounterIfAbsent: (name, value) => write((m) => m.setCounterIfAbsent(name, value)),
    figures: () =>
      read((m) => ({
        recipients: m.recipientCount(),
        messages: m.totalMessages(),
        bytes: m.totalBytes(),
        counters: Object.fromEntries(RELAY_COUNTERS.map((name) => [name, m.counter(name)])) as Record<RelayCounter, number>,
      })),
  };
}
