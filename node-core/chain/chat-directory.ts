import type { Chains } from './chains-service.ts';
import type { DirectoryRecord } from './ledger-rules.ts';
import { StateView } from './state-view.ts';

/** The chat chain's directory in its last final state: a username's record, a key's username. */
export function chatDirectory(chains: Chains) {
  const view = () => new StateView(chains.chat.committed.top.tree);
  return {
    height: () => chains.chat.committed.top.height,
    entry: (username: string): DirectoryRecord | undefined => view().read<DirectoryRecord>(`n/${username}`),
    usernameOf: (identityKey: string): string | undefined => view().read<string>(`k/${identityKey}`),
  };
}

/** The state keys a block changed, as the strings the ledger rules write (`n/<name>`, `k/<key>`, ...). */
export const changedStateKeys = (changes: ReadonlyArray<readonly [Uint8Array, Uint8Array | undefined]>): string[] => changes.map(([key]) => Buffer.from(key).toString('utf8'));
