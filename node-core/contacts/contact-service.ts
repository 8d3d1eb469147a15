import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import type { RecipientRoute } from '../delivery/delivery-service.ts';
import { ValidationError } from '../domain/errors.ts';
import type { Chat, Contact } from '../domain/model.ts';
import type { EventBus } from '../events/event-bus.ts';
import type { ContactRecord } from '../store/repositories/contacts.ts';
import type { Repositories, Store } from '../store/store.ts';
import { decodeInvite, encodeInvite, INVITE_PREFIX, RecordError, type SignedIdentityRecord } from '../wire/identity-record.ts';
import { ensureDirectChat, requireContact, resolveLocal, routeTo, toContact, upsertFromRecord } from './contact-records.ts';
import { safetyNumber } from './safety-number.ts';

export { chatIdWith, directChatId, retiredKey } from './contact-records.ts';

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

export interface ContactServiceInit {
  readonly store: Store;
  readonly events: EventBus;
  readonly ownRecord: (identityId: string) => SignedIdentityRecord;
  readonly now?: () => number;
}

function decodeInviteInput(invite: string): SignedIdentityRecord {
  try {
    return decodeInvite(invite);
  } catch (err) {
    if (err instanceof RecordError) throw new ValidationError(`invite: ${err.message}`);
    throw err;
  }
}

/** Contacts of this node's identities; holds no timers, so it has no lifecycle. */
export function createContactService(init: ContactServiceInit): ContactService {
  const { store, events } = init;
  const now = init.now ?? Date.now;
  return {
    invite(identityId) {
      const local = resolveLocal(store.repos, identityId);
      const invite = encodeInvite(init.ownRecord(local));
      return { invite, link: `${INVITE_PREFIX}${invite}`, identity_id: local };
    },
    async add(input) {
      const record = decodeInviteInput(input.invite);
      const remote = bytesToHex(record.identity_key);
      const result = await store.write((repos) => {
        const local = resolveLocal(repos, input.identity_id);
        if (repos.identities.get(remote)) throw new ValidationError("invite: that is one of this node's own identities");
        upsertFromRecord(repos, local, record, 'added', now());
        const { chat, created } = ensureDirectChat(repos, local, remote, now());
        return { contact: toContact(repos, requireContact(repos, local, remote)), chat, created };
      });
      if (result.created) events.emit('chat.created', result.chat);
      return { contact: result.contact, chat: result.chat };
    },
    list: (identityId) => store.repos.contacts.list(identityId).map((c) => toContact(store.repos, c)),
    get(identityKey, identityId) {
      const local = resolveLocal(store.repos, identityId);
      return toContact(store.repos, requireContact(store.repos, local, identityKey));
    },
    safety(identityKey, identityId) {
      const local = resolveLocal(store.repos, identityId);
      const contact = requireContact(store.repos, local, identityKey);
      return { safety_number: safetyNumber(hexToBytes(local), hexToBytes(identityKey)), verified: contact.verified_at !== null };
    },
    setVerified: (identityKey, verified, identityId) =>
      store.write((repos) => {
        const local = resolveLocal(repos, identityId);
        requireContact(repos, local, identityKey);
        repos.contacts.setVerified(local, identityKey, verified ? now() : null);
        return toContact(repos, requireContact(repos, local, identityKey));
      }),
    upsertFromRecord,
    ensureDirectChat,
    route: routeTo,
  };
}
