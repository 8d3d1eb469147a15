import type { Migration } from '../migrator.ts';

const migration: Migration = {
  version: 1,
  name: 'identities and profiles',
  up: `
    -- Local identities: Ed25519 keys whose secret half is sealed (XChaCha20-Poly1305) under a key
    -- derived from the user's passphrase or from the node secret file.
    CREATE TABLE identities (
      id TEXT PRIMARY KEY CHECK (length(id) = 64),
      username TEXT NOT NULL UNIQUE,
      public_key BLOB NOT NULL CHECK (length(public_key) = 32),
      sealed_secret_key BLOB NOT NULL,
      key_protection TEXT NOT NULL CHECK (key_protection IN ('passphrase', 'node-secret')),
      kdf_params TEXT,
      is_default INTEGER NOT NULL DEFAULT 0 CHECK (is_default IN (0, 1)),
      created_at INTEGER NOT NULL
    ) STRICT;
    CREATE UNIQUE INDEX identities_single_default ON identities (is_default) WHERE is_default = 1;

    -- Signed profiles of any identity this node knows (its own and, later, its contacts'),
    -- keyed by the identity's public key; the signature covers every field.
    CREATE TABLE user_profiles (
      identity_key TEXT PRIMARY KEY CHECK (length(identity_key) = 64),
      username TEXT NOT NULL,
      display_name TEXT NOT NULL,
      bio TEXT NOT NULL DEFAULT '',
      avatar BLOB,
      avatar_type TEXT,
      version INTEGER NOT NULL CHECK (version >= 1),
      updated_at INTEGER NOT NULL,
      signature BLOB NOT NULL CHECK (length(signature) = 64)
    ) STRICT;
  `,
};

export default migration;
