import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAILBOX_REPOSITORY } from '../../relay/mailbox-repository.ts';
import { openTempStore } from '../helpers/store.ts';

describe('relay mailbox', () => {
  it('hands out only mail and chunks within their TTL, even before the sweeper ran', () => {
    const store = openTempStore();
    try {
      const mailbox = store.register(MAILBOX_REPOSITORY)();
      const recipient = 'ab'.repeat(32);
      mailbox.register(recipient, new Uint8Array([1]), 1000);
      const put = (id: number, expires: number) =>
        mailbox.store({ recipient, envelope_id: new Uint8Array(16).fill(id), envelope: new Uint8Array([id]), size: 1, stored_at: 1000, expires_at: expires });
      assert.ok(put(1, 2000));
      assert.ok(put(2, 5000));
      assert.deepEqual(mailbox.pending(recipient, 0, 10, 1500).map((e) => e.envelope[0]), [1, 2]);
      assert.deepEqual(mailbox.pending(recipient, 0, 10, 2000).map((e) => e.envelope[0]), [2], 'expired at 2000, not yet swept');
      assert.deepEqual(mailbox.pending(recipient, 0, 10, 6000), []);

      const hash = new Uint8Array(32).fill(7);
      mailbox.putBlob(recipient, hash, new Uint8Array([9]), 1000, 3000);
      assert.deepEqual([...(mailbox.getBlob(recipient, hash, 2999) ?? [])], [9]);
      assert.equal(mailbox.getBlob(recipient, hash, 3000), undefined);
      assert.deepEqual(mailbox.expire(6000), { messages: 2, blobs: 1 });
    } finally {
      store.stop();
    }
  });
});
