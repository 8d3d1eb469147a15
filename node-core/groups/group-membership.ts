import { bytesToHex, randomBytes } from '@noble/hashes/utils.js';
import type { Chat, GroupInfo } from '../domain/model.ts';
import { ContactNotFoundError, NoIdentityError } from '../domain/errors.ts';
import type { AfterCommit, DirectContext } from '../delivery/delivery-service.ts';
import type { DirectPayload } from '../delivery/payloads.ts';
import { DecryptFailedError } from '../sessions/direct-sessions.ts';
import type { Repositories } from '../store/store.ts';
import type { SignedIdentityRecord } from '../wire/identity-record.ts';
import { isMember, memberKeys, type GroupBook } from './group-book.ts';
import type { GroupSenderKeys } from './group-sender-keys.ts';
import { adoptGroupState } from './group-adopt.ts';
import { leaveGroup, receiveLeave } from './group-leave.ts';
import { afterAdopt, changeGroupIn, publishState, without, type Change, type MembershipInit } from './group-publish.ts';
import { decodeGroupState, GroupStateError, type GroupMember, type GroupState } from './group-state.ts';

export type { MembershipInit } from './group-publish.ts';

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


export function createGroupMembership(init: MembershipInit): GroupMembership {
  const { store } = init;
  const changeMembers = async (groupId: string, change: Change): Promise<GroupInfo> => {
    const result = await store.write((repos) => changeGroupIn(init, repos, groupId, change));
    result.after();
    return result.info;
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
        return publishState(init, repos, state, secret, keysOfMembers, null);
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
    leave: (groupId) => leaveGroup(init, groupId),
    receive: (repos, payload, context) => receiveGroupState({ book: init.book, keys: init.keys, afterAdopt: (...a) => afterAdopt(init, ...a) }, repos, payload, context),
    receiveLeave: (repos, payload, context) => receiveLeave(init, repos, payload, context),
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
