import { sha256 } from '@noble/hashes/sha2.js';
import { defineStatement } from '../crypto/statements.ts';
import { encodeCbor } from '../p2p/codec.ts';

/**
 * What an identity signs when it talks to a relay. Each names the relay and the client peer, so
 * a statement made for one relay or connection is worthless at another; the timestamped ones are
 * also refused when stale.
 */

/** The relay's and the client's libp2p peer ids. */
interface Parties {
  readonly relay: string;
  readonly client: string;
}

export type SignedPrekeyWire = readonly [id: number, publicKey: Uint8Array, signature: Uint8Array];
export type OneTimePrekeyWire = readonly [id: number, publicKey: Uint8Array];

/** "Keep mail for me": my identity record (by hash), signed prekey and this relay's one-time prekeys. */
export const registrationStatement = defineStatement<Parties & { ts: number; record: Uint8Array; spk: SignedPrekeyWire; opks: readonly OneTimePrekeyWire[] }>(
  'dchat/relay-register/v1',
  (f) => encodeCbor([f.relay, f.client, f.ts, sha256(f.record), f.spk, f.opks]),
);

/** "Push my mail to this connection." */
export const subscriptionStatement = defineStatement<Parties & { ts: number }>('dchat/relay-subscribe/v1', (f) => encodeCbor([f.relay, f.client, f.ts]));

/** "Delete these attachment chunks you hold for my recipients." */
export const blobDropStatement = defineStatement<Parties & { hashes: readonly Uint8Array[]; ts: number }>('dchat/relay-drop-blobs/v1', (f) =>
  encodeCbor([f.relay, f.client, f.hashes, f.ts]),
);

/** "Drop these envelopes of mine you still hold" (their message was deleted for everyone). Signed by the sender. */
export const retractStatement = defineStatement<Parties & { ids: readonly Uint8Array[]; ts: number }>('dchat/relay-retract/v1', (f) => encodeCbor([f.relay, f.client, f.ids, f.ts]));

/** "I have these envelopes; the relay may delete them." Signed by the recipient. */
export const mailboxReceiptStatement = defineStatement<{ relay: string; ids: readonly Uint8Array[] }>('dchat/mailbox-receipt/v1', (f) => encodeCbor([f.relay, f.ids]));
