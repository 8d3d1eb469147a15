import { bytesToHex } from '@noble/hashes/utils.js';
import { IdentityNotFoundError } from '../domain/errors.ts';
import type { Identity, Profile } from '../domain/model.ts';
import type { IdentityRecord } from '../store/repositories/identities.ts';
import type { ProfileRecord } from '../store/repositories/profiles.ts';
import type { Repositories } from '../store/store.ts';
import { encodeAvatar } from './avatar.ts';

export const toProfile = (p: ProfileRecord): Profile => ({
  identity_key: p.identity_key,
  username: p.username,
  display_name: p.display_name,
  bio: p.bio,
  avatar: encodeAvatar(p.avatar, p.avatar_type),
  version: p.version,
  updated_at: p.updated_at,
  signature: bytesToHex(p.signature),
});

/** An identity as the API shows it: its record with its signed profile. */
export function toIdentity(repos: Repositories, record: IdentityRecord): Identity {
  const profile = repos.profiles.get(record.id);
  if (!profile) throw new Error(`identity ${record.id} has no profile`);
  return {
    id: record.id,
    username: record.username,
    is_default: record.is_default,
    key_protection: record.key_protection,
    created_at: record.created_at,
    profile: toProfile(profile),
  };
}

export function requireRecord(repos: Repositories, id: string): IdentityRecord {
  const record = repos.identities.get(id);
  if (!record) throw new IdentityNotFoundError(`no local identity with id ${id}`);
  return record;
}
