import { concatBytes, randomBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import { openWithMessageKey, sealWithMessageKey, stepChain } from './double-ratchet.ts';
import { generateSigningKeyPair, signWithContext, verifyWithContext } from './signing.ts';

/** Most message keys one message may make us derive and store. */
export const MAX_SKIP = 1000;
/** Bound on stored skipped keys, so a sender cannot grow our state without limit. */
export const MAX_SKIPPED_KEYS = 2000;

const KEY_BYTES = 32;
const MAX_UINT32 = 0xffff_ffff;
const SIGNATURE_CONTEXT = 'dchat/sender-key/v1';
const MESSAGE_INFO = utf8ToBytes('dchat/sender-key-message/v1');

export class SenderKeyError extends Error {
  override readonly name = 'SenderKeyError';
}

/**
 * One sender's chain in one group. Plain data so it can be CBOR-encoded; treated as an immutable
 * value (operations return a new state, the old one must be discarded once the new one is stored).
 * `iteration` is the next iteration to send, or the next one expected from the sender.
 */
export interface SenderKeyState {
  keyId: number;
  iteration: number;
  chainKey: Uint8Array;
  signingPublic: Uint8Array;
  /** Only on the sender's own state: every member knows the chain key, so only this proves authorship. */
  signingSecret?: Uint8Array | undefined;
  skipped: Array<{ iteration: number; mk: Uint8Array }>;
}

export interface SenderKeyDistribution {
  keyId: number;
  iteration: number;
  chainKey: Uint8Array;
  signingPublic: Uint8Array;
}

export interface SenderKeyMessage {
  keyId: number;
  iteration: number;
  ciphertext: Uint8Array;
  signature: Uint8Array;
}

/** A new key is created whenever membership shrinks, so removed members cannot read what follows. */
export function createSenderKey(keyId: number): SenderKeyState {
  if (!isUint32(keyId)) throw new SenderKeyError('keyId must be a uint32');
  const signing = generateSigningKeyPair();
  return {
    keyId,
    iteration: 0,
    chainKey: randomBytes(KEY_BYTES),
    signingPublic: signing.publicKey,
    signingSecret: signing.secretKey,
    skipped: [],
  };
}

/** Built field by field so the signing secret can never ride along, whatever the state holds. */
export function senderKeyDistribution(state: SenderKeyState): SenderKeyDistribution {
  return {
    keyId: state.keyId,
    iteration: state.iteration,
    chainKey: state.chainKey.slice(),
    signingPublic: state.signingPublic.slice(),
  };
}

export function senderKeyFromDistribution(d: SenderKeyDistribution): SenderKeyState {
  if (!isUint32(d.keyId) || !isUint32(d.iteration)) throw new SenderKeyError('keyId and iteration must be uint32');
  if (d.chainKey.length !== KEY_BYTES || d.signingPublic.length !== KEY_BYTES) {
    throw new SenderKeyError('chain key and signing key must be 32 bytes');
  }
  return {
    keyId: d.keyId,
    iteration: d.iteration,
    chainKey: d.chainKey.slice(),
    signingPublic: d.signingPublic.slice(),
    skipped: [],
  };
}

/**
 * `senderAuthenticated`: the message travels inside something the sender already signed with
 * their identity key (dchat's signed envelopes). Other members hold the chain key and could
 * encrypt in the sender's name, but cannot sign as the sender, so the per-message sender-key
 * signature would only repeat that check at the cost of an Ed25519 signature and verification.
 */
export interface SenderKeyOptions {
  readonly senderAuthenticated?: boolean;
}

export function senderKeyEncrypt(
  state: SenderKeyState,
  plaintext: Uint8Array,
  associatedData: Uint8Array,
  options: SenderKeyOptions = {},
): { state: SenderKeyState; message: SenderKeyMessage } {
  if (!state.signingSecret) throw new SenderKeyError('only the owner of a sender key (with its signing secret) can send');
  if (state.iteration >= MAX_UINT32) throw new SenderKeyError('sender key exhausted; create a new one');
  const { messageKey, chainKey } = stepChain(state.chainKey);
  const { keyId, iteration } = state;
  const ciphertext = sealWithMessageKey(messageKey, MESSAGE_INFO, plaintext, cipherAssociatedData(associatedData, keyId, iteration));
  const signature = options.senderAuthenticated
    ? new Uint8Array(0)
    : signWithContext(SIGNATURE_CONTEXT, state.signingSecret, signedPayload(keyId, iteration, ciphertext, associatedData));
  return {
    state: { ...state, iteration: iteration + 1, chainKey },
    message: { keyId, iteration, ciphertext, signature },
  };
}

/** Pure: on any failure the caller's state is untouched and still decrypts genuine messages. */
export function senderKeyDecrypt(
  state: SenderKeyState,
  message: SenderKeyMessage,
  associatedData: Uint8Array,
  options: SenderKeyOptions = {},
): { state: SenderKeyState; plaintext: Uint8Array } {
  const { keyId, iteration, ciphertext, signature } = message;
  if (keyId !== state.keyId) throw new SenderKeyError(`message is for sender key ${keyId}, we hold ${state.keyId}`);
  if (!isUint32(iteration)) throw new SenderKeyError('iteration must be a uint32');
  if (!(ciphertext instanceof Uint8Array) || !(signature instanceof Uint8Array)) {
    throw new SenderKeyError('ciphertext and signature must be bytes');
  }
  // Verified before any key derivation: other members hold the chain key too and could forge.
  if (!options.senderAuthenticated && !verifyWithContext(SIGNATURE_CONTEXT, state.signingPublic, signedPayload(keyId, iteration, ciphertext, associatedData), signature)) {
    throw new SenderKeyError('signature does not verify under the sender signing key');
  }
  const ad = cipherAssociatedData(associatedData, keyId, iteration);

  if (iteration < state.iteration) {
    const index = state.skipped.findIndex((k) => k.iteration === iteration);
    const skippedKey = state.skipped[index];
    if (!skippedKey) throw new SenderKeyError(`iteration ${iteration} already used or expired (replay?)`);
    const plaintext = openOrThrow(skippedKey.mk, ciphertext, ad);
    return { state: { ...state, skipped: state.skipped.filter((_, i) => i !== index) }, plaintext };
  }

  if (iteration - state.iteration > MAX_SKIP) throw new SenderKeyError(`message would skip more than ${MAX_SKIP} keys`);
  const skipped = [...state.skipped];
  let chainKey = state.chainKey;
  for (let i = state.iteration; i < iteration; i += 1) {
    const step = stepChain(chainKey);
    skipped.push({ iteration: i, mk: step.messageKey });
    chainKey = step.chainKey;
  }
  const { messageKey, chainKey: nextChainKey } = stepChain(chainKey);
  const plaintext = openOrThrow(messageKey, ciphertext, ad);
  return {
    state: {
      ...state,
      iteration: iteration + 1,
      chainKey: nextChainKey,
      skipped: skipped.length > MAX_SKIPPED_KEYS ? skipped.slice(-MAX_SKIPPED_KEYS) : skipped,
    },
    plaintext,
  };
}

function cipherAssociatedData(associatedData: Uint8Array, keyId: number, iteration: number): Uint8Array {
  return concatBytes(associatedData, uint32(keyId), uint32(iteration));
}

/** The ciphertext is length-prefixed so no bytes can be shifted between it and the associated data. */
function signedPayload(keyId: number, iteration: number, ciphertext: Uint8Array, associatedData: Uint8Array): Uint8Array {
  return concatBytes(uint32(keyId), uint32(iteration), uint32(ciphertext.length), ciphertext, associatedData);
}

function openOrThrow(messageKey: Uint8Array, ciphertext: Uint8Array, associatedData: Uint8Array): Uint8Array {
  const plaintext = openWithMessageKey(messageKey, MESSAGE_INFO, ciphertext, associatedData);
  if (!plaintext) throw new SenderKeyError('message failed to authenticate');
  return plaintext;
}

function uint32(value: number): Uint8Array {
  const bytes = new Uint8Array(4);
  new DataView(bytes.buffer).setUint32(0, value);
  return bytes;
}

function isUint32(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= MAX_UINT32;
}
