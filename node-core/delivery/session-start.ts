import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import type { Logger } from 'pino';
import type { PrekeyBundle } from '../crypto/x3dh.ts';
import { askPeerThenRelays } from '../p2p/ask-peer-then-relays.ts';
import { encodeCbor } from '../p2p/codec.ts';
import type { Network } from '../p2p/network.ts';
import { hasSession, startSession } from '../sessions/direct-sessions.ts';
import type { KeyRing } from '../sessions/key-ring.ts';
import type { LocalVault } from '../sessions/vault.ts';
import type { OutboxRow } from '../store/repositories/outbox.ts';
import type { Repositories, Store } from '../store/store.ts';
import { decodeIdentityRecord } from '../wire/identity-record.ts';
import { bundleReply, parseReply, PROTOCOLS, RemoteError } from '../wire/protocols.ts';
import { REQUEST_TIMEOUT_MS, type RecipientRoute } from './types.ts';

/**
 * Starts the X3DH sessions queued mail needs, from prekey bundles fetched from the recipient's
 * node or, while it is offline, from its relays. A pair whose bundle nobody hands out stays
 * without a session; its mail waits in the outbox.
 */
export interface SessionStarterInit {
  readonly store: Store;
  readonly network: Network;
  readonly keyRing: KeyRing;
  readonly vault: LocalVault;
  readonly log: Logger;
  readonly route: (repos: Repositories, local: string, remote: string) => RecipientRoute | undefined;
  readonly now: () => number;
}

export type SessionStarter = (plainRows: readonly OutboxRow[]) => Promise<void>;

export function createSessionStarter(init: SessionStarterInit): SessionStarter {
  const { store, keyRing, vault } = init;
  return async (plainRows) => {
    const pairs = new Map<string, OutboxRow>();
    for (const row of plainRows) pairs.set(`${row.local_identity}:${row.recipient}`, row);
    for (const row of pairs.values()) {
      if (row.kind === 'group' || hasSession(store.repos, row.local_identity, row.recipient)) continue;
      const route = init.route(store.repos, row.local_identity, row.recipient);
      const bundle = route && (await fetchBundle(init, route, row.recipient));
      if (!bundle) continue;
      await store.write((repos) => {
        // Another round may have started it while we waited for the bundle.
        if (!hasSession(repos, row.local_identity, row.recipient)) {
          startSession(repos, vault, { id: row.local_identity, secretKey: keyRing.get(row.local_identity)! }, bundle, init.now());
        }
      });
    }
  };
}

async function fetchBundle(init: SessionStarterInit, route: RecipientRoute, remote: string): Promise<PrekeyBundle | undefined> {
  const request = encodeCbor({ op: 'bundle', identity: hexToBytes(remote) });
  return askPeerThenRelays(init.network, { peer: route.peerId ? { peerId: route.peerId, addresses: route.addresses } : undefined, relays: route.relays }, {
    peerProtocol: PROTOCOLS.peer,
    relayProtocol: PROTOCOLS.relay,
    peerRequest: request,
    relayRequest: request,
    timeoutMs: REQUEST_TIMEOUT_MS,
    accept: (frame) => {
      const reply = parseReply(frame, bundleReply);
      const record = decodeIdentityRecord(reply.record);
      if (bytesToHex(record.identity_key) !== remote) throw new RemoteError('malformed', 'bundle for another identity');
      return {
        identityKey: record.identity_key,
        signedPrekey: { id: reply.spk[0], publicKey: reply.spk[1], signature: reply.spk[2] },
        oneTimePrekey: reply.opk ? { id: reply.opk[0], publicKey: reply.opk[1] } : undefined,
      };
    },
    onMiss: (source, err) => init.log.debug({ remote, source, err: err.message }, 'prekey bundle not available there'),
  });
}
