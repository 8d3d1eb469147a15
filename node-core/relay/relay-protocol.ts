import { bytesToHex } from '@noble/hashes/utils.js';
import { errorReply, parseRequest, PROTOCOLS, relayRequest } from '../wire/protocols.ts';
import { dropBlobs, getBlob, putBlob } from './blobs.ts';
import { createDeposit } from './deposit.ts';
import { refuse, type RelayContext } from './relay-context.ts';
import { bundle, register, subscribe } from './registration.ts';
import { retract } from './retract.ts';

/**
 * The relay protocol on the wire. Once served it stays served until the node stops: a relay
 * that was switched off answers "not-a-relay", which clients tell apart from a dead peer.
 */
export interface RelayProtocol {
  /** Serves the protocol (once; later calls do nothing). */
  serve(): Promise<void>;
  /** Stops serving it, if it was served. */
  unserve(): Promise<void>;
}

export function createRelayProtocol(context: RelayContext, enabled: () => boolean): RelayProtocol {
  const deposit = createDeposit(context);
  let served = false;

  async function handle(frame: Uint8Array, { peer }: { peer: string }): Promise<Uint8Array> {
    const request = parseRequest(frame, relayRequest);
    if (!request) return refuse(context, peer, 'malformed');
    if (!enabled()) return errorReply('not-a-relay', 'this node does not relay');
    switch (request.op) {
      case 'register':
        return register(context, request, peer);
      case 'subscribe':
        return subscribe(context, request, peer);
      case 'deposit':
        return deposit(request.env, request.for, peer, request.ttl);
      case 'bundle':
        return bundle(context, bytesToHex(request.identity));
      case 'put-blob':
        return putBlob(context, bytesToHex(request.to), request.data);
      case 'get-blob':
        return getBlob(context, bytesToHex(request.to), request.hash);
      case 'drop-blobs':
        return dropBlobs(context, request, peer);
      case 'retract':
        return retract(context, request, peer);
    }
  }

  return {
    async serve() {
      if (served) return;
      served = true;
      await context.network.handle(PROTOCOLS.relay, handle, errorReply('rate-limited'));
    },
    async unserve() {
      if (!served) return;
      served = false;
      await context.network.unhandle(PROTOCOLS.relay);
    },
  };
}
