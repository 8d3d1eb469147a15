import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import type { RecipientRoute } from '../delivery/delivery-service.ts';
import { ContactNotFoundError, IdentityNotFoundError, NoIdentityError } from '../domain/errors.ts';
import type { Chat, Contact } from '../domain/model.ts';
import type { ContactRecord } from '../store/repositories/contacts.ts';
import type { Repositories } from '../store/store.ts';
import type { SignedIdentityRecord } from '../wire/identity-record.ts';

/** Both ends derive the same chat id for a pair of identities. */
export function directChatId(a: string, b: string): string {
  const [x, y] = [a, b].sort();
  return `d-${bytesToHex(sha256(utf8ToBytes(`${x}:${y}`))).slice(0, 24)}`;
}

/** The local identity a call speaks for: the one named, else the default. */
export function resolveLocal(repos: Repositories, identityId?: string): string {
  if (identityId) {
    if (!repos.identities.get(identityId)) throw new IdentityNotFoundError(`no local identity with id ${identityId}`);
    return identityId;
  }
  const fallback = repos.identities.getDefault();
  if (!fallback) throw new NoIdentityError('create an identity first (POST /api/identities)');
  return fallback.id;
}

/**
 * The direct chat's id: derived from both keys, except for a chat kept across the other side's
 * key change (found by its peer), so the conversation goes on where it was, as in Signal.
 */
export function chatIdWith(repos: Repositories, local: string, remote: string): string {
  const id = directChatId(local, remote);
  if (repos.conversations.exists(id)) return id;
  return repos.conversations.directWith(local, remote)?.chat_id ?? id;
}

/**
 * A key the chat with it moved away from (the other side's key changed in the directory): what it
 * sends is no longer taken into the chat, as Signal stops taking a replaced identity key.
 */
export function retiredKey(repos: Repositories, local: string, remote: string): boolean {
  const chat = repos.conversations.get(directChatId(local, remote));
  return chat !== undefined && chat.kind === 'direct' && chat.peer_identity !== null && chat.peer_identity !== remote;
}

export const toContact = (repos: Repositories, c: ContactRecord): Contact => ({
  identity_key: c.identity_key,
  local_identity: c.local_identity,
  username: c.username,
  display_name: c.display_name,
  peer_id: c.peer_id,
  addresses: [...c.addresses],
  relays: c.relays.map((r) => ({ peer_id: r.peer_id, addresses: [...r.addresses] })),
  origin: c.origin,
  verified: c.verified_at !== null,
  verified_at: c.verified_at,
  chat_id: chatIdWith(repos, c.local_identity, c.identity_key),
});

export function requireContact(repos: Repositories, local: string, key: string): ContactRecord {
  const contact = repos.contacts.get(local, key);
  if (!contact) throw new ContactNotFoundError(`no contact ${key}`);
  return contact;
}

/** Records or refreshes a contact from a verified identity record (inside a transaction). */
export function upsertFromRecord(repos: Repositories, local: string, record: SignedIdentityRecord, origin: ContactRecord['origin'], at: number): void {
  const key = bytesToHex(record.identity_key);
  const existing = repos.contacts.get(local, key);
  // An older record (replayed, or delivered late) never replaces a newer one.
  if (existing && existing.updated_at > record.updated_at && origin !== 'added') return;
  repos.contacts.upsert({
    local_identity: local,
    identity_key: key,
    username: record.username,
    display_name: record.display_name,
    peer_id: record.peer_id,
    addresses: record.addresses,
    relays: record.relays,
    origin,
    updated_at: Math.max(record.updated_at, at),
    created_at: existing?.created_at ?? at,
  });
  const chat = repos.conversations.get(chatIdWith(repos, local, key));
  if (chat && chat.title !== record.display_name) repos.conversations.setTitle(chat.chat_id, record.display_name);
}

/** The direct chat between two identities (same id on both sides), created if missing. */
export function ensureDirectChat(repos: Repositories, local: string, remote: string, at: number): { chat: Chat; created: boolean } {
  const id = chatIdWith(repos, local, remote);
  const existing = repos.conversations.get(id);
  if (existing) return { chat: existing, created: false };
  const contact = repos.contacts.get(local, remote);
  repos.conversations.insert({
    id,
    kind: 'direct',
    title: contact?.display_name ?? `${remote.slice(0, 8)}…`,
    identity_id: local,
    created_at: at,
    peer_identity: remote,
  });
  return { chat: repos.conversations.get(id)!, created: true };
}

/** Where to reach a remote identity: its contact entry for this local identity, else any. */
export function routeTo(repos: Repositories, local: string, remote: string): RecipientRoute | undefined {
  const contact = repos.contacts.get(local, remote) ?? repos.contacts.byIdentityKey(remote)[0];
  if (!contact) return undefined;
  return { peerId: contact.peer_id, addresses: contact.addresses, relays: contact.relays };
}
