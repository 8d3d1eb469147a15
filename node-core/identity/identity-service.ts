import { bytesToHex } from '@noble/hashes/utils.js';
import { deriveSubkey } from '../crypto/sealing.ts';
import { generateSigningKeyPair } from '../crypto/signing.ts';
import { UsernameTakenError } from '../domain/errors.ts';
import type { CreateIdentityInput, UpdateProfileInput } from '../domain/inputs.ts';
import type { Identity } from '../domain/model.ts';
import type { EventBus } from '../events/event-bus.ts';
import type { KeyRing } from '../sessions/key-ring.ts';
import type { ProfileRecord } from '../store/repositories/profiles.ts';
import type { Repositories, Store } from '../store/store.ts';
import { decodeAvatar } from './avatar.ts';
import { KEY_WRAP_PURPOSE, sealSecretKey, unsealSecretKey, type SealedKey } from './identity-keys.ts';
import { requireRecord, toIdentity } from './identity-view.ts';
import { signProfile } from './profile-signature.ts';

export { identitySealContext, KEY_WRAP_PURPOSE } from './identity-keys.ts';

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

interface IdentityContext {
  readonly store: Store;
  readonly events: EventBus;
  readonly keyRing: KeyRing | undefined;
  readonly now: () => number;
  readonly nodeWrapKey: Uint8Array;
  unlock(id: string, passphrase?: string): Promise<Uint8Array>;
}

/** Identities of this node's users; holds no timers, so it has no lifecycle. */
export function createIdentityService(init: IdentityServiceInit): IdentityService {
  const { store } = init;
  const nodeWrapKey = deriveSubkey(init.nodeSecret, KEY_WRAP_PURPOSE);
  const unlock = (id: string, passphrase?: string) => unsealSecretKey(requireRecord(store.repos, id), passphrase, nodeWrapKey);
  const context: IdentityContext = { store, events: init.events, keyRing: init.keyRing, now: init.now ?? Date.now, nodeWrapKey, unlock };
  return {
    create: (input) => createIdentity(context, input),
    list: () => store.repos.identities.list().map((record) => toIdentity(store.repos, record)),
    get: (id) => toIdentity(store.repos, requireRecord(store.repos, id)),
    getDefault() {
      const record = store.repos.identities.getDefault();
      return record && toIdentity(store.repos, record);
    },
    async setDefault(id) {
      const identity = await store.write((repos) => {
        requireRecord(repos, id);
        repos.identities.setDefault(id);
        return toIdentity(repos, requireRecord(repos, id));
      });
      init.events.emit('identity.updated', identity);
      return identity;
    },
    updateProfile: (input) => updateProfile(context, input),
    unlock,
    ...sessionUnlocking(context),
  };
}

function sessionUnlocking(context: IdentityContext): Pick<IdentityService, 'unlockForSession' | 'unlockNodeSecretIdentities'> {
  const { store, keyRing, unlock } = context;
  return {
    async unlockForSession(id, passphrase) {
      const secret = await unlock(id, passphrase);
      keyRing?.add(id, secret);
      return toIdentity(store.repos, requireRecord(store.repos, id));
    },
    async unlockNodeSecretIdentities() {
      for (const record of store.repos.identities.list()) {
        if (record.key_protection === 'node-secret') keyRing?.add(record.id, await unlock(record.id));
      }
    },
  };
}

const usernameTaken = (username: string) => new UsernameTakenError(`the username "${username}" is already used by a local identity`);

async function createIdentity(context: IdentityContext, input: CreateIdentityInput): Promise<Identity> {
  const { store } = context;
  if (store.repos.identities.getByUsername(input.username)) throw usernameTaken(input.username);
  const avatar = input.avatar ? decodeAvatar(input.avatar) : null;
  const keys = generateSigningKeyPair();
  const id = bytesToHex(keys.publicKey);
  const sealed = await sealSecretKey(keys, input.passphrase, context.nodeWrapKey);
  const createdAt = context.now();
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
  const identity = await store.write((repos) => insertIdentity(repos, input, { id, publicKey: keys.publicKey, sealed, profile, createdAt }));
  // Whoever created it holds the key right now, passphrase or not: it can join the network.
  context.keyRing?.add(id, keys.secretKey);
  context.events.emit('identity.created', identity);
  return identity;
}

interface NewIdentity {
  readonly id: string;
  readonly publicKey: Uint8Array;
  readonly sealed: SealedKey;
  readonly profile: ProfileRecord;
  readonly createdAt: number;
}

function insertIdentity(repos: Repositories, input: CreateIdentityInput, created: NewIdentity): Identity {
  // Checked again inside the transaction: another request may have taken the name meanwhile.
  if (repos.identities.getByUsername(input.username)) throw usernameTaken(input.username);
  // A bot hosted here is not who the operator speaks as: the first person's identity becomes the default instead.
  const isDefault = input.bot !== true && (input.make_default || repos.identities.getDefault() === undefined);
  repos.identities.insert({
    id: created.id,
    username: input.username,
    public_key: created.publicKey,
    sealed_secret_key: created.sealed.sealed,
    key_protection: created.sealed.protection,
    kdf_params: created.sealed.kdfParams,
    is_default: false,
    created_at: created.createdAt,
  });
  repos.profiles.put(created.profile);
  if (isDefault) repos.identities.setDefault(created.id);
  return toIdentity(repos, requireRecord(repos, created.id));
}

async function updateProfile(context: IdentityContext, input: UpdateProfileInput): Promise<Identity> {
  const { store, now } = context;
  const record = requireRecord(store.repos, input.id);
  const secretKey = await context.unlock(input.id, input.passphrase);
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
    return toIdentity(repos, requireRecord(repos, record.id));
  });
  secretKey.fill(0);
  context.events.emit('identity.updated', identity);
  return identity;
}
