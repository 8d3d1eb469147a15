import { createLifecycle } from '../runtime/startable.ts';
import { createEnvelopeProtocol } from './envelope-protocol.ts';
import { InboundVerifier } from './inbound.ts';
import { createMailboxProtocol } from './mailbox-protocol.ts';
import { queueDirect, queueGroupCopy } from './outbox-queue.ts';
import { createOutboxSealer, createSigner } from './outbox-sealing.ts';
import { RELAY_DEPOSITS } from './relay-deposits.ts';
import { createRetractions } from './retract-deposits.ts';
import { createRouter } from './routing.ts';
import { createSessionStarter } from './session-start.ts';
import { HoldEnvelopeError, type DeliveredListener, type RelayedListener, type DeliveryInit, type DeliveryService, type EnvelopeHandlers } from './types.ts';
import { DeliveryWorker } from './worker.ts';

export {
  HoldEnvelopeError,
  type AfterCommit,
  type DeliveredListener,
  type DeliveryInit,
  type DeliveryService,
  type DirectContext,
  type EnvelopeHandlers,
  type QueueDirectInput,
  type ReceivedFrom,
  type ReceiveResult,
  type RecipientRoute,
} from './types.ts';

/**
 * Moves end-to-end encrypted envelopes between nodes.
 *
 * Sending: a payload is queued in the outbox inside the same transaction as the message it
 * carries (outbox-queue). The worker seals queued payloads (outbox-sealing, starting sessions from
 * prekey bundles when needed: session-start), signing each burst with one signature, and routing
 * delivers them: straight to the recipient's node if it answers, else to the relays the recipient
 * chose. Undeliverable envelopes stay queued and are retried with backoff, across restarts.
 *
 * Receiving: envelopes arrive over the envelope protocol, from our relays' mailbox pushes, or from
 * groups' gossip; inbound checks each one and hands it to its handler (inbound).
 */
export function createDeliveryService(init: DeliveryInit): DeliveryService {
  const { store, network, keyRing, vault } = init;
  const log = init.logger.child({ component: 'delivery' });
  const now = init.now ?? Date.now;
  const sign = createSigner(keyRing);

  const deliveredListeners = new Set<DeliveredListener>();
  const relayedListeners = new Set<RelayedListener>();
  const deposits = store.register(RELAY_DEPOSITS);
  const retractions = createRetractions({ store, network, keyRing, deposits, log, now });
  const deliver = createRouter({
    deposits,
    store,
    network,
    log,
    telemetry: init.telemetry,
    route: init.route,
    now,
    onDelivered: (rows) => deliveredListeners.forEach((listener) => listener(rows)),
  });
  const startSessions = createSessionStarter({ store, network, keyRing, vault, log, route: init.route, now });
  const worker = new DeliveryWorker({ store, log, now, deliver, seal: createOutboxSealer({ store, keyRing, vault, sign, startSessions, ownRecord: init.ownRecord, now }) });
  const inbound = new InboundVerifier({
    store,
    network,
    keyRing,
    vault,
    log,
    telemetry: init.telemetry,
    handlers: {
      direct: (repos, payload, context) => requireHandler(registered.direct, 'direct')(repos, payload, context),
      group: (repos, envelope, at) => requireHandler(registered.group, 'group')(repos, envelope, at),
      groupRecipients: (repos, groupId) => registered.groupRecipients?.(repos, groupId) ?? [],
    },
    maxAgeMs: init.maxAgeMs,
    maxFutureSkewMs: init.maxFutureSkewMs ?? 5 * 60_000,
    now,
  });
  const receive = inbound.receive.bind(inbound);
  // The capabilities that understand envelope contents register here, so delivery knows none of them.
  const registered: Partial<EnvelopeHandlers> = {};

  // Receiving is up before the first round sends anything that could be answered.
  const lifecycle = createLifecycle(
    [
      { name: 'delivery.inbound', component: inbound },
      { name: 'delivery.envelope-protocol', component: createEnvelopeProtocol(network, receive) },
      { name: 'delivery.mailbox-protocol', component: createMailboxProtocol({ network, keyRing, isOurRelay: init.isOurRelay, receive, relayed: (to, relay, ids) => relayedListeners.forEach((listener) => listener(to, relay, ids)) }) },
      { name: 'delivery.worker', component: worker },
      { name: 'delivery.retractions', component: retractions },
    ],
    (name, err) => log.warn({ err, part: name }, 'delivery part did not stop cleanly'),
  );

  return {
    start: () => lifecycle.start(),
    stop: () => lifecycle.stop(),
    queueDirect: (repos, input, at) => queueDirect(repos, vault, input, at),
    queueGroupCopy,
    sign,
    kick: () => worker.kick(),
    retract: (messageId) => retractions.retract(messageId),
    receive,
    outboxSize: () => store.repos.outbox.count(),
    onDelivered(listener) {
      deliveredListeners.add(listener);
      return () => deliveredListeners.delete(listener);
    },
    onRelayed(listener) {
      relayedListeners.add(listener);
      return () => relayedListeners.delete(listener);
    },
    handleEnvelopes(kind, handler) {
      if (registered[kind]) throw new Error(`envelopes of kind ${kind} already have a handler`);
      registered[kind] = handler;
      return () => {
        if (registered[kind] === handler) delete registered[kind];
      };
    },
  };
}

/** A kind nobody handles yet (the capability is not started): hold the envelope for later. */
function requireHandler<H>(handler: H | undefined, kind: string): H {
  if (!handler) throw new HoldEnvelopeError(`no handler for ${kind} envelopes yet`);
  return handler;
}
