import { concatBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import { WrongPassphraseError } from '../domain/errors.ts';
import { DecryptionError, deriveKeyFromPassphrase, newScryptParams, open, scryptParamsSchema, seal } from '../crypto/sealing.ts';
import type { IdentityRecord } from '../store/repositories/identities.ts';

/** Identities without a passphrase are sealed under this subkey of the node secret. */
export const KEY_WRAP_PURPOSE = 'dchat/identity-key-wrap/v1';
/** The public key is bound into the seal, so a sealed key cannot be swapped onto another identity. */
export const identitySealContext = (publicKey: Uint8Array): Uint8Array => concatBytes(utf8ToBytes('dchat/identity/v1'), publicKey);

export interface SealedKey {
  readonly sealed: Uint8Array;
  readonly protection: IdentityRecord['key_protection'];
  /** The scrypt parameters (JSON) a passphrase seal needs to be opened again. */
  readonly kdfParams: string | null;
}

/** Seals a new identity's secret key: under the passphrase when there is one, else under the node secret. */
export async function sealSecretKey(keys: { publicKey: Uint8Array; secretKey: Uint8Array }, passphrase: string | undefined, nodeWrapKey: Uint8Array): Promise<SealedKey> {
  const aad = identitySealContext(keys.publicKey);
  if (passphrase === undefined) return { sealed: seal(nodeWrapKey, keys.secretKey, aad), protection: 'node-secret', kdfParams: null };
  const params = newScryptParams();
  const sealed = seal(await deriveKeyFromPassphrase(passphrase, params), keys.secretKey, aad);
  return { sealed, protection: 'passphrase', kdfParams: JSON.stringify(params) };
}

/** Opens an identity's sealed secret key; a passphrase-protected one needs the right passphrase. */
export async function unsealSecretKey(record: IdentityRecord, passphrase: string | undefined, nodeWrapKey: Uint8Array): Promise<Uint8Array> {
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
