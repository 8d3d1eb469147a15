import fs from 'node:fs';
import path from 'node:path';
import { equalBytes } from '@noble/ciphers/utils.js';
import { randomBytes } from '@noble/hashes/utils.js';
import { DecryptionError, deriveSubkey, open } from '../crypto/sealing.ts';
import { signedLabel } from '../sessions/prekeys.ts';
import { createLocalVault } from '../sessions/vault.ts';
import type { Repositories, Store } from '../store/store.ts';
import { createPrivateFileOnce, readPrivateFile } from '../util/private-files.ts';
import { identitySealContext, KEY_WRAP_PURPOSE } from './identity-keys.ts';

export const NODE_SECRET_FILE = 'node-secret';

/**
 * The key check value stored in dchat.db: an HKDF output of the node secret under its own
 * context, so it tells which secret the database is sealed under without revealing it.
 */
const CHECK_CONTEXT = 'dchat/node-secret-check/v1';
export const nodeSecretCheckValue = (secret: Uint8Array): Uint8Array => deriveSubkey(secret, CHECK_CONTEXT);

/** The node-secret file is gone while the database holds values sealed under it. */
export class NodeSecretMissingError extends Error {
  override readonly name = 'NodeSecretMissingError';
}

/** The node-secret file is not the one the database was sealed under (replaced, or from elsewhere). */
export class NodeSecretMismatchError extends Error {
  override readonly name = 'NodeSecretMismatchError';
}

/** The secret in the file, or undefined when there is no file. 32 bytes, or the file is damaged. */
export function readNodeSecret(dataDir: string): Uint8Array | undefined {
  const file = path.join(dataDir, NODE_SECRET_FILE);
  if (!fs.existsSync(file)) return undefined;
  const secret = readPrivateFile(file);
  if (secret.length !== 32) throw new NodeSecretMismatchError(`${file} is damaged (expected 32 bytes, found ${secret.length}): restore the node-secret file backed up with dchat.db`);
  return new Uint8Array(secret);
}

/**
 * For a database from before check values: true if `secret` opens the values sealed in it, false
 * if one does not open, undefined if there is nothing to try it on.
 */
export function secretOpensStore(repos: Repositories, secret: Uint8Array): boolean | undefined {
  const wrapKey = deriveSubkey(secret, KEY_WRAP_PURPOSE);
  const vault = createLocalVault(secret);
  let opened: boolean | undefined;
  const attempt = (openIt: () => unknown) => {
    try {
      openIt();
      opened ??= true;
    } catch (err) {
      if (!(err instanceof DecryptionError)) throw err;
      opened = false;
    }
  };
  for (const identity of repos.identities.list()) {
    if (identity.key_protection === 'node-secret') attempt(() => open(wrapKey, identity.sealed_secret_key, identitySealContext(identity.public_key)));
    const prekey = repos.prekeys.latestSigned(identity.id);
    if (prekey) attempt(() => vault.open(signedLabel(identity.id, prekey.id), prekey.sealed_secret));
    if (opened === false) return false;
  }
  return opened;
}

export interface CheckedNodeSecret {
  readonly secret: Uint8Array;
  /** True when this call wrote a new node-secret file (the database held nothing sealed). */
  readonly created: boolean;
}

/**
 * The node secret that belongs to the open store: 32 random bytes in <data_dir>/node-secret
 * (0600), under which identity keys without a passphrase, prekeys, sessions and queued mail are
 * sealed, so a copied database alone does not reveal them.
 *
 * The database keeps a check value of its secret, written with the first one. The file must match
 * it at every start; a new secret is made only while the database holds nothing sealed under one.
 * A missing or foreign secret is refused with NodeSecretMissingError / NodeSecretMismatchError,
 * never replaced: a new secret over sealed data would lose the identities for good.
 */
export function loadNodeSecretFor(store: Store, dataDir: string, now: () => number = Date.now): CheckedNodeSecret {
  const file = path.join(dataDir, NODE_SECRET_FILE);
  const restore = `restore the node-secret file that was backed up with ${store.file}`;
  const stored = store.repos.nodeSecretCheck.get();
  let secret = readNodeSecret(dataDir);
  if (stored) {
    if (!secret) {
      const empty = store.repos.nodeSecretCheck.holdsSealedValues() ? '' : '; it holds no keys yet, so moving it away to start afresh loses nothing';
      throw new NodeSecretMissingError(`${file} is missing, but ${store.file} is bound to a node secret: ${restore} (dchat never makes a new one over it)${empty}`);
    }
    if (!equalBytes(nodeSecretCheckValue(secret), stored)) {
      throw new NodeSecretMismatchError(`${file} does not belong to ${store.file} (it was sealed under another node secret): ${restore}`);
    }
    return { secret, created: false };
  }
  // Not bound yet: a new database, or one written before check values existed.
  if (store.repos.nodeSecretCheck.holdsSealedValues()) {
    if (!secret) {
      throw new NodeSecretMissingError(`${file} is missing, but ${store.file} holds keys sealed under a node secret: ${restore} (dchat never makes a new one over sealed data)`);
    }
    if (secretOpensStore(store.repos, secret) === false) {
      throw new NodeSecretMismatchError(`${file} does not open the keys sealed in ${store.file} (they were sealed under another node secret): ${restore}`);
    }
  }
  let created = false;
  if (!secret) {
    created = createPrivateFileOnce(file, randomBytes(32));
    secret = readNodeSecret(dataDir)!;
  }
  const bound = store.transaction((repos) => repos.nodeSecretCheck.setIfAbsent(nodeSecretCheckValue(secret), now()));
  if (!equalBytes(bound, nodeSecretCheckValue(secret))) {
    throw new NodeSecretMismatchError(`${file} does not belong to ${store.file} (another process bound it to another node secret meanwhile): ${restore}`);
  }
  return { secret, created };
}
