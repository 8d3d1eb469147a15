import { bytesToHex } from '@noble/hashes/utils.js';
import { TopicValidatorResult } from '@libp2p/gossipsub';
import type { Logger } from 'pino';
import type { DeliveryService } from '../delivery/delivery-service.ts';
import { decodeEnvelope, encodeEnvelope, type EnvelopeCore, type SignedEnvelope } from '../p2p/envelope.ts';
import type { Network } from '../p2p/network.ts';
import type { Startable } from '../runtime/startable.ts';
import { topicOf } from './group-book.ts';
import type { GroupState } from './group-state.ts';

/**
 * Group messages on gossipsub: one topic per group, joined while we are a member. Messages made
 * in one tick are signed together, then published. Envelopes that arrive before their sender's
 * key are held (per group and sender) until the key comes over a pairwise session.
 */
export interface GroupGossip extends Startable {
  join(state: GroupState): void;
  leave(groupId: string): void;
  /** Peers on the group's topic now. */
  subscribers(groupId: string): Set<string>;
  /** Signs and publishes a group message after the current tick. */
  publish(local: string, groupId: string, core: EnvelopeCore): void;
  /** Feeds held envelopes from this sender back in: its key has arrived. */
  retryHeld(groupId: string, sender: string): void;
  start(): void;
  stop(): Promise<void>;
}

const TOPIC_PREFIX = '/dchat/group/';

/**
 * Gossip is unsigned at the gossipsub layer: a frame is forwarded only if it is a well-formed
 * group envelope for this topic's group, and gossipsub's peer score counts the rejections
 * against the peer that sent it. The sender's signature is checked on receipt (inbound.ts).
 */
export function validateGroupFrame(groupId: string, decoded?: WeakMap<Uint8Array, SignedEnvelope>) {
  return (_peer: unknown, message: { data: Uint8Array }): TopicValidatorResult => {
    try {
      const envelope = decodeEnvelope(message.data);
      if (envelope.type !== 'group' || bytesToHex(envelope.to) !== groupId) return TopicValidatorResult.Reject;
      // The same bytes reach the message event next: receive() takes this decoding instead of repeating it.
      decoded?.set(message.data, envelope);
      return TopicValidatorResult.Accept;
    } catch {
      return TopicValidatorResult.Reject;
    }
  };
}
const HELD_PER_SENDER = 256;

type GossipInit = { readonly network: Network; readonly delivery: DeliveryService; readonly log: Logger };

export const createGroupGossip = (init: GossipInit): GroupGossip => new GroupGossipTopics(init);

class GroupGossipTopics implements GroupGossip {
  private readonly network: Network;
  private readonly delivery: DeliveryService;
  private readonly log: Logger;
  /** Gossip envelopes waiting for their sender's key: "group:sender" → envelopes. */
  private readonly held = new Map<string, Uint8Array[]>();
  private readonly working = new Set<Promise<unknown>>();
  /** Envelopes the topic validator decoded, by their frame (gone with the frame). */
  private readonly decoded = new WeakMap<Uint8Array, SignedEnvelope>();
  private toPublish: Array<{ local: string; groupId: string; core: EnvelopeCore }> = [];
  private publishing: NodeJS.Immediate | undefined;

  constructor(init: GossipInit) {
    this.network = init.network;
    this.delivery = init.delivery;
    this.log = init.log;
  }

  private get pubsub() {
    return this.network.pubsub;
  }

  join(state: GroupState): void {
    const topic = topicOf(state.id);
    this.pubsub.topicValidators.set(topic, validateGroupFrame(state.id, this.decoded));
    if (!this.pubsub.getTopics().includes(topic)) this.pubsub.subscribe(topic);
    // Gossip only flows between connected peers: reach out to the members we can.
    for (const m of state.members) {
      if (!m.peer_id || m.peer_id === this.network.peerId || this.network.isConnected(m.peer_id)) continue;
      for (const address of m.addresses.slice(0, 2)) {
        void this.network.connect(address.includes('/p2p/') ? address : `${address}/p2p/${m.peer_id}`).catch(() => undefined);
      }
    }
  }

  leave(groupId: string): void {
    if (this.pubsub.getTopics().includes(topicOf(groupId))) this.pubsub.unsubscribe(topicOf(groupId));
    this.pubsub.topicValidators.delete(topicOf(groupId));
  }

  subscribers(groupId: string): Set<string> {
    return new Set(this.pubsub.getSubscribers(topicOf(groupId)).map((p) => p.toString()));
  }

  publish(local: string, groupId: string, core: EnvelopeCore): void {
    this.publishing ??= setImmediate(() => this.publishPending());
    this.toPublish.push({ local, groupId, core });
  }

  retryHeld(groupId: string, sender: string): void {
    const key = `${groupId}:${sender}`;
    const waiting = this.held.get(key);
    this.log.debug({ key: key.slice(0, 40), waiting: waiting?.length ?? 0, heldKeys: [...this.held.keys()].map((k) => k.slice(0, 40)) }, 'retrying held group envelopes');
    if (!waiting) return;
    this.held.delete(key);
    for (const bytes of waiting) this.track(this.receive(bytes));
  }

  start(): void {
    this.pubsub.addEventListener('message', this.onGossip);
  }

  async stop(): Promise<void> {
    this.pubsub.removeEventListener('message', this.onGossip);
    // What was written before stop still goes out: for members on the topic gossip is the only copy.
    if (this.publishing) {
      clearImmediate(this.publishing);
      this.publishPending();
    }
    for (const topic of this.pubsub.getTopics()) if (topic.startsWith(TOPIC_PREFIX)) this.pubsub.unsubscribe(topic);
    for (const topic of [...this.pubsub.topicValidators.keys()]) if (topic.startsWith(TOPIC_PREFIX)) this.pubsub.topicValidators.delete(topic);
    while (this.working.size > 0) await Promise.allSettled([...this.working]);
    this.held.clear();
  }

  private readonly onGossip = (event: CustomEvent<{ topic: string; data: Uint8Array }>): void => {
    if (!event.detail.topic.startsWith(TOPIC_PREFIX)) return;
    const bytes = event.detail.data;
    this.track(
      this.receive(bytes, this.decoded.get(bytes)).then((result) => {
        // Most likely its sender key has not arrived yet: keep it for when it does.
        if (!result.ok && result.error === 'held') this.hold(bytes);
      }),
    );
  };

  private receive(bytes: Uint8Array, decoded?: SignedEnvelope) {
    return this.delivery.receive(bytes, { peer: null, via: 'gossip', decoded });
  }

  private hold(bytes: Uint8Array): void {
    try {
      const { from, to } = decodeEnvelope(bytes);
      const groupAndSender = `${bytesToHex(to)}:${bytesToHex(from)}`;
      const list = this.held.get(groupAndSender) ?? [];
      if (list.length < HELD_PER_SENDER) list.push(bytes);
      this.held.set(groupAndSender, list);
    } catch {
      // not worth keeping
    }
  }

  private track(work: Promise<unknown>): void {
    this.working.add(work);
    const done = () => void this.working.delete(work);
    work.then(done, done);
  }

  private publishPending(): void {
    this.publishing = undefined;
    const batch = this.toPublish;
    this.toPublish = [];
    const byLocal = new Map<string, typeof batch>();
    for (const item of batch) byLocal.set(item.local, [...(byLocal.get(item.local) ?? []), item]);
    for (const [local, items] of byLocal) {
      let signed: SignedEnvelope[];
      try {
        signed = this.delivery.sign(local, items.map((i) => i.core));
      } catch (err) {
        this.log.warn({ err: (err as Error).message }, 'cannot sign group messages (identity locked?)');
        continue;
      }
      signed.forEach((envelope, i) => {
        this.track(this.pubsub.publish(topicOf(items[i]!.groupId), encodeEnvelope(envelope)).catch((err: Error) => this.log.debug({ err: err.message }, 'gossip publish failed')));
      });
    }
  }
}
