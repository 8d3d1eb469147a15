import { generateDhKeyPair, type DhKeyPair } from '../crypto/x25519.ts';
import { signPrekey, type OneTimePrekey, type SignedPrekey } from '../crypto/x3dh.ts';
import type { Repositories } from '../store/store.ts';
import type { LocalVault } from './vault.ts';

/** How many one-time prekeys an identity keeps in stock, and how many each relay gets to hand out. */
export const ONE_TIME_STOCK = 100;
export const RELAY_SHARE = 25;

export const signedLabel = (identityId: string, id: number): string => `signed-prekey/${identityId}/${id}`;
const oneTimeLabel = (identityId: string, id: number) => `one-time-prekey/${identityId}/${id}`;

export class MissingPrekeyError extends Error {
  override readonly name = 'MissingPrekeyError';
}

/** Creates the signed prekey if there is none, and tops the one-time stock up. */
export function ensurePrekeys(repos: Repositories, vault: LocalVault, identityId: string, identitySecret: Uint8Array, now: number): void {
  if (!repos.prekeys.latestSigned(identityId)) {
    const pair = generateDhKeyPair();
    repos.prekeys.insertSigned({
      identity_id: identityId,
      id: 1,
      public_key: pair.publicKey,
      sealed_secret: vault.seal(signedLabel(identityId, 1), pair.secretKey),
      signature: signPrekey(identitySecret, pair.publicKey),
      created_at: now,
    });
  }
  let missing = ONE_TIME_STOCK - repos.prekeys.countUnassigned(identityId);
  let id = repos.prekeys.nextOneTimeId(identityId);
  while (missing-- > 0) {
    const pair = generateDhKeyPair();
    repos.prekeys.insertOneTime({
      identity_id: identityId,
      id,
      public_key: pair.publicKey,
      sealed_secret: vault.seal(oneTimeLabel(identityId, id), pair.secretKey),
      assigned_to: null,
      created_at: now,
    });
    id++;
  }
}

export function currentSignedPrekey(repos: Repositories, identityId: string): SignedPrekey {
  const row = repos.prekeys.latestSigned(identityId);
  if (!row) throw new MissingPrekeyError(`identity ${identityId} has no signed prekey yet`);
  return { id: row.id, publicKey: row.public_key, signature: row.signature };
}

/** Reserves one-time prekeys for one place to hand out (ourselves, or a relay). */
export function assignOneTimePrekeys(repos: Repositories, identityId: string, assignee: string, count: number): OneTimePrekey[] {
  return repos.prekeys.assignOneTime(identityId, assignee, count).map((row) => ({ id: row.id, publicKey: row.public_key }));
}

/** The private halves named by an incoming session start. */
export function prekeySecrets(
  repos: Repositories,
  vault: LocalVault,
  identityId: string,
  signedId: number,
  oneTimeId: number | null,
): { signed: DhKeyPair; oneTime: DhKeyPair | undefined } {
  const signedRow = repos.prekeys.getSigned(identityId, signedId);
  if (!signedRow) throw new MissingPrekeyError(`no signed prekey ${signedId}`);
  const signed = { publicKey: signedRow.public_key, secretKey: vault.open(signedLabel(identityId, signedId), signedRow.sealed_secret) };
  if (oneTimeId === null) return { signed, oneTime: undefined };
  const oneTimeRow = repos.prekeys.getOneTime(identityId, oneTimeId);
  // A one-time prekey used before is gone: a second session start with it is a replay.
  if (!oneTimeRow) throw new MissingPrekeyError(`one-time prekey ${oneTimeId} was already used or never existed`);
  return {
    signed,
    oneTime: { publicKey: oneTimeRow.public_key, secretKey: vault.open(oneTimeLabel(identityId, oneTimeId), oneTimeRow.sealed_secret) },
  };
}
