import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { randomBytes } from '@noble/hashes/utils.js';
import { generateSigningKeyPair } from '../../crypto/signing.ts';
import { decodeCbor } from '../../p2p/codec.ts';
import { encodeEnvelope, signEnvelopes } from '../../p2p/envelope.ts';
import type { RelayContext } from '../../relay/relay-context.ts';
import { retract } from '../../relay/retract.ts';
import { createSqliteMailboxStore } from '../../relay/sqlite-mailbox-store.ts';
import { retractStatement } from '../../relay/statements.ts';
import { openTempStore } from '../helpers/store.ts';

const NOW = 1_900_000_000_000;
const RELAY = '12D3KooWRelay';
const CLIENT = '12D3KooWClient';

describe('a sender retracting mail from a relay', () => {
  it("drops only envelopes the signer sent, refuses a bad or stale signature, and ignores ids it does not hold", async () => {
    const store = openTempStore();
    const mailbox = createSqliteMailboxStore(store);
    const penalized: string[] = [];
    const context = { mailbox, network: { peerId: RELAY, guard: { penalize: (peer: string) => penalized.push(peer) } }, now: () => NOW, changed: () => undefined } as unknown as RelayContext;
    const alice = generateSigningKeyPair();
    const mallory = generateSigningKeyPair();
    const bob = randomBytes(32);
    const bobHex = Buffer.from(bob).toString('hex');
    try {
      await mailbox.register(bobHex, new Uint8Array([1]), [], NOW);
      const envelope = (from: typeof alice) => {
        const [signed] = signEnvelopes([{ type: 'dm', id: randomBytes(16), from: from.publicKey, to: bob, ts: NOW, body: new Uint8Array(8) }], from.secretKey);
        return signed!;
      };
      const fromAlice = envelope(alice);
      const fromMallory = envelope(mallory);
      for (const e of [fromAlice, fromMallory]) {
        await mailbox.deposit({ recipient: bobHex, envelope_id: e.id, envelope: encodeEnvelope(e), size: 100, stored_at: NOW, expires_at: NOW + 1000 }, { messagesPerRecipient: 10, bytesPerRecipient: 10_000, totalBytes: 100_000 });
      }
      const ask = (signer: typeof alice, identity: Uint8Array, ids: Uint8Array[], ts = NOW) =>
        retract(context, { op: 'retract', identity, ids, ts, sig: retractStatement.sign(signer.secretKey, { relay: RELAY, client: CLIENT, ids, ts }) }, CLIENT);
      const reply = (bytes: Uint8Array) => decodeCbor(bytes) as { ok?: boolean; dropped?: number; error?: string };

      assert.deepEqual(reply(await ask(mallory, mallory.publicKey, [fromAlice.id])), { ok: true, dropped: 0 }, "Mallory cannot drop Alice's mail");
      assert.equal(reply(await ask(mallory, alice.publicKey, [fromAlice.id])).error, 'unauthorized', "Mallory cannot sign as Alice");
      assert.equal(reply(await ask(alice, alice.publicKey, [fromAlice.id], NOW - 10 * 60_000)).error, 'unauthorized', 'a stale request is refused');
      assert.deepEqual(penalized, [CLIENT, CLIENT], 'refusals cost the peer standing');
      assert.equal((await mailbox.held([fromAlice.id])).length, 1);

      assert.deepEqual(reply(await ask(alice, alice.publicKey, [fromAlice.id, randomBytes(16)])), { ok: true, dropped: 1 });
      assert.equal((await mailbox.held([fromAlice.id])).length, 0);
      assert.equal((await mailbox.held([fromMallory.id])).length, 1, 'the other sender’s mail stays');
    } finally {
      store.stop();
    }
  });
});
