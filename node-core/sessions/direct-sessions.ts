import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { z } from 'zod';
import {
  decodeHeader,
  encodeHeader,
  initReceiver,
  initSender,
  ratchetDecrypt,
  ratchetEncrypt,
  RatchetError,
  type RatchetState,
} from '../crypto/double-ratchet.ts';
import { verifySignedPrekey, x3dhInitiate, x3dhRespond, type PrekeyBundle } from '../crypto/x3dh.ts';
import { decodeCbor, encodeCbor } from '../p2p/codec.ts';
import type { Repositories } from '../store/store.ts';
import { prekeySecrets, MissingPrekeyError } from './prekeys.ts';
import type { LocalVault } from './vault.ts';

/**
 * 1:1 end-to-end encryption: X3DH to start a session from the other side's prekey bundle, then
 * the Double Ratchet. Everything here runs inside a store transaction, so reading a session,
 * advancing it and saving it is atomic with the message that caused it.
 *
 * Body of a direct envelope (CBOR): [init, header, ciphertext], where init is
 * [ephemeral public, signed prekey id, one-time prekey id or null] on messages sent before the
 * other side has answered, and null afterwards.
 */

const MAX_SESSIONS_PER_PEER = 3;

export class NoSessionError extends Error {
  override readonly name = 'NoSessionError';
}
export class DecryptFailedError extends Error {
  override readonly name = 'DecryptFailedError';
}

interface StoredSession {
  readonly ad: Uint8Array;
  readonly ratchet: RatchetState;
}

type Init = [Uint8Array, number, number | null];

const bodySchema = z.tuple([
  z.union([z.null(), z.tuple([z.instanceof(Uint8Array), z.number().int().nonnegative(), z.number().int().nonnegative().nullable()])]),
  z.instanceof(Uint8Array),
  z.instanceof(Uint8Array),
]);

const stateLabel = (local: string, remote: string, sessionId: string) => `session/${local}/${remote}/${sessionId}`;
const sessionIdOf = (ephemeral: Uint8Array) => bytesToHex(sha256(ephemeral)).slice(0, 32);

function save(
  repos: Repositories,
  vault: LocalVault,
  local: string,
  remote: string,
  sessionId: string,
  state: StoredSession,
  pendingInit: Uint8Array | null,
  now: number,
  isNew = false,
): void {
  repos.sessions.put({
    local_identity: local,
    remote_identity: remote,
    session_id: sessionId,
    sealed_state: vault.sealValue(stateLabel(local, remote, sessionId), state),
    pending_init: pendingInit,
    last_used_at: now,
  });
  if (isNew) repos.sessions.prune(local, remote, MAX_SESSIONS_PER_PEER);
}

export function hasSession(repos: Repositories, local: string, remote: string): boolean {
  return repos.sessions.latest(local, remote) !== undefined;
}

/** Starts a session as the initiator from a verified prekey bundle (X3DH). */
export function startSession(
  repos: Repositories,
  vault: LocalVault,
  local: { id: string; secretKey: Uint8Array },
  bundle: PrekeyBundle,
  now: number,
): void {
  if (!verifySignedPrekey(bundle.identityKey, bundle.signedPrekey)) throw new DecryptFailedError('the prekey bundle is not signed by its identity');
  const x = x3dhInitiate({ publicKey: hexToBytes(local.id), secretKey: local.secretKey }, bundle);
  const ratchet = initSender(x.sharedSecret, bundle.signedPrekey.publicKey);
  const init: Init = [x.ephemeralPublic, x.signedPrekeyId, x.oneTimePrekeyId ?? null];
  save(repos, vault, local.id, bytesToHex(bundle.identityKey), sessionIdOf(x.ephemeralPublic), { ad: x.associatedData, ratchet }, encodeCbor(init), now, true);
}

/** Encrypts with the most recently used session; throws NoSessionError when there is none. */
export function encryptDirect(repos: Repositories, vault: LocalVault, local: string, remote: string, plaintext: Uint8Array, now: number): Uint8Array {
  const row = repos.sessions.latest(local, remote);
  if (!row) throw new NoSessionError(`no session with ${remote}`);
  const stored = vault.openValue<StoredSession>(stateLabel(local, remote, row.session_id), row.sealed_state);
  const { state, message } = ratchetEncrypt(stored.ratchet, plaintext, stored.ad);
  save(repos, vault, local, remote, row.session_id, { ad: stored.ad, ratchet: state }, row.pending_init, now);
  const init = row.pending_init ? (decodeCbor(row.pending_init) as Init) : null;
  return encodeCbor([init, encodeHeader(message.header), message.ciphertext]);
}

/**
 * Decrypts a direct envelope body from `remote`. A body that starts a session creates it from our
 * prekeys (the one-time prekey is then deleted); otherwise each session with that peer is tried,
 * newest first. The session that decrypts becomes the one we answer on.
 */
export function decryptDirect(
  repos: Repositories,
  vault: LocalVault,
  local: { id: string; secretKey: Uint8Array },
  remote: Uint8Array,
  body: Uint8Array,
  now: number,
): Uint8Array {
  const parsed = bodySchema.safeParse(decodeCbor(body));
  if (!parsed.success) throw new DecryptFailedError('malformed message body');
  const [init, headerBytes, ciphertext] = parsed.data;
  const remoteHex = bytesToHex(remote);
  let header;
  try {
    header = decodeHeader(headerBytes);
  } catch {
    throw new DecryptFailedError('malformed ratchet header');
  }
  const message = { header, ciphertext };

  const attempt = (sessionId: string, stored: StoredSession, isNew = false): Uint8Array | undefined => {
    try {
      const { state, plaintext } = ratchetDecrypt(stored.ratchet, message, stored.ad);
      // Hearing from the other side on a session we started means they have it: stop sending X3DH.
      save(repos, vault, local.id, remoteHex, sessionId, { ad: stored.ad, ratchet: state }, null, now, isNew);
      return plaintext;
    } catch (err) {
      if (err instanceof RatchetError) return undefined;
      throw err;
    }
  };

  if (init) {
    const [ephemeral, signedId, oneTimeId] = init;
    const sessionId = sessionIdOf(ephemeral);
    const existing = repos.sessions.get(local.id, remoteHex, sessionId);
    if (existing) {
      const stored = vault.openValue<StoredSession>(stateLabel(local.id, remoteHex, sessionId), existing.sealed_state);
      const plaintext = attempt(sessionId, stored);
      if (plaintext) return plaintext;
      throw new DecryptFailedError('the message does not decrypt in its session (replayed or tampered)');
    }
    let secrets;
    try {
      secrets = prekeySecrets(repos, vault, local.id, signedId, oneTimeId);
    } catch (err) {
      if (err instanceof MissingPrekeyError) throw new DecryptFailedError(err.message);
      throw err;
    }
    let agreement;
    try {
      agreement = x3dhRespond({ publicKey: hexToBytes(local.id), secretKey: local.secretKey }, secrets.signed, secrets.oneTime, remote, ephemeral);
    } catch (err) {
      throw new DecryptFailedError(`cannot start the session: ${(err as Error).message}`);
    }
    const ratchet = initReceiver(agreement.sharedSecret, secrets.signed);
    const plaintext = attempt(sessionId, { ad: agreement.associatedData, ratchet }, true);
    if (!plaintext) throw new DecryptFailedError('the first message of a new session does not decrypt');
    if (oneTimeId !== null) repos.prekeys.deleteOneTime(local.id, oneTimeId);
    return plaintext;
  }

  for (const row of repos.sessions.list(local.id, remoteHex)) {
    const stored = vault.openValue<StoredSession>(stateLabel(local.id, remoteHex, row.session_id), row.sealed_state);
    const plaintext = attempt(row.session_id, stored);
    if (plaintext) return plaintext;
  }
  throw new DecryptFailedError('no session decrypts this message (replayed, tampered, or from a forgotten session)');
}
