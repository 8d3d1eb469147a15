import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, hexToBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import type { Chat, Contact } from '../domain/model.ts';
import { ContactNotFoundError, IdentityNotFoundError, NoIdentityError, ValidationError } from '../domain/errors.ts';
import type { EventBus } from '../events/event-bus.ts';
import type { ContactRecord } from '../store/repositories/contacts.ts';
import type { Repositories, Store } from '../store/store.ts';
import type { RecipientRoute } from '../delivery/delivery-service.ts';
import { decodeInvite, encodeInvite, INVITE_PREFIX, RecordError, type SignedIdentityRecord } from '../wire/identity-record.ts';
import { safetyNumber } from './safety-number.ts';

export interface ContactService {
  invite(identityId?: string): { invite: string; link: string; identity_id: string };
  add(input: { invite: string; identity_id?: string | undefined }): Promise<{ contact: Contact; chat: Chat }>;
  list(identityId?: string): Contact[];
  get(identityKey: string, identityId?: string): Contact;
  safety(identityKey: string, identityId?: string): { safety_number: string; verified: boolean };
  setVerified(identityKey: string, verified: boolean, identityId?: string): Promise<Contact>;
  /** Records or refreshes a contact from a verified identity record (inside a transaction). */
  upsertFromRecord(repos: Repositories, local: string, record: SignedIdentityRecord, origin: ContactRecord['origin'], now: number): void;
  /** The direct chat between two identities (same id on both sides), created if missing. */
  ensureDirectChat(repos: Repositories, local: string, remote: string, now: number): { chat: Chat; created: boolean };
  route(repos: Repositories, local: string, remote: string): RecipientRoute | undefined;
}

/** Both ends derive the same chat id for a pair of identities. */
export function directChatId(a: string, b: string): string {
  const [x, y] = [a, b].sort();
  return `d-${bytesToHex(sha256(utf8ToBytes(`${x}:${y}`))).slice(0, 24)}`;
}

export function createContactService(init: {
  readonly store: Store;
  readonly events: EventBus;
  readonly ownRecord: (identityId: string) => SignedIdentityRecord;
  readonly now?: () => number;
}): ContactService {
  const { store, events } = init;
  const now = init.now ?? Date.now;

  const resolveLocal = (repos: Repositories, identityId?: string): string => {
    if (identityId) {
      if (!repos.identities.get(identityId)) throw new IdentityNotFoundError(`no local identity with id ${identityId}`);
      return identityId;
    }
    const fallback = repos.identities.getDefault();
    if (!fallback) throw new NoIdentityError('create an identity first (POST /api/identities)');
    return fallback.id;
  };

  const toContact = (c: ContactRecord): Contact => ({
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
    chat_id: directChatId(c.local_identity, c.identity_key),
  });

  const requireContact = (repos: Repositories, local: string, key: string): ContactRecord => {
    const contact = repos.contacts.get(local, key);
    if (!contact) throw new ContactNotFoundError(`no contact ${key}`);
    return contact;
  };

  const service: ContactService = {
    invite(identityId) {
      const local = resolveLocal(store.repos, identityId);
      const invite = encodeInvite(init.ownRecord(local));
      return { invite, link: `${INVITE_PREFIX}${invite}`, identity_id: local };
    },

    async add(input) {
      let record: SignedIdentityRecord;
      try {
        record = decodeInvite(input.invite);
      } catch (err) {
        if (err instanceof RecordError) throw new ValidationError(`invite: ${err.message}`);
        throw err;
      }
      const remote = bytesToHex(record.identity_key);
      const result = await store.write((repos) => {
        const local = resolveLocal(repos, input.identity_id);
        if (repos.identities.get(remote)) throw new ValidationError('invite: that is one of this node\'s own identities');
        service.upsertFromRecord(repos, local, record, 'added', now());
        const { chat, created } = service.ensureDirectChat(repos, local, remote, now());
        return { contact: toContact(requireContact(repos, local, remote)), chat, created };
      });
      if (result.created) events.emit('chat.created', result.chat);
      return { contact: result.contact, chat: result.chat };
    },

    list: (identityId) => store.repos.contacts.list(identityId).map(toContact),

    get(identityKey, identityId) {
      const local = resolveLocal(store.repos, identityId);
      return toContact(requireContact(store.repos, local, identityKey));
    },

    safety(identityKey, identityId) {
      const local = resolveLocal(store.repos, identityId);
      const contact = requireContact(store.repos, local, identityKey);
      return { safety_number: safetyNumber(hexToBytes(local), hexToBytes(identityKey)), verified: contact.verified_at !== null };
    },

    async setVerified(identityKey, verified, identityId) {
      return store.write((repos) => {
        const local = resolveLocal(repos, identityId);
        requireContact(repos, local, identityKey);
        repos.contacts.setVerified(local, identityKey, verified ? now() : null);
        return toContact(requireContact(repos, local, identityKey));
      });
    },

    upsertFromRecord(repos, local, record, origin, at) {
      const existing = repos.contacts.get(local, bytesToHex(record.identity_key));
      // An older record (replayed, or delivered late) never replaces a newer one.
      if (existing && existing.updated_at > record.updated_at && origin !== 'added') return;
      repos.contacts.upsert({
        local_identity: local,
        identity_key: bytesToHex(record.identity_key),
        username: record.username,
        display_name: record.display_name,
        peer_id: record.peer_id,
        addresses: record.addresses,
        relays: record.relays,
        origin,
        updated_at: Math.max(record.updated_at, at),
        created_at: existing?.created_at ?? at,
      });
      const chat = repos.conversations.get(directChatId(local, bytesToHex(record.identity_key)));
      if (chat && chat.title !== record.display_name) repos.conversations.setTitle(chat.chat_id, record.display_name);
    },

    ensureDirectChat(repos, local, remote, at) {
      const id = directChatId(local, remote);
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
    },

    route(repos, local, remote) {
      const contact = repos.contacts.get(local, remote) ?? repos.contacts.byIdentityKey(remote)[0];
      if (!contact) return undefined;
      return { peerId: contact.peer_id, addresses: contact.addresses, relays: contact.relays };
    },
  };
  return service;
}
