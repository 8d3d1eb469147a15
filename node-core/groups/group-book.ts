import type { GroupInfo } from '../domain/model.ts';
import { GroupNotFoundError } from '../domain/errors.ts';
import type { GroupRow } from '../store/repositories/groups.ts';
import type { Repositories } from '../store/store.ts';
import { decodeGroupState, type GroupState } from './group-state.ts';

export const topicOf = (groupId: string): string => `/dchat/group/${groupId}`;
export const chatIdOf = (groupId: string): string => `g-${groupId}`;
export const isMember = (state: GroupState, identityKey: string): boolean => state.members.some((m) => m.identity_key === identityKey);
export const memberKeys = (state: GroupState): string[] => state.members.map((m) => m.identity_key);

/** Reading the stored groups: their signed state, checked once per version. */
export interface GroupBook {
  stateOf(row: GroupRow): GroupState;
  require(repos: Repositories, groupId: string): GroupRow;
  toInfo(row: GroupRow): GroupInfo;
}

const CACHED_STATES = 1024;

export function createGroupBook(): GroupBook {
  // Decoding checks the admin's signature: done once per group version, not per message.
  const cache = new Map<string, GroupState>();
  const stateOf = (row: GroupRow): GroupState => {
    const key = `${row.id}:${row.version}`;
    let state = cache.get(key);
    if (!state) {
      state = decodeGroupState(row.state);
      cache.set(key, state);
      if (cache.size > CACHED_STATES) cache.delete(cache.keys().next().value!);
    }
    return state;
  };

  return {
    stateOf,
    require(repos, groupId) {
      const row = repos.groups.get(groupId);
      if (!row) throw new GroupNotFoundError(`no group ${groupId}`);
      return row;
    },
    toInfo(row) {
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
    },
  };
}
