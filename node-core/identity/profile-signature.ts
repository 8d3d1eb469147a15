import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, hexToBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import { signWithContext, verifyWithContext } from '../crypto/signing.ts';
import type { ProfileRecord } from '../store/repositories/profiles.ts';

const PROFILE_CONTEXT = 'dchat/profile/v1';

/** A profile as signed: every stored field but the signature itself. */
export type UnsignedProfile = Omit<ProfileRecord, 'signature'>;

/**
 * The exact bytes a profile signature covers. A JSON array (not an object) so field order is
 * fixed by position, and the avatar enters as its SHA-256 so the signed message stays small.
 */
export function profileSigningBytes(profile: UnsignedProfile): Uint8Array {
  return utf8ToBytes(
    JSON.stringify([
      profile.identity_key,
      profile.username,
      profile.display_name,
      profile.bio,
      profile.avatar_type ?? '',
      profile.avatar ? bytesToHex(sha256(profile.avatar)) : '',
      profile.version,
      profile.updated_at,
    ]),
  );
}

export function signProfile(profile: UnsignedProfile, secretKey: Uint8Array): Uint8Array {
  return signWithContext(PROFILE_CONTEXT, secretKey, profileSigningBytes(profile));
}

export function verifyProfile(profile: UnsignedProfile & { readonly signature: Uint8Array }): boolean {
  if (!/^[0-9a-f]{64}$/.test(profile.identity_key)) return false;
  return verifyWithContext(PROFILE_CONTEXT, hexToBytes(profile.identity_key), profileSigningBytes(profile), profile.signature);
}
