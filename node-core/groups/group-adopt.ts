import type { Chat } from '../domain/model.ts';
import type { Repositories } from '../store/store.ts';
import { chatIdOf, isMember } from './group-book.ts';
import type { GroupState } from './group-state.ts';

/**
 * Stores a group state we are in (or were removed from) and makes its chat exist. Members we do
 * not know yet become contacts (the admin vouches for their routes), so we can reach them.
 */
export function adoptGroupState(repos: Repositories, local: string, state: GroupState, bytes: Uint8Array, at: number): { chat: Chat; created: boolean; member: boolean } {
  const member = isMember(state, local);
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
