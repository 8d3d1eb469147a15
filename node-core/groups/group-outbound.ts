import { concatBytes, hexToBytes, randomBytes } from '@noble/hashes/utils.js';
import type { AttachmentService } from '../attachments/attachment-service.ts';
import { senderKeyEncrypt } from '../crypto/sender-keys.ts';
import type { DeliveryService } from '../delivery/delivery-service.ts';
import { messageContent, type ChatUpdate } from '../delivery/payloads.ts';
import { ValidationError } from '../domain/errors.ts';
import type { Chat } from '../domain/model.ts';
import type { EventBus } from '../events/event-bus.ts';
import type { Outbound } from '../messaging/messaging-service.ts';
import { encodeCbor } from '../p2p/codec.ts';
import type { EnvelopeCore } from '../p2p/envelope.ts';
import type { Repositories } from '../store/store.ts';
import type { GroupBook } from './group-book.ts';
import type { GroupGossip } from './group-gossip.ts';
import type { GroupSenderKeys } from './group-sender-keys.ts';

interface GroupOutboundInit {
  readonly book: GroupBook;
  readonly keys: GroupSenderKeys;
  readonly gossip: GroupGossip;
  readonly delivery: DeliveryService;
  readonly events: EventBus;
  readonly attachments: AttachmentService;
  /** Throws unless the identity is unlocked. */
  readonly requireUnlocked: (identity: string) => void;
}

/** What one group send needs besides the plaintext. */
interface GroupSend {
  readonly messageId: string | null;
  readonly at: number;
  /** Copies for members not on the topic (typing goes to the topic only). */
  readonly copies: boolean;
  readonly expiresAt: number | null;
}

/**
 * Sending to a group: encrypted once with our sender key, published on the group's topic, and
 * queued as a copy for each member not on the topic, to go through their relays.
 */
export function createGroupOutbound(init: GroupOutboundInit): Outbound {
  const seal = groupSealer(init);
  return {
    queue(repos, chat, message, manifests) {
      const sent = seal(repos, chat, messageContent(message, chat, manifests), { messageId: message.id, at: message.sent_at, copies: true, expiresAt: message.expires_at });
      if (sent.viaRelays.length === 0) repos.messages.setStatus(message.seq, 'sent');
      return () => {
        sent.publish();
        if (sent.viaRelays.length === 0) init.events.emit('message.updated', { ...message, status: 'sent' });
        if (manifests.length) init.attachments.pushToRelays(message.id, sent.others.map((m) => ({ recipient: m.identity_key, relays: m.relays })));
      };
    },
    queueUpdate(repos, chat, update: ChatUpdate) {
      const sent = seal(repos, chat, update, { messageId: null, at: Date.now(), copies: update.k !== 'typing', expiresAt: null });
      return () => {
        sent.publish();
        if (update.k === 'del') init.delivery.retract(update.id);
      };
    },
    markRead: () => () => undefined,
  };
}

function groupSealer(init: GroupOutboundInit) {
  const { book, keys, gossip, delivery } = init;
  return (repos: Repositories, chat: Chat, content: object, send: GroupSend) => {
    const groupId = chat.group_id!;
    const row = book.require(repos, groupId);
    if (row.removed === 1) throw new ValidationError('you are no longer a member of this group');
    const state = book.stateOf(row);
    const local = chat.identity_id;
    init.requireUnlocked(local);
    const own = keys.own(repos, groupId, local);
    if (!own) throw new ValidationError('this group has no sender key yet; try again in a moment');
    const to = hexToBytes(groupId);
    const from = hexToBytes(local);
    // The envelope carrying it is signed by our identity key: no separate sender-key signature.
    const { state: next, message: encrypted } = senderKeyEncrypt(own.state, encodeCbor(content), concatBytes(to, from), { senderAuthenticated: true });
    keys.save(repos, groupId, local, next, send.at);
    const core: EnvelopeCore = { type: 'group', id: randomBytes(16), from, to, ts: send.at, body: encodeCbor([encrypted.keyId, encrypted.iteration, encrypted.ciphertext, encrypted.signature]) };
    // Members on the gossip topic get it there; the others get a copy through their relays.
    const onTopic = gossip.subscribers(groupId);
    const others = state.members.filter((m) => m.identity_key !== local);
    const viaRelays = send.copies ? others.filter((m) => !(m.peer_id && onTopic.has(m.peer_id))) : [];
    for (const member of viaRelays) delivery.queueGroupCopy(repos, core, member.identity_key, local, groupId, send.messageId, send.at, send.expiresAt);
    return {
      others,
      viaRelays,
      publish: () => {
        gossip.publish(local, groupId, core);
        delivery.kick();
      },
    };
  };
}
