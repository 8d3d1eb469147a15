/**
 * The relay's MailboxStore contract, written against the interface alone: every implementation
 * (embedded SQLite today, a shared database later) runs this same suite.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { MailboxLimits, MailboxStore } from '../../relay/mailbox-store.ts';
import { createSqliteMailboxStore } from '../../relay/sqlite-mailbox-store.ts';
import { openTempStore } from '../helpers/store.ts';

const implementations: Array<{ name: string; open: () => { mailbox: MailboxStore; close: () => void } }> = [
  {
    name: 'SQLite',
    open() {
      const store = openTempStore();
      return { mailbox: createSqliteMailboxStore(store), close: () => store.stop() };
    },
  },
];

const limits: MailboxLimits = { messagesPerRecipient: 2, bytesPerRecipient: 100, totalBytes: 150 };
const alice = 'aa'.repeat(32);
const bob = 'bb'.repeat(32);
const mail = (recipient: string, id: number, size = 10, expires = 10_000) => ({
  recipient,
  envelope_id: new Uint8Array(16).fill(id),
  envelope: new Uint8Array(size).fill(id),
  size,
  stored_at: 1000,
  expires_at: expires,
});

for (const { name, open } of implementations) {
  describe(`relay mailbox store (${name})`, () => {
    const { mailbox, close } = open();
    after(close);

    it('registers recipients with their one-time prekeys and hands each prekey out once', async () => {
      assert.equal(await mailbox.register(alice, new Uint8Array([1]), [{ id: 1, public_key: new Uint8Array(32) }, { id: 2, public_key: new Uint8Array(32) }], 1000), 2);
      assert.equal((await mailbox.registration(alice))?.registered_at, 1000);
      assert.equal(await mailbox.registration(bob), undefined);
      assert.equal((await mailbox.takePrekey(alice))?.id, 1);
      assert.deepEqual(await mailbox.touch(alice, 2000), { pending: 0, prekeys: 1 });
    });

    it('keeps mail only for registered recipients, once per envelope, within the quotas', async () => {
      assert.equal(await mailbox.deposit(mail(bob, 1), limits), 'unknown-recipient');
      assert.equal(await mailbox.deposit(mail(alice, 1), limits), 'stored');
      assert.equal(await mailbox.deposit(mail(alice, 1), limits), 'duplicate');
      assert.equal(await mailbox.deposit(mail(alice, 2, 95), limits), 'quota', 'over the per-recipient bytes');
      assert.equal(await mailbox.deposit(mail(alice, 3, 5, 3000), limits), 'stored');
      assert.equal(await mailbox.deposit(mail(alice, 4), limits), 'quota', 'over the per-recipient message count');
      const figures = await mailbox.figures();
      assert.deepEqual([figures.recipients, figures.messages, figures.bytes], [1, 2, 15]);
      assert.deepEqual([figures.counters.stored, figures.counters.rejected_quota], [2, 2]);
    });

    it('counts chunks in the byte quotas, not the message count', async () => {
      const blob = (recipient: string, fill: number, size: number) => ({ recipient, hash: new Uint8Array(32).fill(fill), data: new Uint8Array(size), at: 1000, expiresAt: 3000 });
      assert.equal(await mailbox.putBlob(blob(bob, 1, 10), limits), 'unknown-recipient');
      assert.equal(await mailbox.putBlob(blob(alice, 1, 90), limits), 'quota');
      assert.equal(await mailbox.putBlob(blob(alice, 1, 40), limits), 'ok');
      assert.equal((await mailbox.getBlob(alice, new Uint8Array(32).fill(1), 2999))?.length, 40);
      assert.equal(await mailbox.getBlob(alice, new Uint8Array(32).fill(1), 3000), undefined, 'expired, even before a sweep');
      assert.equal(await mailbox.dropBlobs(alice, [new Uint8Array(32).fill(1)]), 1);
    });

    it('hands out pending mail in order, deletes what was acknowledged and expires the rest', async () => {
      const pending = await mailbox.pending(alice, 0, 10, 2000);
      assert.deepEqual(pending.map((e) => e.envelope_id[0]), [1, 3]);
      assert.deepEqual((await mailbox.pending(alice, pending[0]!.seq, 10, 2000)).map((e) => e.envelope_id[0]), [3]);
      assert.equal(await mailbox.acknowledge(alice, [new Uint8Array(16).fill(1), new Uint8Array(16).fill(9)]), 1);
      assert.deepEqual(await mailbox.expire(3000), { messages: 1, blobs: 0 });
      const figures = await mailbox.figures();
      assert.deepEqual([figures.messages, figures.bytes, figures.counters.delivered, figures.counters.expired], [0, 0, 1, 1]);
    });

    it('finds held envelopes by id for whoever they are for, and drops them without counting them delivered', async () => {
      await mailbox.register(bob, new Uint8Array([2]), [], 1000);
      assert.equal(await mailbox.deposit(mail(bob, 7), limits), 'stored');
      assert.equal(await mailbox.deposit(mail(alice, 7), limits), 'stored');
      const held = await mailbox.held([new Uint8Array(16).fill(7), new Uint8Array(16).fill(8)]);
      assert.deepEqual(held.map((e) => e.recipient).sort(), [alice, bob].sort());
      const delivered = (await mailbox.figures()).counters.delivered;
      assert.equal(await mailbox.drop(held.filter((e) => e.recipient === bob)), 1);
      assert.deepEqual((await mailbox.held([new Uint8Array(16).fill(7)])).map((e) => e.recipient), [alice]);
      assert.equal((await mailbox.figures()).counters.delivered, delivered, 'a dropped envelope was not delivered');
      assert.equal(await mailbox.drop(held), 1, 'what is gone already is no error');
    });

    it('keeps named counters, setting a first value only once', async () => {
      await mailbox.setCounterIfAbsent('first_started_at', 5);
      await mailbox.setCounterIfAbsent('first_started_at', 9);
      await mailbox.addToCounter('uptime_seconds', 3);
      await mailbox.addToCounter('uptime_seconds', 4);
      assert.equal(await mailbox.counter('first_started_at'), 5);
      assert.equal(await mailbox.counter('uptime_seconds'), 7);
    });
  });
}
