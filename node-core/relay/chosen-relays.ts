import { multiaddr } from '@multiformats/multiaddr';
import type { DchatConfig } from '../config/schema.ts';
import type { RelayRef } from '../domain/model.ts';
import { ValidationError } from '../domain/errors.ts';
import type { Store } from '../store/store.ts';

const CHOSEN_RELAYS = 'relays.chosen';

/** A relay given as a multiaddr ending in /p2p/<peer id>. */
export function parseRelay(address: string): RelayRef {
  let ma;
  try {
    ma = multiaddr(address);
  } catch {
    throw new ValidationError(`relays: "${address}" is not a multiaddr`);
  }
  const peerId = ma.getComponents().findLast((c) => c.name === 'p2p')?.value;
  if (!peerId) throw new ValidationError(`relays: "${address}" does not end in /p2p/<peer id>`);
  return { peer_id: peerId, addresses: [address] };
}

/**
 * The relays this node's identities chose to hold their mail: set through the API (kept in the
 * store), else `relay.home_relays`. Read on every mailbox push and record signature, so parsed
 * once and again only when they change.
 */
export interface ChosenRelays {
  list(): RelayRef[];
  set(addresses: readonly string[]): Promise<RelayRef[]>;
  /** Called after the choice changed; returns the unsubscribe. */
  onChange(listener: () => void): () => void;
}

export function createChosenRelays(init: { readonly store: Store; readonly config: DchatConfig; readonly selfPeerId: string }): ChosenRelays {
  let chosen: RelayRef[] | undefined;
  const listeners = new Set<() => void>();
  const read = (): RelayRef[] => {
    const list = init.store.repos.settings.get<string[]>(CHOSEN_RELAYS) ?? init.config.relay.home_relays;
    const relays: RelayRef[] = [];
    for (const address of list) {
      try {
        const relay = parseRelay(address);
        if (relay.peer_id !== init.selfPeerId) relays.push(relay);
      } catch {
        // config validation named it already; skip what cannot be used
      }
    }
    return relays;
  };
  return {
    list: () => (chosen ??= read()),
    async set(addresses) {
      const relays = addresses.map(parseRelay);
      if (relays.some((r) => r.peer_id === init.selfPeerId)) throw new ValidationError('relays: a node cannot be its own relay');
      await init.store.write((repos) => repos.settings.set(CHOSEN_RELAYS, [...addresses]));
      chosen = undefined;
      for (const listener of listeners) listener();
      return relays;
    },
    onChange(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
  };
}
