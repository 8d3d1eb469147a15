import { bytesToHex } from '@noble/hashes/utils.js';
import type { Network } from '../p2p/network.ts';
import { mailboxReceiptStatement } from '../relay/statements.ts';
import type { Startable } from '../runtime/startable.ts';
import type { KeyRing } from '../sessions/key-ring.ts';
import { errorReply, mailboxPush, okReply, parseRequest, PROTOCOLS } from '../wire/protocols.ts';
import { createServedProtocol } from './served-protocol.ts';
import type { ReceivedFrom, ReceiveResult } from './types.ts';

/**
 * What our relays push to us: mail they kept while we were away. Only the relays we chose may
 * push; each envelope goes through the same checks as any other, and the signed receipt names
 * the envelopes the relay may now delete.
 */
export interface MailboxProtocolInit {
  readonly network: Network;
  readonly keyRing: KeyRing;
  readonly isOurRelay: (peer: string) => boolean;
  readonly receive: (bytes: Uint8Array, from: ReceivedFrom) => Promise<ReceiveResult>;
  /** Mail the relay really delivered (new envelopes taken), for proofs of delivery. */
  readonly relayed?: (recipient: string, relayPeer: string, ids: readonly Uint8Array[]) => void;
}

export function createMailboxProtocol(init: MailboxProtocolInit): Startable {
  const { network, keyRing } = init;
  return createServedProtocol(
    network,
    PROTOCOLS.mailbox,
    async (frame, context) => {
      if (!init.isOurRelay(context.peer)) {
        network.guard.penalize(context.peer, PROTOCOLS.mailbox, 'unauthorized');
        return errorReply('unauthorized', 'mail is only accepted from the relays we chose');
      }
      const push = parseRequest(frame, mailboxPush);
      if (!push) {
        network.guard.penalize(context.peer, PROTOCOLS.mailbox, 'malformed');
        return errorReply('malformed');
      }
      const secret = keyRing.get(bytesToHex(push.to));
      if (!secret) return errorReply('unknown-recipient');
      const results = await Promise.all(push.envs.map((env) => init.receive(env, { peer: null, via: 'relay' })));
      const ids = results.flatMap((r) => (r.id && releasable(r) ? [r.id] : []));
      const taken = results.flatMap((r) => (r.ok && !r.duplicate ? [r.id] : []));
      if (taken.length > 0) init.relayed?.(bytesToHex(push.to), context.peer, taken);
      const sig = mailboxReceiptStatement.sign(secret, { relay: context.peer, ids });
      return okReply({ ids, sig });
    },
    errorReply('rate-limited'),
  );
}

/**
 * Taken (or already had): the relay may delete it. Undecryptable or stale mail is also released,
 * since keeping it helps nobody; held mail stays on the relay for later.
 */
const releasable = (result: ReceiveResult): boolean => result.ok || (result.error !== 'held' && result.error !== 'internal');
