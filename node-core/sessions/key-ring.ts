/**
 * Unlocked identity secret keys, in memory only. Identities sealed under the node secret are
 * unlocked at start; passphrase-protected ones when their owner unlocks them. Only unlocked
 * identities take part in the network (sign, decrypt, publish prekeys).
 */
export interface KeyRing {
  get(identityId: string): Uint8Array | undefined;
  add(identityId: string, secretKey: Uint8Array): void;
  ids(): string[];
  /** Called for each identity newly unlocked; returns the unsubscribe. */
  onAdd(listener: (identityId: string) => void): () => void;
}

export function createKeyRing(): KeyRing {
  const keys = new Map<string, Uint8Array>();
  const listeners = new Set<(identityId: string) => void>();
  return {
    get: (id) => keys.get(id),
    add(id, secretKey) {
      const fresh = !keys.has(id);
      keys.set(id, secretKey);
      if (fresh) for (const listener of listeners) listener(id);
    },
    ids: () => [...keys.keys()],
    onAdd(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
  };
}
