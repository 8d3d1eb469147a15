import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { randomBytes } from '@noble/hashes/utils.js';
import { generateSigningKeyPair } from '../../crypto/signing.ts';
import { decodeCbor } from '../../p2p/codec.ts';
import { encodeEnvelope, signEnvelopes } from '../../p2p/envelope.ts';
import { createDeposit, keptUntil } from '../../relay/deposit.ts';
import type { RelayContext } from '../../relay/relay-context.ts';
import { createSqliteMailboxStore } from '../../relay/sqlite-mailbox-store.ts';
import { openTempStore } from '../helpers/store.ts';

const NOW = 1_900_000_000_000;
const TTL_MS = 3_600_000;
const counter = { inc: () => undefined };

describe('how long a relay keeps a deposit', () => {
  it("the relay's TTL from the envelope's time; a shorter time asked for is counted from the deposit", () => {
    assert.equal(keptUntil(NOW - 1000, NOW, TTL_MS, undefined), NOW - 1000 + TTL_MS);
    assert.equal(keptUntil(NOW - 20_000, NOW, TTL_MS, 10), NOW + 10_000, 'a disappearing message deposited 20 s late keeps the 10 s it has left');
    assert.equal(keptUntil(NOW - 1000, NOW, TTL_MS, 7 * 24 * 3600), NOW - 1000 + TTL_MS, 'never longer than the relay keeps anything');
    assert.equal(keptUntil(NOW + 5000, NOW, TTL_MS, undefined), NOW + TTL_MS, "a sender's clock ahead of ours buys nothing");
  });

  it('a disappearing message deposited late is still handed out for the time it has left', async () => {
    const store = openTempStore();
    const mailbox = createSqliteMailboxStore(store);
    const limits = { ttlMs: TTL_MS, messagesPerRecipient: 10, bytesPerRecipient: 100_000, totalBytes: 1_000_000 };
    const context = {
      mailbox,
      limits,
      metrics: { stored: counter, refused: counter, delivered: counter, expired: counter },
      pushes: { notify: () => undefined },
      network: { peerId: '12D3KooWRelay', guard: { penalize: () => undefined } },
      now: () => NOW,
      changed: () => undefined,
    } as unknown as RelayContext;
    const alice = generateSigningKeyPair();
    const bob = randomBytes(32);
    const bobHex = Buffer.from(bob).toString('hex');
    try {
      await mailbox.register(bobHex, new Uint8Array([1]), [], NOW);
      // Made 20 s ago with a 30 s timer (its sender could not reach a relay until now): 10 s left.
      const [late] = signEnvelopes([{ type: 'dm', id: randomBytes(16), from: alice.publicKey, to: bob, ts: NOW - 20_000, body: new Uint8Array(8) }], alice.secretKey);
      const reply = decodeCbor(await createDeposit(context)(encodeEnvelope(late!), undefined, '12D3KooWAlice', 10)) as { ok?: boolean };
      assert.equal(reply.ok, true);
      const [held] = await mailbox.held([late!.id]);
      assert.equal(held?.expires_at, NOW + 10_000);
      assert.equal((await mailbox.pending(bobHex, 0, 10, NOW + 9_000)).length, 1, 'handed out within its time');
      assert.equal((await mailbox.pending(bobHex, 0, 10, NOW + 10_000)).length, 0, 'and not after');
    } finally {
      store.stop();
    }
  });
});
