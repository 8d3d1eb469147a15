import { bytesToHex, randomBytes } from '@noble/hashes/utils.js';
import type { Chat, GroupInfo } from '../domain/model.ts';
import { ContactNotFoundError, NoIdentityError, NotGroupAdminError, ValidationError } from '../domain/errors.ts';
import type { AfterCommit, DeliveryService, DirectContext } from '../delivery/delivery-service.ts';
import type { DirectPayload } from '../delivery/payloads.ts';
import type { EventBus } from '../events/event-bus.ts';
import { DecryptFailedError } from '../sessions/direct-sessions.ts';
import type { Repositories, Store } from '../store/store.ts';
import type { SignedIdentityRecord } from '../wire/identity-record.ts';
import { chatIdOf, isMember, memberKeys, type GroupBook } from './group-book.ts';
import type { GroupGossip } from './group-gossip.ts';
import type { GroupSenderKeys } from './group-sender-keys.ts';
import { adoptGroupState } from './group-adopt.ts';
import { decodeGroupState, encodeGroupState, GroupStateError, type GroupMember, type GroupState } from './group-state.ts';

/**
 * Who is in a group. The admin signs each new member list and sends it over the pairwise
 * sessions; members accept a list only from the admin and only at a higher version, so a removal
 * cannot be undone by replaying an older one.
 */
export interface GroupMembership {
  create(input: { title: string; members: readonly string[]; identity_id?: string | undefined }): Promise<GroupInfo>;
  addMembers(groupId: string, members: readonly string[]): Promise<GroupInfo>;
  removeMember(groupId: string, member: string): Promise<GroupInfo>;
  /** The admin renames the group (a new signed state, as for members). */
  rename(groupId: string, title: string): Promise<GroupInfo>;
  /** A member leaves: stops reading and sending at once and asks the admin to take them off the list. */
  leave(groupId: string): Promise<GroupInfo>;
  /** A member list arrived from the admin (the "gstate" payload). */
  receive(repos: Repositories, payload: DirectPayload, context: DirectContext): AfterCommit | void;
  /** A member told us, the admin, that they left (the "gleave" payload). */
  receiveLeave(repos: Repositories, payload: DirectPayload, context: DirectContext): AfterCommit | void;
}

export interface MembershipInit {
  readonly store: Store;
  readonly book: GroupBook;
  readonly keys: GroupSenderKeys;
  readonly gossip: GroupGossip;
  readonly delivery: DeliveryService;
  readonly events: EventBus;
  readonly ownRecord: (local: string) => SignedIdentityRecord;
  /** The identity's secret key; throws unless it is unlocked. */
  readonly secretOf: (identity: string) => Uint8Array;
  readonly now: () => number;
}

export function createGroupMembership(init: MembershipInit): GroupMembership {
  const { store, book, keys, delivery } = init;

  function afterAdopt(state: GroupState, member: boolean, chat: Chat, created: boolean): AfterCommit {
    return () => {
      if (member) init.gossip.join(state);
      else init.gossip.leave(state.id);
      init.events.emit(created ? 'chat.created' : 'chat.updated', chat);
      delivery.kick();
    };
  }

  /** Signs, stores and sends a new member list of ours; `before` is who was in it (none for a new group). */
  function publishState(repos: Repositories, state: GroupState, secret: Uint8Array, notify: readonly string[], before: readonly string[] | null) {
    const local = state.admin;
    const bytes = encodeGroupState(state, secret);
    const { chat, created, member } = adoptGroupState(repos, local, state, bytes, state.at);
    shareState(delivery, repos, state, bytes, notify);
    if (before) keys.applyMemberChange(repos, state, local, before, state.at);
    else keys.rotate(repos, state, local, state.at);
    return { info: book.toInfo(book.require(repos, state.id)), after: afterAdopt(state, member, chat, created) };
  }

  type Change = (state: GroupState) => { members: GroupMember[]; notify: string[]; title?: string };

  /** A new state of the admin's, inside a transaction. */
  function changeIn(repos: Repositories, groupId: string, change: Change) {
    const row = book.require(repos, groupId);
    const state = book.stateOf(row);
    if (state.admin !== row.local_identity) throw new NotGroupAdminError('only the group admin can change its members or name');
    const secret = init.secretOf(state.admin);
    const { members, notify, title } = change(state);
    return publishState(repos, { ...state, title: title ?? state.title, members, version: state.version + 1, at: init.now() }, secret, notify, memberKeys(state));
  }

  async function changeMembers(groupId: string, change: Change): Promise<GroupInfo> {
    const result = await store.write((repos) => changeIn(repos, groupId, change));
    result.after();
    return result.info;
  }

  const without = (key: string) => (state: GroupState) => {
    if (key === state.admin) throw new ValidationError('the admin cannot remove themselves');
    if (!isMember(state, key)) throw new ContactNotFoundError(`${key} is not a member`);
    const members = state.members.filter((m) => m.identity_key !== key);
    // The removed member hears that they are out (so they stop listening), but gets no new key.
    return { members, notify: [...members.map((m) => m.identity_key), key] };
  };

  return {
    async create(input) {
      const result = await store.write((repos) => {
        const local = input.identity_id ?? repos.identities.getDefault()?.id;
        if (!local) throw new NoIdentityError('create an identity first (POST /api/identities)');
        const secret = init.secretOf(local);
        const keysOfMembers = [...new Set([local, ...input.members])];
        const state: GroupState = {
          id: bytesToHex(randomBytes(16)),
          title: input.title,
          admin: local,
          members: keysOfMembers.map((k) => memberEntry(repos, init.ownRecord, local, k)),
          version: 1,
          at: init.now(),
        };
        return publishState(repos, state, secret, keysOfMembers, null);
      });
      result.after();
      return result.info;
    },

    addMembers: (groupId, added) =>
      changeMembers(groupId, (state) => {
        const fresh = added.filter((k) => !isMember(state, k));
        const members = [...state.members, ...fresh.map((k) => memberEntry(store.repos, init.ownRecord, state.admin, k))];
        return { members, notify: members.map((m) => m.identity_key) };
      }),

    removeMember: (groupId, key) => changeMembers(groupId, without(key)),

    rename: (groupId, title) => changeMembers(groupId, (state) => ({ members: [...state.members], notify: state.members.map((m) => m.identity_key), title })),

    async leave(groupId) {
      const result = await store.write((repos) => {
        const row = book.require(repos, groupId);
        const state = book.stateOf(row);
        if (state.admin === row.local_identity) throw new ValidationError('the admin cannot leave the group; remove the other members first');
        repos.groups.put({ ...row, removed: 1 });
        delivery.queueDirect(repos, { local: row.local_identity, remote: state.admin, groupId, payload: { k: 'gleave', g: groupId } }, init.now());
        return { info: book.toInfo(book.require(repos, groupId)), chat: repos.conversations.get(chatIdOf(groupId)) };
      });
      init.gossip.leave(groupId);
      if (result.chat) init.events.emit('chat.updated', result.chat);
      delivery.kick();
      return result.info;
    },

    receive: (repos, payload, context) => receiveGroupState({ book, keys, afterAdopt }, repos, payload, context),

    receiveLeave(repos, payload, context) {
      if (payload.k !== 'gleave') return;
      const row = repos.groups.get(payload.g);
      // Only a member's own word takes them off, and only the admin can sign the new list.
      if (!row || row.removed === 1 || row.local_identity !== context.local) return;
      const state = book.stateOf(row);
      if (state.admin !== context.local || !isMember(state, context.remote) || context.remote === state.admin) return;
      return changeIn(repos, payload.g, without(context.remote)).after;
    },
  };
}

/** A member entry for a local identity (our own route) or a contact. */
function memberEntry(repos: Repositories, ownRecord: (local: string) => SignedIdentityRecord, local: string, key: string): GroupMember {
  if (key === local) {
    const identity = repos.identities.get(local)!;
    const profile = repos.profiles.get(local);
    const record = ownRecord(local);
    return { identity_key: key, username: identity.username, display_name: profile?.display_name ?? identity.username, peer_id: record.peer_id, addresses: record.addresses, relays: record.relays };
  }
  const contact = repos.contacts.get(local, key);
  if (!contact) throw new ContactNotFoundError(`${key} is not a contact of this identity; add them by invite first`);
  return { identity_key: key, username: contact.username, display_name: contact.display_name, peer_id: contact.peer_id, addresses: contact.addresses, relays: contact.relays };
}

/** Sends the admin's signed member list to these members over our sessions with them. */
function shareState(delivery: DeliveryService, repos: Repositories, state: GroupState, bytes: Uint8Array, to: readonly string[]): void {
  for (const member of to) {
    if (member !== state.admin) delivery.queueDirect(repos, { local: state.admin, remote: member, groupId: state.id, payload: { k: 'gstate', state: bytes } }, state.at);
  }
}

function receiveGroupState(
  deps: { readonly book: GroupBook; readonly keys: GroupSenderKeys; readonly afterAdopt: (state: GroupState, member: boolean, chat: Chat, created: boolean) => AfterCommit },
  repos: Repositories,
  payload: DirectPayload,
  context: DirectContext,
): AfterCommit | void {
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
  const current = existing ? deps.book.stateOf(existing) : undefined;
  if (current && (current.admin !== state.admin || state.version <= current.version)) return;
  const { chat, created, member } = adoptGroupState(repos, context.local, state, payload.state, context.now);
  if (member) deps.keys.applyMemberChange(repos, state, context.local, current ? memberKeys(current) : [], context.now);
  return deps.afterAdopt(state, member, chat, created);
}
