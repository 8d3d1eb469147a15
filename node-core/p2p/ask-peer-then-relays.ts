import type { RelayRef } from '../domain/model.ts';
import type { Network } from './network.ts';

/**
 * Asks a peer directly and, failing that, each of the relays that hold things for it, in turn,
 * until one gives an answer the caller accepts. Prekey bundles and attachment chunks are both
 * fetched this way: the owner knows best, its relays stand in while it is offline.
 */
export interface PeerAndRelays {
  /** The peer itself, when we know how to reach it. */
  readonly peer?: { readonly peerId: string; readonly addresses: readonly string[] } | undefined;
  readonly relays: readonly RelayRef[];
}

export interface AskOptions<T> {
  readonly peerProtocol: string;
  readonly relayProtocol: string;
  /** The request frame for the peer, and for a relay (relays are asked on the recipient's behalf). */
  readonly peerRequest: Uint8Array;
  readonly relayRequest: Uint8Array;
  readonly timeoutMs: number;
  /** Parses and checks an answer; throwing means "not this one, try the next". */
  readonly accept: (reply: Uint8Array) => T;
  /** Why one source could not answer (for the debug log). */
  readonly onMiss?: (source: string, err: Error) => void;
}

export async function askPeerThenRelays<T>(network: Network, where: PeerAndRelays, options: AskOptions<T>): Promise<T | undefined> {
  const sources: Array<{ name: string; target: ReturnType<Network['target']>; protocol: string; request: Uint8Array }> = [];
  if (where.peer) {
    sources.push({ name: where.peer.peerId, target: network.target(where.peer.peerId, where.peer.addresses), protocol: options.peerProtocol, request: options.peerRequest });
  }
  for (const relay of where.relays) {
    sources.push({ name: relay.peer_id, target: network.target(relay.peer_id, relay.addresses), protocol: options.relayProtocol, request: options.relayRequest });
  }
  for (const source of sources) {
    try {
      const channel = await network.channels.get(source.target, source.protocol);
      return options.accept(await channel.request(source.request, options.timeoutMs));
    } catch (err) {
      options.onMiss?.(source.name, err as Error);
    }
  }
  return undefined;
}
