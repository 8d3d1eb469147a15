import type { Network } from '../p2p/network.ts';
import type { Startable } from '../runtime/startable.ts';
import { errorReply, okReply, PROTOCOLS } from '../wire/protocols.ts';
import { createServedProtocol } from './served-protocol.ts';
import type { ReceivedFrom, ReceiveResult } from './types.ts';

/** Envelopes other nodes deliver straight to us; the sending peer answers for what it sends. */
export function createEnvelopeProtocol(network: Network, receive: (bytes: Uint8Array, from: ReceivedFrom) => Promise<ReceiveResult>): Startable {
  return createServedProtocol(
    network,
    PROTOCOLS.envelope,
    async (frame, context) => {
      const result = await receive(frame, { peer: context.peer, via: 'direct' });
      return result.ok ? okReply(result.duplicate ? { duplicate: true } : {}) : errorReply(result.error);
    },
    errorReply('rate-limited'),
  );
}
