import { bytesToHex, concatBytes, hexToBytes, randomBytes } from '@noble/hashes/utils.js';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { Chat, GroupInfo } from '../domain/model.ts';
import { ContactNotFoundError, GroupNotFoundError, IdentityLockedError, NoIdentityError, NotGroupAdminError, ValidationError } from '../domain/errors.ts';
import type { AttachmentService } from '../attachments/attachment-service.ts';
import type { SignedIdentityRecord } from '../wire/identity-record.ts';
import {
  createSenderKey,
  senderKeyDecrypt,
  senderKeyDistribution,
  senderKeyEncrypt,
  SenderKeyError,
  senderKeyFromDistribution,
  type SenderKeyState,
} from '../crypto/sender-keys.ts';
import { HoldEnvelopeError, type AfterCommit, type DeliveryService, type DirectContext } from '../delivery/delivery-service.ts';
import { groupPayload, type AttachmentManifest, type DirectPayload } from '../delivery/payloads.ts';
import { DecryptFailedError } from '../sessions/direct-sessions.ts';
import type { EventBus } from '../events/event-bus.ts';
import type { Outbound } from '../messaging/messaging-service.ts';
import { storeIncoming } from '../messaging/incoming.ts';
import { decodeCbor, encodeCbor } from '../p2p/codec.ts';
import { decodeEnvelope, encodeEnvelope, type EnvelopeCore, type SignedEnvelope } from '../p2p/envelope.ts';
import type { Network } from '../p2p/network.ts';
import type { KeyRing } from '../sessions/key-ring.ts';
import type { LocalVault } from '../sessions/vault.ts';
import type { GroupRow } from '../store/repositories/groups.ts';
import type { Repositories, Store } from '../store/store.ts';
import { decodeGroupState, encodeGroupState, GroupStateError, type GroupMember, type GroupState } from './group-state.ts';

/**
 * Groups: an admin-signed member list distributed over the members' pairwise sessions, and one
 * sender key per member (a hash ratchet plus a signing key) handed to the other members the same
 * way. Messages are encrypted once with the sender's key and published on the group's gossipsub
 * topic; members not on the topic get a copy through their relays. When a member leaves, every
 * remaining member makes a new sender key and gives it only to the remaining members, so the one
 * who left cannot read what follows.
 */

/** A group envelope that arrived before its sender's key: kept until the key comes. */
export class SenderKeyMissingError extends HoldEnvelopeError {
  override readonly name = 'SenderKeyMissingError';
}

export interface GroupService {
  start(): void;
  stop(): void;
  create(input: { title: string; members: readonly string[]; identity_id?: string | undefined }): Promise<GroupInfo>;
  addMembers(groupId: string, members: readonly string[]): Promise<GroupInfo>;
  removeMember(groupId: string, member: string): Promise<GroupInfo>;
  get(groupId: string): GroupInfo;
  list(): GroupInfo[];
  readonly outbound: Outbound;
  handleGroupEnvelope(repos: Repositories, envelope: SignedEnvelope, now: number): AfterCommit | void;
  groupRecipients(repos: Repositories, groupId: string): string[];
}

const topicOf = (groupId: string) => `/dchat/group/${groupId}`;
const keyLabel = (groupId: string, sender: string, keyId: number) => `sender-key/${groupId}/${sender}/${keyId}`;
const bodySchema = z.tuple([z.number().int().nonnegative(), z.number().int().nonnegative(), z.instanceof(Uint8Array), z.instanceof(Uint8Array)]);

export function createGroupService(init: {
  readonly store: Store;
  readonly network: Network;
  readonly delivery: DeliveryService;
  readonly keyRing: KeyRing;
  readonly vault: LocalVault;
  readonly events: EventBus;
  readonly attachments: AttachmentService;
  readonly logger: Logger;
  /** Our own route (peer id, addresses, relays) for member lists. */
  readonly ownRecord: (local: string) => SignedIdentityRecord;
  /** Registers the handlers for group control payloads carried over 1:1 sessions. */
  readonly onPayload: (kind: 'gstate' | 'skey', handler: (repos: Repositories, payload: DirectPayload, context: DirectContext) => AfterCommit | void) => void;
  readonly now?: () => number;
}): GroupService {
  const { store, network, delivery, keyRing, vault, events } = init;
  const log = init.logger.child({ component: 'groups' });
  const now = init.now ?? Date.now;
  /** Gossip envelopes waiting for their sender's key: "group:sender" → envelopes. */
  const held = new Map<string, Uint8Array[]>();

  // Decoding checks the admin's signature: done once per group version, not per message.
  const stateCache = new Map<string, GroupState>();
  const stateOf = (row: GroupRow): GroupState => {
    const key = `${row.id}:${row.version}`;
    let state = stateCache.get(key);
    if (!state) {
      state = decodeGroupState(row.state);
      stateCache.set(key, state);
      if (stateCache.size > 1024) stateCache.delete(stateCache.keys().next().value!);
    }
    return state;
  };
  /** Group messages made in one tick, signed together and then published. */
  let toPublish: Array<{ local: string; groupId: string; core: EnvelopeCore }> = [];
  const publishPending = () => {
    const batch = toPublish;
    toPublish = [];
    const byLocal = new Map<string, typeof batch>();
    for (const item of batch) byLocal.set(item.local, [...(byLocal.get(item.local) ?? []), item]);
    for (const [local, items] of byLocal) {
      let signed: SignedEnvelope[];
      try {
        signed = delivery.sign(local, items.map((i) => i.core));
      } catch (err) {
        log.warn({ err: (err as Error).message }, 'cannot sign group messages (identity locked?)');
        continue;
      }
      signed.forEach((envelope, i) => {
        void network.pubsub.publish(topicOf(items[i]!.groupId), encodeEnvelope(envelope)).catch((err: Error) => log.debug({ err: err.message }, 'gossip publish failed'));
      });
    }
  };
  const chatIdOf = (groupId: string) => `g-${groupId}`;

  const toInfo = (row: GroupRow): GroupInfo => {
    const state = stateOf(row);
    return {
      group_id: row.id,
      chat_id: chatIdOf(row.id),
      title: state.title,
      admin: state.admin,
      version: state.version,
      removed: row.removed === 1,
      members: state.members.map((m) => ({ identity_key: m.identity_key, username: m.username, display_name: m.display_name })),
    };
  };

  const requireGroup = (repos: Repositories, groupId: string): GroupRow => {
    const row = repos.groups.get(groupId);
    if (!row) throw new GroupNotFoundError(`no group ${groupId}`);
    return row;
  };

  const secretOf = (identity: string): Uint8Array => {
    const secret = keyRing.get(identity);
    if (!secret) throw new IdentityLockedError('unlock the identity first (POST /api/identities/:id/unlock)');
    return secret;
  };

  /** A member entry for a local identity (our own route) or a contact. */
  function memberEntry(repos: Repositories, local: string, key: string): GroupMember {
    if (key === local) {
      const identity = repos.identities.get(local)!;
      const profile = repos.profiles.get(local);
      const record = init.ownRecord(local);
      return { identity_key: key, username: identity.username, display_name: profile?.display_name ?? identity.username, peer_id: record.peer_id, addresses: record.addresses, relays: record.relays };
    }
    const contact = repos.contacts.get(local, key);
    if (!contact) throw new ContactNotFoundError(`${key} is not a contact of this identity; add them by invite first`);
    return { identity_key: key, username: contact.username, display_name: contact.display_name, peer_id: contact.peer_id, addresses: contact.addresses, relays: contact.relays };
  }

  function loadOwnKey(repos: Repositories, groupId: string, local: string): { keyId: number; state: SenderKeyState } | undefined {
    const row = repos.groups.latestSenderKey(groupId, local);
    return row ? { keyId: row.key_id, state: vault.openValue<SenderKeyState>(keyLabel(groupId, local, row.key_id), row.sealed_state) } : undefined;
  }

  function saveKey(repos: Repositories, groupId: string, sender: string, state: SenderKeyState, at: number): void {
    repos.groups.putSenderKey({ group_id: groupId, sender, key_id: state.keyId, sealed_state: vault.sealValue(keyLabel(groupId, sender, state.keyId), state), created_at: at });
  }

  /** Makes a fresh sender key for us and queues it to the given members over their sessions. */
  function rotateOwnKey(repos: Repositories, state: GroupState, local: string, at: number): void {
    const previous = repos.groups.latestSenderKey(state.id, local);
    const key = createSenderKey((previous?.key_id ?? 0) + 1);
    if (previous) repos.groups.deleteSenderKeys(state.id, local);
    saveKey(repos, state.id, local, key, at);
    distribute(repos, state, local, key, state.members.map((m) => m.identity_key), at);
  }

  function distribute(repos: Repositories, state: GroupState, local: string, key: SenderKeyState, to: readonly string[], at: number): void {
    const d = senderKeyDistribution(key);
    for (const member of to) {
      if (member === local) continue;
      delivery.queueDirect(repos, { local, remote: member, groupId: state.id, payload: { k: 'skey', g: state.id, key: [d.keyId, d.iteration, d.chainKey, d.signingPublic] } }, at);
    }
  }

  function shareState(repos: Repositories, state: GroupState, local: string, bytes: Uint8Array, to: readonly string[], at: number): void {
    for (const member of to) {
      if (member !== local) delivery.queueDirect(repos, { local, remote: member, groupId: state.id, payload: { k: 'gstate', state: bytes } }, at);
    }
  }

  /** Stores a group state we are in (or were removed from) and makes the chat exist. */
  function adopt(repos: Repositories, local: string, state: GroupState, bytes: Uint8Array, at: number): { chat: Chat; created: boolean; member: boolean } {
    const member = state.members.some((m) => m.identity_key === local);
    const existing = repos.groups.get(state.id);
    repos.groups.put({ id: state.id, local_identity: local, state: bytes, version: state.version, removed: member ? 0 : 1, created_at: existing?.created_at ?? at });
    for (const m of state.members) {
      if (m.identity_key === local || repos.identities.get(m.identity_key)) continue;
      if (!repos.contacts.get(local, m.identity_key)) {
        repos.contacts.upsert({ local_identity: local, identity_key: m.identity_key, username: m.username || 'member', display_name: m.display_name || m.identity_key.slice(0, 8), peer_id: m.peer_id, addresses: m.addresses, relays: m.relays, origin: 'group', updated_at: at });
      }
    }
    const chatId = chatIdOf(state.id);
    let chat = repos.conversations.get(chatId);
    const created = !chat;
    if (!chat) {
      repos.conversations.insert({ id: chatId, kind: 'group', title: state.title, identity_id: local, created_at: at, group_id: state.id });
      chat = repos.conversations.get(chatId)!;
    } else if (chat.title !== state.title) {
      repos.conversations.setTitle(chatId, state.title);
      chat = repos.conversations.get(chatId)!;
    }
    return { chat, created, member };
  }

  function afterAdopt(state: GroupState, member: boolean, chat: Chat, created: boolean): AfterCommit {
    return () => {
      if (member) joinTopic(state);
      else leaveTopic(state.id);
      events.emit(created ? 'chat.created' : 'chat.updated', chat);
      delivery.kick();
    };
  }

  function joinTopic(state: GroupState): void {
    const topic = topicOf(state.id);
    if (!network.pubsub.getTopics().includes(topic)) network.pubsub.subscribe(topic);
    // Gossip only flows between connected peers: reach out to the members we can.
    for (const m of state.members) {
      if (!m.peer_id || m.peer_id === network.peerId || network.isConnected(m.peer_id)) continue;
      for (const address of m.addresses.slice(0, 2)) {
        void network.connect(address.includes('/p2p/') ? address : `${address}/p2p/${m.peer_id}`).catch(() => undefined);
      }
    }
  }

  const leaveTopic = (groupId: string) => {
    if (network.pubsub.getTopics().includes(topicOf(groupId))) network.pubsub.unsubscribe(topicOf(groupId));
  };

  // ---- control payloads over 1:1 sessions ---------------------------------------------------

  init.onPayload('gstate', (repos, payload, context) => {
    if (payload.k !== 'gstate') return;
    let state: GroupState;
    try {
      state = decodeGroupState(payload.state);
    } catch (err) {
      if (err instanceof GroupStateError) throw new DecryptFailedError(err.message);
      throw err;
    }
    // Only the group's admin may change it, and only forwards.
    if (state.admin !== context.remote) return;
    const existing = repos.groups.get(state.id);
    if (existing) {
      const current = stateOf(existing);
      if (current.admin !== state.admin || state.version <= current.version) return;
    }
    const before = existing ? stateOf(existing).members.map((m) => m.identity_key) : [];
    const { chat, created, member } = adopt(repos, context.local, state, payload.state, context.now);
    if (member) applyMemberChange(repos, state, context.local, before, context.now);
    return afterAdopt(state, member, chat, created);
  });

  init.onPayload('skey', (repos, payload, context) => {
    if (payload.k !== 'skey') return;
    const row = repos.groups.get(payload.g);
    if (!row || row.removed === 1) return;
    if (!stateOf(row).members.some((m) => m.identity_key === context.remote)) return;
    const [keyId, iteration, chainKey, signingPublic] = payload.key;
    if (repos.groups.getSenderKey(payload.g, context.remote, keyId)) return;
    saveKey(repos, payload.g, context.remote, senderKeyFromDistribution({ keyId, iteration, chainKey, signingPublic }), context.now);
    log.debug({ group: payload.g, sender: context.remote.slice(0, 16), keyId }, 'sender key received');
    return () => retryHeld(payload.g, context.remote);
  });

  function retryHeld(groupId: string, sender: string): void {
    const key = `${groupId}:${sender}`;
    const waiting = held.get(key);
    log.debug({ key: key.slice(0, 40), waiting: waiting?.length ?? 0, heldKeys: [...held.keys()].map((k) => k.slice(0, 40)) }, 'retrying held group envelopes');
    if (!waiting) return;
    held.delete(key);
    for (const bytes of waiting) void delivery.receive(bytes, { peer: null, via: 'gossip' });
  }

  // ---- group messages --------------------------------------------------------------------------

  function handleGroupEnvelope(repos: Repositories, envelope: SignedEnvelope, at: number): AfterCommit | void {
    const groupId = bytesToHex(envelope.to);
    const row = requireGroup(repos, groupId);
    const state = stateOf(row);
    const sender = bytesToHex(envelope.from);
    if (row.removed === 1 || !state.members.some((m) => m.identity_key === sender)) throw new DecryptFailedError('not from a member of this group');
    const parsed = bodySchema.safeParse(decodeCbor(envelope.body));
    if (!parsed.success) throw new DecryptFailedError('malformed group message');
    const [keyId, iteration, ciphertext, signature] = parsed.data;
    const keyRow = repos.groups.getSenderKey(groupId, sender, keyId);
    if (!keyRow) throw new SenderKeyMissingError(`no sender key ${keyId} from ${sender.slice(0, 16)} yet`);
    let result;
    try {
      // The envelope's signature (checked before we got here) authenticates the sender.
      result = senderKeyDecrypt(vault.openValue<SenderKeyState>(keyLabel(groupId, sender, keyId), keyRow.sealed_state), { keyId, iteration, ciphertext, signature }, concatBytes(envelope.to, envelope.from), { senderAuthenticated: true });
    } catch (err) {
      if (err instanceof SenderKeyError) throw new DecryptFailedError(err.message);
      throw err;
    }
    saveKey(repos, groupId, sender, result.state, at);
    const payload = groupPayload.safeParse(decodeCbor(result.plaintext));
    if (!payload.success) throw new DecryptFailedError('unreadable group message');
    const chatId = chatIdOf(groupId);
    if (repos.messages.get(payload.data.id)) return;
    const { message, startDownloads } = storeIncoming(repos, init.attachments, { id: payload.data.id, chatId, sender, text: payload.data.text, sentAt: payload.data.at, at, manifests: payload.data.att });
    return () => {
      events.emit('message.created', message);
      startDownloads?.();
    };
  }

  const outbound: Outbound = {
    queue(repos, chat, message, manifests: readonly AttachmentManifest[]) {
      const groupId = chat.group_id!;
      const row = requireGroup(repos, groupId);
      if (row.removed === 1) throw new ValidationError('you are no longer a member of this group');
      const state = stateOf(row);
      const local = chat.identity_id;
      secretOf(local);
      const own = loadOwnKey(repos, groupId, local);
      if (!own) throw new ValidationError('this group has no sender key yet; try again in a moment');
      const plaintext = encodeCbor({ id: message.id, text: message.text, at: message.sent_at, ...(manifests.length ? { att: [...manifests] } : {}) });
      const to = hexToBytes(groupId);
      const from = hexToBytes(local);
      // The envelope carrying it is signed by our identity key: no separate sender-key signature.
      const { state: next, message: encrypted } = senderKeyEncrypt(own.state, plaintext, concatBytes(to, from), { senderAuthenticated: true });
      saveKey(repos, groupId, local, next, message.sent_at);
      const core: EnvelopeCore = { type: 'group', id: randomBytes(16), from, to, ts: message.sent_at, body: encodeCbor([encrypted.keyId, encrypted.iteration, encrypted.ciphertext, encrypted.signature]) };
      // Members on the gossip topic get it there; the others get a copy through their relays.
      const onTopic = new Set(network.pubsub.getSubscribers(topicOf(groupId)).map((p) => p.toString()));
      const viaRelays = state.members.filter((m) => m.identity_key !== local && !(m.peer_id && onTopic.has(m.peer_id)));
      for (const member of viaRelays) delivery.queueGroupCopy(repos, core, member.identity_key, local, groupId, message.id, message.sent_at);
      if (viaRelays.length === 0) repos.messages.setStatus(message.seq, 'sent');
      return () => {
        if (toPublish.length === 0) setImmediate(publishPending);
        toPublish.push({ local, groupId, core });
        if (viaRelays.length === 0) events.emit('message.updated', { ...message, status: 'sent' });
        if (manifests.length) init.attachments.pushToRelays(message.id, state.members.filter((m) => m.identity_key !== local).map((m) => ({ recipient: m.identity_key, relays: m.relays })));
        delivery.kick();
      };
    },
    markRead: () => () => undefined,
  };

  /**
   * Our sender key after the members changed (as admin, or told by the admin): the keys of those
   * who left are dropped; if anyone left, or we have no key yet, ours is replaced by a fresh one for
   * the current members only, else the newcomers get our current one.
   */
  function applyMemberChange(repos: Repositories, next: GroupState, local: string, before: readonly string[], at: number): void {
    const after = next.members.map((m) => m.identity_key);
    const removed = before.filter((k) => !after.includes(k));
    for (const gone of removed) repos.groups.deleteSenderKeys(next.id, gone);
    const own = loadOwnKey(repos, next.id, local);
    if (!own || removed.length > 0) rotateOwnKey(repos, next, local, at);
    else distribute(repos, next, local, own.state, after.filter((k) => !before.includes(k)), at);
  }

  async function changeMembers(groupId: string, change: (state: GroupState) => { members: GroupMember[]; notify: string[] }): Promise<GroupInfo> {
    const result = await store.write((repos) => {
      const row = requireGroup(repos, groupId);
      const state = stateOf(row);
      const local = row.local_identity;
      if (state.admin !== local) throw new NotGroupAdminError('only the group admin can change its members');
      const secret = secretOf(local);
      const { members, notify } = change(state);
      const at = now();
      const next: GroupState = { ...state, members, version: state.version + 1, at };
      const bytes = encodeGroupState(next, secret);
      const { chat, created, member } = adopt(repos, local, next, bytes, at);
      shareState(repos, next, local, bytes, notify, at);
      applyMemberChange(repos, next, local, state.members.map((m) => m.identity_key), at);
      return { info: toInfo(requireGroup(repos, groupId)), after: afterAdopt(next, member, chat, created) };
    });
    result.after();
    return result.info;
  }

  return {
    start() {
      for (const row of store.repos.groups.list()) if (row.removed === 0) joinTopic(stateOf(row));
      network.pubsub.addEventListener('message', onGossip);
    },
    stop() {
      network.pubsub.removeEventListener('message', onGossip);
    },

    async create(input) {
      const result = await store.write((repos) => {
        const local = input.identity_id ?? repos.identities.getDefault()?.id;
        if (!local) throw new NoIdentityError('create an identity first (POST /api/identities)');
        const secret = secretOf(local);
        const memberKeys = [...new Set([local, ...input.members])];
        const at = now();
        const state: GroupState = {
          id: bytesToHex(randomBytes(16)),
          title: input.title,
          admin: local,
          members: memberKeys.map((k) => memberEntry(repos, local, k)),
          version: 1,
          at,
        };
        const bytes = encodeGroupState(state, secret);
        const { chat, created, member } = adopt(repos, local, state, bytes, at);
        shareState(repos, state, local, bytes, memberKeys, at);
        rotateOwnKey(repos, state, local, at);
        return { info: toInfo(requireGroup(repos, state.id)), after: afterAdopt(state, member, chat, created) };
      });
      result.after();
      return result.info;
    },

    addMembers: (groupId, keys) =>
      changeMembers(groupId, (state) => {
        const local = state.admin;
        const added = keys.filter((k) => !state.members.some((m) => m.identity_key === k));
        const members = [...state.members, ...added.map((k) => memberEntry(store.repos, local, k))];
        return { members, notify: members.map((m) => m.identity_key) };
      }),

    removeMember: (groupId, key) =>
      changeMembers(groupId, (state) => {
        if (key === state.admin) throw new ValidationError('the admin cannot remove themselves');
        if (!state.members.some((m) => m.identity_key === key)) throw new ContactNotFoundError(`${key} is not a member`);
        const members = state.members.filter((m) => m.identity_key !== key);
        // The removed member hears that they are out (so they stop listening), but gets no new key.
        return { members, notify: [...members.map((m) => m.identity_key), key] };
      }),

    get: (groupId) => toInfo(requireGroup(store.repos, groupId)),
    list: () => store.repos.groups.list().map(toInfo),
    outbound,
    handleGroupEnvelope,
    groupRecipients(repos, groupId) {
      const row = repos.groups.get(groupId);
      return row && row.removed === 0 && keyRing.get(row.local_identity) ? [row.local_identity] : [];
    },
  };

  function onGossip(event: CustomEvent<{ topic: string; data: Uint8Array }>): void {
    if (!event.detail.topic.startsWith('/dchat/group/')) return;
    const bytes = event.detail.data;
    void delivery.receive(bytes, { peer: null, via: 'gossip' }).then((result) => {
      if (!result.ok && result.error === 'held') {
        // Most likely its sender key has not arrived yet: keep it for when it does.
        try {
          const { from, to } = decodeEnvelope(bytes);
          const groupAndSender = `${bytesToHex(to)}:${bytesToHex(from)}`;
          const list = held.get(groupAndSender) ?? [];
          if (list.length < 256) list.push(bytes);
          held.set(groupAndSender, list);
        } catch {
          // not worth keeping
        }
      }
    });
  }
}
