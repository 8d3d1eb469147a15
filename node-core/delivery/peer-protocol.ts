import { bytesToHex } from '@noble/hashes/utils.js';
import { encodeIdentityRecord, type SignedIdentityRecord } from '../wire/identity-record.ts';
import type { FrameHandler, Network } from '../p2p/network.ts';
import type { Startable } from '../runtime/startable.ts';
import { assignOneTimePrekeys, currentSignedPrekey, ensurePrekeys } from '../sessions/prekeys.ts';
import type { KeyRing } from '../sessions/key-ring.ts';
import type { LocalVault } from '../sessions/vault.ts';
import type { Store } from '../store/store.ts';
import { errorReply, okReply, parseRequest, peerRequest, PROTOCOLS } from '../wire/protocols.ts';
import { createServedProtocol } from './served-protocol.ts';

/**
 * What any node answers about its own identities: a prekey bundle (handing out one of the one-time
 * prekeys it keeps for itself), and chunks of attachments it sent. Served from start to stop.
 */
export interface PeerProtocolInit {
  readonly store: Store;
  readonly network: Network;
  readonly keyRing: KeyRing;
  readonly vault: LocalVault;
  readonly ownRecord: (identityId: string) => SignedIdentityRecord;
  readonly chunk: (hash: Uint8Array) => Promise<Uint8Array | undefined>;
  readonly now?: () => number;
}

export function createPeerProtocol(init: PeerProtocolInit): Startable {
  return createServedProtocol(init.network, PROTOCOLS.peer, peerHandler(init), errorReply('rate-limited'));
}

function peerHandler(init: PeerProtocolInit): FrameHandler {
  const now = init.now ?? Date.now;
  return async (frame, context) => {
    const request = parseRequest(frame, peerRequest);
    if (!request) {
      init.network.guard.penalize(context.peer, PROTOCOLS.peer, 'malformed');
      return errorReply('malformed');
    }
    if (request.op === 'get-blob') {
      const data = await init.chunk(request.hash);
      return data ? okReply({ data }) : errorReply('not-found');
    }
    const identity = bytesToHex(request.identity);
    const secret = init.keyRing.get(identity);
    if (!secret) return errorReply('not-found', 'no such identity here');
    const opk = await init.store.write((repos) => {
      ensurePrekeys(repos, init.vault, identity, secret, now());
      return assignOneTimePrekeys(repos, identity, 'self', 1)[0];
    });
    const spk = currentSignedPrekey(init.store.repos, identity);
    return okReply({
      record: encodeIdentityRecord(init.ownRecord(identity)),
      spk: [spk.id, spk.publicKey, spk.signature],
      opk: opk ? [opk.id, opk.publicKey] : null,
    });
  };
}
