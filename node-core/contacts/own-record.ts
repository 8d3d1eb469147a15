import type { RelayRef } from '../domain/model.ts';
import { ValidationError } from '../domain/errors.ts';
import type { KeyRing } from '../sessions/key-ring.ts';
import type { Store } from '../store/store.ts';
import { signIdentityRecord, type SignedIdentityRecord } from '../wire/identity-record.ts';

const RECORD_TTL_MS = 60_000;

/**
 * Our identities' signed records (what invites, prekey bundles and relay registrations carry):
 * the profile name, this node's peer id and addresses, and the chosen relays. Signing is not
 * free, so a record is reused until one of those changes or it is a minute old.
 */
export interface OwnRecords {
  get(identityId: string): SignedIdentityRecord;
  /** Forget every cached record (the relays or the addresses changed). */
  invalidate(): void;
}

export function createOwnRecords(init: {
  readonly store: Store;
  readonly keyRing: KeyRing;
  readonly peerId: string;
  readonly addresses: () => string[];
  readonly relays: () => readonly RelayRef[];
}): OwnRecords {
  const cache = new Map<string, { record: SignedIdentityRecord; at: number; key: string }>();
  return {
    get(identityId) {
      const secret = init.keyRing.get(identityId);
      const identity = init.store.repos.identities.get(identityId);
      if (!secret || !identity) throw new ValidationError(`identity ${identityId} is not unlocked here`);
      const profile = init.store.repos.profiles.get(identityId);
      const relays = init.relays();
      const addresses = init.addresses().slice(0, 16);
      const key = JSON.stringify([profile?.display_name, addresses, relays]);
      const cached = cache.get(identityId);
      if (cached && cached.key === key && Date.now() - cached.at < RECORD_TTL_MS) return cached.record;
      const record = signIdentityRecord(
        {
          identity_key: identity.public_key,
          username: identity.username,
          display_name: profile?.display_name ?? identity.username,
          peer_id: init.peerId,
          addresses,
          relays: relays.slice(0, 8),
          updated_at: Date.now(),
        },
        secret,
      );
      cache.set(identityId, { record, at: Date.now(), key });
      return record;
    },
    invalidate: () => cache.clear(),
  };
}
