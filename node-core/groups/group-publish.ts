import type { Chat } from '../domain/model.ts';
import { ContactNotFoundError, NotGroupAdminError, ValidationError } from '../domain/errors.ts';
import type { AfterCommit, DeliveryService } from '../delivery/delivery-service.ts';
import type { EventBus } from '../events/event-bus.ts';
import type { Repositories, Store } from '../store/store.ts';
import type { SignedIdentityRecord } from '../wire/identity-record.ts';
import { isMember, memberKeys, type GroupBook } from './group-book.ts';
import type { GroupGossip } from './group-gossip.ts';
import type { GroupSenderKeys } from './group-sender-keys.ts';
import { adoptGroupState } from './group-adopt.ts';
import { encodeGroupState, type GroupMember, type GroupState } from './group-state.ts';

/** How the admin publishes a new member list: signed, stored, sent, with the sender keys following. */

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

export type Change = (state: GroupState) => { members: GroupMember[]; notify: string[]; title?: string };

export function afterAdopt(init: MembershipInit, state: GroupState, member: boolean, chat: Chat, created: boolean): AfterCommit {
  return () => {
    if (member) init.gossip.join(state);
    else init.gossip.leave(state.id);
    init.events.emit(created ? 'chat.created' : 'chat.updated', chat);
    init.delivery.kick();
  };
}

/** Signs, stores and sends a new member list of ours; `before` is who was in it (none for a new group). */
export function publishState(init: MembershipInit, repos: Repositories, state: GroupState, secret: Uint8Array, notify: readonly string[], before: readonly string[] | null) {
  const local = state.admin;
  const bytes = encodeGroupState(state, secret);
  const { chat, created, member } = adoptGroupState(repos, local, state, bytes, state.at);
  shareState(init.delivery, repos, state, bytes, notify);
  if (before) init.keys.applyMemberChange(repos, state, local, before, state.at);
  else init.keys.rotate(repos, state, local, state.at);
  return { info: init.book.toInfo(init.book.require(repos, state.id)), after: afterAdopt(init, state, member, chat, created) };
}

/** A new state of the admin's, inside a transaction. */
export function changeGroupIn(init: MembershipInit, repos: Repositories, groupId: string, change: Change) {
  const row = init.book.require(repos, groupId);
  const state = init.book.stateOf(row);
  if (state.admin !== row.local_identity) throw new NotGroupAdminError('only the group admin can change its members or name');
  const secret = init.secretOf(state.admin);
  const { members, notify, title } = change(state);
  return publishState(init, repos, { ...state, title: title ?? state.title, members, version: state.version + 1, at: init.now() }, secret, notify, memberKeys(state));
}

/** The member list without `key` (who hears that they are out, but gets no new key). */
export const without =
  (key: string): Change =>
  (state) => {
    if (key === state.admin) throw new ValidationError('the admin cannot remove themselves');
    if (!isMember(state, key)) throw new ContactNotFoundError(`${key} is not a member`);
    const members = state.members.filter((m) => m.identity_key !== key);
    return { members, notify: [...members.map((m) => m.identity_key), key] };
  };

/** Sends the admin's signed member list to these members over our sessions with them. */
function shareState(delivery: DeliveryService, repos: Repositories, state: GroupState, bytes: Uint8Array, to: readonly string[]): void {
  for (const member of to) {
    if (member !== state.admin) delivery.queueDirect(repos, { local: state.admin, remote: member, groupId: state.id, payload: { k: 'gstate', state: bytes } }, state.at);
  }
}

