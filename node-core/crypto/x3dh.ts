import { concatBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import { signWithContext, verifyWithContext } from './signing.ts';
import { dh, generateDhKeyPair, identityDhPublic, identityDhSecret, InvalidKeyError } from './x25519.ts';
import { hkdfSha256 } from './kdf.ts';

const SIGNED_PREKEY_CONTEXT = 'dchat/signed-prekey/v1';
const X3DH_INFO = utf8ToBytes('dchat/x3dh/v1');
const KEY_BYTES = 32;
/** X3DH §2.2: 32 0xFF bytes in front of the DH outputs keep X25519 inputs apart from XEdDSA ones. */
const DOMAIN_PREFIX = new Uint8Array(KEY_BYTES).fill(0xff);
const ZERO_SALT = new Uint8Array(KEY_BYTES);

export class X3dhError extends Error {
  override readonly name = 'X3dhError';
}

export interface KeyPair {
  readonly publicKey: Uint8Array;
  readonly secretKey: Uint8Array;
}

export interface SignedPrekey {
  id: number;
  publicKey: Uint8Array;
  signature: Uint8Array;
}

export interface OneTimePrekey {
  id: number;
  publicKey: Uint8Array;
}

export interface PrekeyBundle {
  /** Ed25519 public identity key; converted to X25519 for the key agreement. */
  identityKey: Uint8Array;
  signedPrekey: SignedPrekey;
  oneTimePrekey?: OneTimePrekey | undefined;
}

export interface X3dhInitiation {
  sharedSecret: Uint8Array;
  associatedData: Uint8Array;
  ephemeralPublic: Uint8Array;
  signedPrekeyId: number;
  oneTimePrekeyId: number | undefined;
}

export interface X3dhAgreement {
  sharedSecret: Uint8Array;
  associatedData: Uint8Array;
}

export function signPrekey(identitySecret: Uint8Array, prekeyPublic: Uint8Array): Uint8Array {
  return signWithContext(SIGNED_PREKEY_CONTEXT, identitySecret, prekeyPublic);
}

export function verifySignedPrekey(identityKey: Uint8Array, signedPrekey: SignedPrekey): boolean {
  if (signedPrekey.publicKey.length !== KEY_BYTES) return false;
  return verifyWithContext(SIGNED_PREKEY_CONTEXT, identityKey, signedPrekey.publicKey, signedPrekey.signature);
}

/** Alice's side: agree on a secret with Bob from his published bundle, without Bob being online. */
export function x3dhInitiate(ours: KeyPair, bundle: PrekeyBundle): X3dhInitiation {
  // Without this check a relay could substitute its own prekey and sit in the middle.
  if (!verifySignedPrekey(bundle.identityKey, bundle.signedPrekey)) {
    throw new X3dhError('signed prekey signature does not verify under the bundle identity key');
  }
  const ephemeral = generateDhKeyPair();
  const sharedSecret = agree(() => {
    const ourIdentity = identityDhSecret(ours.secretKey);
    const theirIdentity = identityDhPublic(bundle.identityKey);
    const signedPrekey = bundle.signedPrekey.publicKey;
    const outputs = [
      dh(ourIdentity, signedPrekey),
      dh(ephemeral.secretKey, theirIdentity),
      dh(ephemeral.secretKey, signedPrekey),
    ];
    if (bundle.oneTimePrekey) outputs.push(dh(ephemeral.secretKey, bundle.oneTimePrekey.publicKey));
    return outputs;
  });
  return {
    sharedSecret,
    associatedData: concatBytes(ours.publicKey, bundle.identityKey),
    ephemeralPublic: ephemeral.publicKey,
    signedPrekeyId: bundle.signedPrekey.id,
    oneTimePrekeyId: bundle.oneTimePrekey?.id,
  };
}

/** Bob's side, on receiving Alice's initial message; the associated data lists the initiator first. */
export function x3dhRespond(
  ours: KeyPair,
  signedPrekey: KeyPair,
  oneTimePrekey: KeyPair | undefined,
  theirIdentityKey: Uint8Array,
  theirEphemeral: Uint8Array,
): X3dhAgreement {
  const sharedSecret = agree(() => {
    const ourIdentity = identityDhSecret(ours.secretKey);
    const theirIdentity = identityDhPublic(theirIdentityKey);
    const outputs = [
      dh(signedPrekey.secretKey, theirIdentity),
      dh(ourIdentity, theirEphemeral),
      dh(signedPrekey.secretKey, theirEphemeral),
    ];
    if (oneTimePrekey) outputs.push(dh(oneTimePrekey.secretKey, theirEphemeral));
    return outputs;
  });
  return { sharedSecret, associatedData: concatBytes(theirIdentityKey, ours.publicKey) };
}

function agree(computeDhOutputs: () => Uint8Array[]): Uint8Array {
  let outputs: Uint8Array[];
  try {
    outputs = computeDhOutputs();
  } catch (cause) {
    // Callers handle one error type for "this peer's keys are unusable", whatever the detail.
    if (cause instanceof InvalidKeyError) throw new X3dhError(`unusable key: ${cause.message}`, { cause });
    throw cause;
  }
  return hkdfSha256(concatBytes(DOMAIN_PREFIX, ...outputs), ZERO_SALT, X3DH_INFO, KEY_BYTES);
}
