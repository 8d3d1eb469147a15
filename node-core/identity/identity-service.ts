import { bytesToHex, utf8ToBytes, concatBytes } from '@noble/hashes/utils.js';
import type { Identity, Profile } from '../domain/model.ts';
import {
  IdentityNotFoundError,
  UsernameTakenError,
  WrongPassphraseError,
} from '../domain/errors.ts';
import type { CreateIdentityInput, UpdateProfileInput } from '../domain/inputs.ts';
import {
  DecryptionError,
  deriveKeyFromPassphrase,
  deriveSubkey,
  newScryptParams,
  open,
  scryptParamsSchema,
  seal,
} from '../crypto/sealing.ts';
import { generateSigningKeyPair } from '../crypto/signing.ts';
import type { EventBus } from '../events/event-bus.ts';
import type { IdentityRecord } from '../store/repositories/identities.ts';
import type { ProfileRecord } from '../store/repositories/profiles.ts';
import type { Store } from '../store/store.ts';
import { decodeAvatar, encodeAvatar } from './avatar.ts';
import { signProfile } from './profile-signature.ts';
import type { KeyRing } from '../sessions/key-ring.ts';

/** Identities without a passphrase are sealed under this subkey of the node secret. */
export const KEY_WRAP_PURPOSE = 'dchat/identity-key-wrap/v1';
/** The public key is bound into the seal, so a sealed key cannot be swapped onto another identity. */
export const identitySealContext = (publicKey: Uint8Array): Uint8Array => concatBytes(utf8ToBytes('dchat/identity/v1'), publicKey);

export interface IdentityService {
  create(input: CreateIdentityInput): Promise<Identity>;
  list(): Identity[];
  get(id: string): Identity;
  /** The identity new chats use when the caller names none; undefined before onboarding. */
  getDefault(): Identity | undefined;
  setDefault(id: string): Promise<Identity>;
  updateProfile(input: UpdateProfileInput): Promise<Identity>;
  /** Unseals an identity's Ed25519 secret key (for signing). */
  unlock(id: string, passphrase?: string): Promise<Uint8Array>;
  /** Unlocks an identity for this run: it then takes part in the network. */
  unlockForSession(id: string, passphrase: string): Promise<Identity>;
  /** Unlocks every identity sealed under the node secret (at start). */
  unlockNodeSecretIdentities(): Promise<void>;
}

export interface IdentityServiceInit {
  readonly store: Store;
  readonly events: EventBus;
  readonly nodeSecret: Uint8Array;
  /** Unlocked keys go here, for the network to sign and decrypt with. */
  readonly keyRing?: KeyRing;
  readonly now?: () => number;
}

export function createIdentityService(init: IdentityServiceInit): IdentityService {
  const { store, events } = init;
  const now = init.now ?? Date.now;
  const nodeWrapKey = deriveSubkey(init.nodeSecret, KEY_WRAP_PURPOSE);

  const toProfile = (p: ProfileRecord): Profile => ({
    identity_key: p.identity_key,
    username: p.username,
    display_name: p.display_name,
    bio: p.bio,
    avatar: encodeAvatar(p.avatar, p.avatar_type),
    version: p.version,
    updated_at: p.updated_at,
    signature: bytesToHex(p.signature),
  });

  const toIdentity = (record: IdentityRecord): Identity => {
    const profile = store.repos.profiles.get(record.id);
    if (!profile) throw new Error(`identity ${record.id} has no profile`);
    return {
      id: record.id,
      username: record.username,
      is_default: record.is_default,
      key_protection: record.key_protection,
      created_at: record.created_at,
      profile: toProfile(profile),
    };
  };

  const requireRecord = (id: string): IdentityRecord => {
    const record = store.repos.identities.get(id);
    if (!record) throw new IdentityNotFoundError(`no local identity with id ${id}`);
    return record;
  };

  async function unlock(id: string, passphrase?: string): Promise<Uint8Array> {
    const record = requireRecord(id);
    const aad = identitySealContext(record.public_key);
    if (record.key_protection === 'node-secret') return open(nodeWrapKey, record.sealed_secret_key, aad);
    if (passphrase === undefined) {
      throw new WrongPassphraseError(`identity ${record.username} is protected by a passphrase; give "passphrase"`);
    }
    const params = scryptParamsSchema.parse(JSON.parse(record.kdf_params ?? 'null'));
    const key = await deriveKeyFromPassphrase(passphrase, params);
    try {
      return open(key, record.sealed_secret_key, aad);
    } catch (err) {
      if (err instanceof DecryptionError) throw new WrongPassphraseError(`wrong passphrase for identity ${record.username}`);
      throw err;
    }
  }

  return {
    async create(input) {
      if (store.repos.identities.getByUsername(input.username)) {
        throw new UsernameTakenError(`the username "${input.username}" is already used by a local identity`);
      }
      const avatar = input.avatar ? decodeAvatar(input.avatar) : null;
      const keys = generateSigningKeyPair();
      const id = bytesToHex(keys.publicKey);
      const aad = identitySealContext(keys.publicKey);
      let sealed: Uint8Array;
      let kdfParams: string | null = null;
      if (input.passphrase !== undefined) {
        const params = newScryptParams();
        sealed = seal(await deriveKeyFromPassphrase(input.passphrase, params), keys.secretKey, aad);
        kdfParams = JSON.stringify(params);
      } else {
        sealed = seal(nodeWrapKey, keys.secretKey, aad);
      }
      const createdAt = now();
      const unsigned = {
        identity_key: id,
        username: input.username,
        display_name: input.display_name ?? input.username,
        bio: input.bio,
        avatar: avatar?.bytes ?? null,
        avatar_type: avatar?.type ?? null,
        version: 1,
        updated_at: createdAt,
      };
      const profile: ProfileRecord = { ...unsigned, signature: signProfile(unsigned, keys.secretKey) };

      const identity = await store.write((repos) => {
        // Checked again inside the transaction: another request may have taken the name meanwhile.
        if (repos.identities.getByUsername(input.username)) {
          throw new UsernameTakenError(`the username "${input.username}" is already used by a local identity`);
        }
        const isDefault = input.make_default || repos.identities.getDefault() === undefined;
        repos.identities.insert({
          id,
          username: input.username,
          public_key: keys.publicKey,
          sealed_secret_key: sealed,
          key_protection: input.passphrase !== undefined ? 'passphrase' : 'node-secret',
          kdf_params: kdfParams,
          is_default: false,
          created_at: createdAt,
        });
        repos.profiles.put(profile);
        if (isDefault) repos.identities.setDefault(id);
        return toIdentity(requireRecord(id));
      });
      // Whoever created it holds the key right now, passphrase or not: it can join the network.
      init.keyRing?.add(id, keys.secretKey);
      events.emit('identity.created', identity);
      return identity;
    },

    list: () => store.repos.identities.list().map(toIdentity),
    get: (id) => toIdentity(requireRecord(id)),
    getDefault() {
      const record = store.repos.identities.getDefault();
      return record && toIdentity(record);
    },

    async setDefault(id) {
      const identity = await store.write((repos) => {
        requireRecord(id);
        repos.identities.setDefault(id);
        return toIdentity(requireRecord(id));
      });
      events.emit('identity.updated', identity);
      return identity;
    },

    async updateProfile(input) {
      const record = requireRecord(input.id);
      const secretKey = await unlock(input.id, input.passphrase);
      const avatar = input.avatar === undefined ? undefined : input.avatar === null ? null : decodeAvatar(input.avatar);
      const identity = await store.write((repos) => {
        const current = repos.profiles.get(record.id);
        if (!current) throw new Error(`identity ${record.id} has no profile`);
        const unsigned = {
          identity_key: record.id,
          username: record.username,
          display_name: input.display_name ?? current.display_name,
          bio: input.bio ?? current.bio,
          avatar: avatar === undefined ? current.avatar : (avatar?.bytes ?? null),
          avatar_type: avatar === undefined ? current.avatar_type : (avatar?.type ?? null),
          version: current.version + 1,
          updated_at: Math.max(now(), current.updated_at + 1),
        };
        repos.profiles.put({ ...unsigned, signature: signProfile(unsigned, secretKey) });
        return toIdentity(requireRecord(record.id));
      });
      secretKey.fill(0);
      events.emit('identity.updated', identity);
      return identity;
    },

    unlock,

    async unlockForSession(id, passphrase) {
      const secret = await unlock(id, passphrase);
      init.keyRing?.add(id, secret);
      return toIdentity(requireRecord(id));
    },

    async unlockNodeSecretIdentities() {
      for (const record of store.repos.identities.list()) {
        if (record.key_protection === 'node-secret') init.keyRing?.add(record.id, await unlock(record.id));
      }
    },
  };
}
