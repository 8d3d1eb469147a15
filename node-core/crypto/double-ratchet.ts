import { xchacha20poly1305 } from './xchacha.ts';
import { equalBytes } from '@noble/ciphers/utils.js';
import { concatBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import { dh, generateDhKeyPair, InvalidKeyError } from './x25519.ts';
import { hkdfSha256, hmacSha256 } from './kdf.ts';

/** Most message keys one message may make us derive and store for a single chain. */
export const MAX_SKIP = 1000;
/** Bound on stored skipped keys, so a peer cannot grow our state without limit. */
export const MAX_SKIPPED_KEYS = 2000;

const KEY_BYTES = 32;
const NONCE_BYTES = 24;
const HEADER_BYTES = KEY_BYTES + 4 + 4;
const MAX_UINT32 = 0xffff_ffff;
const ZERO_SALT = new Uint8Array(KEY_BYTES);
const ROOT_INFO = utf8ToBytes('dchat/ratchet-root/v1');
const MESSAGE_INFO = utf8ToBytes('dchat/ratchet-message/v1');
const MESSAGE_KEY_INPUT = new Uint8Array([0x01]);
const CHAIN_KEY_INPUT = new Uint8Array([0x02]);

export class RatchetError extends Error {
  override readonly name = 'RatchetError';
}

export interface RatchetHeader {
  dh: Uint8Array;
  pn: number;
  n: number;
}

export interface RatchetMessage {
  header: RatchetHeader;
  ciphertext: Uint8Array;
}

export interface SkippedMessageKey {
  dh: Uint8Array;
  n: number;
  mk: Uint8Array;
}

/**
 * Plain data only (no classes, Maps or Sets) so it can be CBOR-encoded and stored as is. Treat a
 * state as an immutable value: every operation returns a new one, and keeping the old one around
 * is how a caller rolls back, so once a new state is stored the old one must be discarded, or its
 * keys outlive the forward secrecy this protocol exists to provide.
 */
export interface RatchetState {
  ourRatchetKey: { publicKey: Uint8Array; secretKey: Uint8Array };
  theirRatchetKey: Uint8Array | null;
  rootKey: Uint8Array;
  sendingChainKey: Uint8Array | null;
  receivingChainKey: Uint8Array | null;
  sendCount: number;
  receiveCount: number;
  previousSendCount: number;
  skipped: SkippedMessageKey[];
}

/** Alice, right after X3DH: Bob's signed prekey is his first ratchet key. */
export function initSender(sharedSecret: Uint8Array, theirRatchetPublic: Uint8Array): RatchetState {
  const ourRatchetKey = generateDhKeyPair();
  const [rootKey, sendingChainKey] = kdfRoot(sharedSecret, ratchetDh(ourRatchetKey.secretKey, theirRatchetPublic));
  return {
    ourRatchetKey: { publicKey: ourRatchetKey.publicKey, secretKey: ourRatchetKey.secretKey },
    theirRatchetKey: theirRatchetPublic.slice(),
    rootKey,
    sendingChainKey,
    receivingChainKey: null,
    sendCount: 0,
    receiveCount: 0,
    previousSendCount: 0,
    skipped: [],
  };
}

/** Bob, whose signed prekey pair Alice used; he can only send once her first message arrives. */
export function initReceiver(
  sharedSecret: Uint8Array,
  ourRatchetKeyPair: { publicKey: Uint8Array; secretKey: Uint8Array },
): RatchetState {
  return {
    ourRatchetKey: { publicKey: ourRatchetKeyPair.publicKey.slice(), secretKey: ourRatchetKeyPair.secretKey.slice() },
    theirRatchetKey: null,
    rootKey: sharedSecret.slice(),
    sendingChainKey: null,
    receivingChainKey: null,
    sendCount: 0,
    receiveCount: 0,
    previousSendCount: 0,
    skipped: [],
  };
}

export function ratchetEncrypt(
  state: RatchetState,
  plaintext: Uint8Array,
  associatedData: Uint8Array,
): { state: RatchetState; message: RatchetMessage } {
  if (!state.sendingChainKey) throw new RatchetError('cannot send before the first message from the peer arrives');
  const { messageKey, chainKey } = stepChain(state.sendingChainKey);
  const header: RatchetHeader = { dh: state.ourRatchetKey.publicKey.slice(), pn: state.previousSendCount, n: state.sendCount };
  const ciphertext = sealWithMessageKey(messageKey, MESSAGE_INFO, plaintext, concatBytes(associatedData, encodeHeader(header)));
  return {
    state: { ...state, sendingChainKey: chainKey, sendCount: state.sendCount + 1 },
    message: { header, ciphertext },
  };
}

/**
 * Works on a private copy throughout, so a forged, tampered or replayed message leaves the
 * caller's state exactly as it was (the spec's "discard changes on failure" for free).
 */
export function ratchetDecrypt(
  state: RatchetState,
  message: RatchetMessage,
  associatedData: Uint8Array,
): { state: RatchetState; plaintext: Uint8Array } {
  const { header } = message;
  const headerBytes = encodeHeader(header);
  const ad = concatBytes(associatedData, headerBytes);

  const skippedIndex = state.skipped.findIndex((k) => k.n === header.n && equalBytes(k.dh, header.dh));
  const skippedKey = state.skipped[skippedIndex];
  if (skippedKey) {
    const plaintext = openOrThrow(skippedKey.mk, message.ciphertext, ad);
    // Deleting the key once used is what makes a replay of this message fail later.
    const skipped = state.skipped.filter((_, i) => i !== skippedIndex);
    return { state: { ...state, skipped }, plaintext };
  }

  let next: RatchetState = { ...state, skipped: [...state.skipped] };
  const sameChain = next.theirRatchetKey !== null && equalBytes(next.theirRatchetKey, header.dh);
  if (sameChain) {
    if (header.n < next.receiveCount) throw new RatchetError('message key already used or expired (replay?)');
  } else {
    next = skipMessageKeys(next, header.pn);
    next = dhRatchetStep(next, header.dh);
  }
  next = skipMessageKeys(next, header.n);
  if (!next.receivingChainKey) throw new RatchetError('no receiving chain');
  const { messageKey, chainKey } = stepChain(next.receivingChainKey);
  const plaintext = openOrThrow(messageKey, message.ciphertext, ad);
  return { state: { ...next, receivingChainKey: chainKey, receiveCount: next.receiveCount + 1 }, plaintext };
}

/** Fixed 40-byte layout (dh || pn || n, big-endian) so the header can be authenticated as AD. */
export function encodeHeader(header: RatchetHeader): Uint8Array {
  if (!(header.dh instanceof Uint8Array) || header.dh.length !== KEY_BYTES) {
    throw new RatchetError('header ratchet key must be 32 bytes');
  }
  if (!isUint32(header.pn) || !isUint32(header.n)) throw new RatchetError('header counters must be uint32');
  const bytes = new Uint8Array(HEADER_BYTES);
  bytes.set(header.dh, 0);
  const view = new DataView(bytes.buffer);
  view.setUint32(KEY_BYTES, header.pn);
  view.setUint32(KEY_BYTES + 4, header.n);
  return bytes;
}

export function decodeHeader(bytes: Uint8Array): RatchetHeader {
  if (bytes.length !== HEADER_BYTES) throw new RatchetError(`header must be ${HEADER_BYTES} bytes`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { dh: bytes.slice(0, KEY_BYTES), pn: view.getUint32(KEY_BYTES), n: view.getUint32(KEY_BYTES + 4) };
}

/** KDF_CK, shared with sender keys: one message key per step, and the chain only moves forward. */
export function stepChain(chainKey: Uint8Array): { messageKey: Uint8Array; chainKey: Uint8Array } {
  return { messageKey: hmacSha256(chainKey, MESSAGE_KEY_INPUT), chainKey: hmacSha256(chainKey, CHAIN_KEY_INPUT) };
}

/**
 * Each message key is used exactly once, so key and nonce can both come from it deterministically;
 * `info` keeps keys of different protocols (pairwise, group) from ever being interchangeable.
 */
export function sealWithMessageKey(
  messageKey: Uint8Array,
  info: Uint8Array,
  plaintext: Uint8Array,
  associatedData: Uint8Array,
): Uint8Array {
  const { key, nonce } = messageCipherParams(messageKey, info);
  return xchacha20poly1305(key, nonce, associatedData).encrypt(plaintext);
}

/** Returns undefined on a wrong key or tampered data, leaving the error type to the protocol. */
export function openWithMessageKey(
  messageKey: Uint8Array,
  info: Uint8Array,
  ciphertext: Uint8Array,
  associatedData: Uint8Array,
): Uint8Array | undefined {
  const { key, nonce } = messageCipherParams(messageKey, info);
  try {
    return xchacha20poly1305(key, nonce, associatedData).decrypt(ciphertext);
  } catch {
    return undefined;
  }
}

function messageCipherParams(messageKey: Uint8Array, info: Uint8Array): { key: Uint8Array; nonce: Uint8Array } {
  const okm = hkdfSha256(messageKey, ZERO_SALT, info, KEY_BYTES + NONCE_BYTES);
  return { key: okm.slice(0, KEY_BYTES), nonce: okm.slice(KEY_BYTES) };
}

function openOrThrow(messageKey: Uint8Array, ciphertext: Uint8Array, associatedData: Uint8Array): Uint8Array {
  const plaintext = openWithMessageKey(messageKey, MESSAGE_INFO, ciphertext, associatedData);
  if (!plaintext) throw new RatchetError('message failed to authenticate');
  return plaintext;
}

function kdfRoot(rootKey: Uint8Array, dhOutput: Uint8Array): [rootKey: Uint8Array, chainKey: Uint8Array] {
  const okm = hkdfSha256(dhOutput, rootKey, ROOT_INFO, 2 * KEY_BYTES);
  return [okm.slice(0, KEY_BYTES), okm.slice(KEY_BYTES)];
}

function ratchetDh(secretKey: Uint8Array, publicKey: Uint8Array): Uint8Array {
  try {
    return dh(secretKey, publicKey);
  } catch (cause) {
    if (cause instanceof InvalidKeyError) throw new RatchetError(`unusable ratchet key: ${cause.message}`, { cause });
    throw cause;
  }
}

/** A fresh key pair per step is what heals the session after a state compromise. */
function dhRatchetStep(state: RatchetState, theirRatchetKey: Uint8Array): RatchetState {
  const [rootAfterReceive, receivingChainKey] = kdfRoot(state.rootKey, ratchetDh(state.ourRatchetKey.secretKey, theirRatchetKey));
  const ourRatchetKey = generateDhKeyPair();
  const [rootKey, sendingChainKey] = kdfRoot(rootAfterReceive, ratchetDh(ourRatchetKey.secretKey, theirRatchetKey));
  return {
    ...state,
    ourRatchetKey: { publicKey: ourRatchetKey.publicKey, secretKey: ourRatchetKey.secretKey },
    theirRatchetKey: theirRatchetKey.slice(),
    rootKey,
    sendingChainKey,
    receivingChainKey,
    previousSendCount: state.sendCount,
    sendCount: 0,
    receiveCount: 0,
  };
}

/** Keeps keys for messages not yet arrived; expects `state.skipped` to be a private copy. */
function skipMessageKeys(state: RatchetState, until: number): RatchetState {
  if (!state.receivingChainKey || !state.theirRatchetKey) return state;
  if (until - state.receiveCount > MAX_SKIP) {
    throw new RatchetError(`message would skip more than ${MAX_SKIP} message keys`);
  }
  let chainKey = state.receivingChainKey;
  let receiveCount = state.receiveCount;
  const skipped = state.skipped;
  while (receiveCount < until) {
    const step = stepChain(chainKey);
    skipped.push({ dh: state.theirRatchetKey, n: receiveCount, mk: step.messageKey });
    chainKey = step.chainKey;
    receiveCount += 1;
  }
  return {
    ...state,
    receivingChainKey: chainKey,
    receiveCount,
    skipped: skipped.length > MAX_SKIPPED_KEYS ? skipped.slice(-MAX_SKIPPED_KEYS) : skipped,
  };
}

function isUint32(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= MAX_UINT32;
}
