import type { GroupInfo } from '../domain/model.ts';
import { ValidationError } from '../domain/errors.ts';
import type { AfterCommit, DirectContext } from '../delivery/delivery-service.ts';
import type { DirectPayload } from '../delivery/payloads.ts';
import type { Repositories } from '../store/store.ts';
import { chatIdOf, isMember } from './group-book.ts';
import { changeGroupIn, without, type MembershipInit } from './group-publish.ts';

/**
 * Leaving a group. Only the admin signs member lists, so a member who leaves stops at once on
 * its own side (no more reading or sending) and tells the admin, whose node takes it off the
 * list — which gives the others new sender keys, as any removal does.
 */
export async function leaveGroup(init: MembershipInit, groupId: string): Promise<GroupInfo> {
  const result = await init.store.write((repos) => {
    const row = init.book.require(repos, groupId);
    const state = init.book.stateOf(row);
    if (state.admin === row.local_identity) throw new ValidationError('the admin cannot leave the group; remove the other members first');
    repos.groups.put({ ...row, removed: 1 });
    init.delivery.queueDirect(repos, { local: row.local_identity, remote: state.admin, groupId, payload: { k: 'gleave', g: groupId } }, init.now());
    return { info: init.book.toInfo(init.book.require(repos, groupId)), chat: repos.conversations.get(chatIdOf(groupId)) };
  });
  init.gossip.leave(groupId);
  if (result.chat) init.events.emit('chat.updated', result.chat);
  init.delivery.kick();
  return result.info;
}

/** A member told us, the admin, that they left (the "gleave" payload). */
export function receiveLeave(init: MembershipInit, repos: Repositories, payload: DirectPayload, context: DirectContext): AfterCommit | void {
  if (payload.k !== 'gleave') return;
  const row = repos.groups.get(payload.g);
  // Only a member's own word takes them off, and only the admin can sign the new list.
  if (!row || row.removed === 1 || row.local_identity !== context.local) return;
  const state = init.book.stateOf(row);
  if (state.admin !== context.local || !isMember(state, context.remote) || context.remote === state.admin) return;
  return changeGroupIn(init, repos, payload.g, without(context.remote)).after;
}
