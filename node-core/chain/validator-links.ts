import type { Logger } from 'pino';
import type { Network } from '../p2p/network.ts';

/**
 * Keeps a node connected to the validators its genesis names. Bootstrap dials happen once, at
 * start: a full node whose only validator restarted (or a side of a healed partition) would
 * otherwise stay cut off for good, since a restarting validator dials only other validators.
 */

const RETRY_MS = 10_000;

export interface ValidatorLinks {
  /** Dials the validators not connected now (each at most once per RETRY_MS). */
  check(now: number): void;
}

export function createValidatorLinks(network: Network, addresses: readonly string[], log: Logger): ValidatorLinks {
  const self = network.peerId;
  const targets = addresses
    .map((address) => ({ address, peer: /\/p2p\/([^/]+)$/.exec(address)?.[1] }))
    .filter((t): t is { address: string; peer: string } => t.peer !== undefined && t.peer !== self);
  const tried = new Map<string, number>();
  return {
    check(now) {
      for (const { address, peer } of targets) {
        if (network.isConnected(peer) || now - (tried.get(address) ?? -RETRY_MS) < RETRY_MS) continue;
        tried.set(address, now);
        network.connect(address).catch((err: Error) => log.debug({ address, err: err.message }, 'validator not reachable'));
      }
    },
  };
}
