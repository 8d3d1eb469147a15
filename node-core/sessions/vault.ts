import { utf8ToBytes } from '@noble/hashes/utils.js';
import { deriveSubkey, open, seal } from '../crypto/sealing.ts';
import { decodeCbor, encodeCbor } from '../p2p/codec.ts';

/**
 * Seals the node's own secrets at rest (session states, prekey secrets, sender keys, file keys)
 * under a key derived from the node secret file. The label is bound in as associated data, so a
 * sealed value cannot be moved to another slot (a session's state cannot pass for another's).
 */
export interface LocalVault {
  seal(label: string, plaintext: Uint8Array): Uint8Array;
  open(label: string, sealed: Uint8Array): Uint8Array;
  sealValue(label: string, value: unknown): Uint8Array;
  openValue<T>(label: string, sealed: Uint8Array): T;
}

export function createLocalVault(nodeSecret: Uint8Array): LocalVault {
  const key = deriveSubkey(nodeSecret, 'dchat/local-vault/v1');
  const vault: LocalVault = {
    seal: (label, plaintext) => seal(key, plaintext, utf8ToBytes(label)),
    open: (label, sealed) => open(key, sealed, utf8ToBytes(label)),
    sealValue: (label, value) => vault.seal(label, encodeCbor(value)),
    openValue: <T>(label: string, sealed: Uint8Array) => decodeCbor(vault.open(label, sealed)) as T,
  };
  return vault;
}
