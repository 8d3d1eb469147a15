import { bytesToHex } from '@noble/hashes/utils.js';
import type { Logger } from 'pino';
import type { KeyChange } from '../domain/model.ts';
import type { EventBus } from '../events/event-bus.ts';
import type { Startable } from '../runtime/startable.ts';
import type { ContactRecord } from '../store/repositories/contacts.ts';
import type { Repositories, Store } from '../store/store.ts';
import { decodeIdentityRecord, RecordError, type SignedIdentityRecord } from '../wire/identity-record.ts';
import { chatIdWith, ensureDirectChat, upsertFromRecord } from './contact-records.ts';
import { keyChangeRepositoryDefinition, type KeyChangeRepository } from './key-change-repository.ts';

/**
 * Safety-number changes from the chat chain's directory, shown as Signal shows them. A contact we
 * added (by username or invite) is tied to the username its key holds; when a final block leaves
 * that username with another key, the change is recorded in the contact's conversation, the
 * conversation goes on with the new key (so new sessions are made with it), and the contact is
 * unverified until the new safety number is compared. What is compared is the final state, not
 * the transactions: a node that was offline and caught up block by block sees the same.
 */

/** A username's entry in the final directory state (only what this needs). */
export interface DirectoryEntry {
  readonly key: Uint8Array;
  readonly record: Uint8Array;
  readonly previous_keys: readonly Uint8Array[];
}

/** Reads the chat chain's last final state. */
export interface DirectoryReader {
  height(): number;
  entry(username: string): DirectoryEntry | undefined;
  /** The username a key holds now, if any. */
  usernameOf(identityKey: string): string | undefined;
}

export interface KeyChangeWatch extends Startable {
  /** Compares at once, in the background: what changed while the node was off shows. */
  start(): void;
  stop(): Promise<void>;
  /** A final chat-chain block: its height and the state keys it changed (as strings: `n/<name>`, ...). */
  blockApplied(height: number, changedKeys: readonly string[]): void;
  /** A contact just added by username: tie it to that username now. */
  link(localIdentity: string, identityKey: string, username: string): Promise<void>;
  list(chatId?: string): KeyChange[];
  /** Compares every added contact with the directory now; resolves with the changes it found. */
  reconcile(changedNames?: ReadonlySet<string>): Promise<KeyChange[]>;
}

export interface KeyChangeWatchInit {
  readonly store: Store;
  readonly events: EventBus;
  readonly directory: DirectoryReader;
  readonly logger: Logger;
  readonly now?: () => number;
}

/** Signed by the key we knew when a chain of signed rotations leads from it; anything else is a reset. */
export const changeKind = (knownKey: string, entry: DirectoryEntry): KeyChange['kind'] => (entry.previous_keys.some((k) => bytesToHex(k) === knownKey) ? 'rotated' : 'reset');

function recordAbout(bytes: Uint8Array, key: string): SignedIdentityRecord | undefined {
  try {
    const record = decodeIdentityRecord(bytes);
    return bytesToHex(record.identity_key) === key ? record : undefined;
  } catch (err) {
    if (err instanceof RecordError) return undefined;
    throw err;
  }
}

export function createKeyChangeWatch(init: KeyChangeWatchInit): KeyChangeWatch {
  const { store, events, directory } = init;
  const log = init.logger.child({ component: 'key-change-watch' });
  const now = init.now ?? Date.now;
  const repository = store.register(keyChangeRepositoryDefinition);
  let lastHeight: number | undefined;
  let running: Promise<unknown> | undefined;
  let again: Set<string> | 'all' | undefined;
  let stopped = true;

  /** The username a contact's key is tied to: the stored link, else found now (and stored). */
  function linkOf(repo: KeyChangeRepository, contact: ContactRecord, formerHolders: ReadonlyMap<string, string>): string | undefined {
    const link = repo.link(contact.local_identity, contact.identity_key);
    if (link) return link.username;
    // Rotated away in the very block that first showed it: the new entry lists our key as a previous one.
    const name = directory.usernameOf(contact.identity_key) ?? formerHolders.get(contact.identity_key);
    if (name) repo.setLink(contact.local_identity, contact.identity_key, name, directory.height());
    return name;
  }

  function applyChange(repos: Repositories, repo: KeyChangeRepository, contact: ContactRecord, username: string, entry: DirectoryEntry): KeyChange | undefined {
    const local = contact.local_identity;
    const oldKey = contact.identity_key;
    const newKey = bytesToHex(entry.key);
    // One of our own identities now holds the name: nothing to talk to there.
    if (repos.identities.get(newKey)) return undefined;
    const at = now();
    const kept = repos.conversations.get(chatIdWith(repos, local, oldKey));
    const record = recordAbout(entry.record, newKey);
    if (record) upsertFromRecord(repos, local, record, 'added', at);
    else {
      // The new key's own record comes with its next update; until then, reach the same node as before.
      // Stamped with the old record's time, so the new key's own record, when it comes, replaces it.
      const { username: name, display_name, peer_id, addresses, relays, updated_at } = contact;
      repos.contacts.upsert({ local_identity: local, identity_key: newKey, username: name, display_name, peer_id, addresses, relays, origin: 'added', updated_at, created_at: at });
    }
    repos.contacts.setVerified(local, newKey, null);
    let chatId: string;
    if (kept && kept.kind === 'direct') {
      repos.conversations.setPeer(kept.chat_id, newKey);
      chatId = kept.chat_id;
    } else chatId = ensureDirectChat(repos, local, newKey, at).chat.chat_id;
    repos.contacts.remove(local, oldKey);
    repo.unlink(local, oldKey);
    repo.setLink(local, newKey, username, directory.height());
    const display = repos.contacts.get(local, newKey)?.display_name ?? contact.display_name;
    return repo.insert({ local_identity: local, chat_id: chatId, username, display_name: display, old_key: oldKey, new_key: newKey, kind: changeKind(oldKey, entry), height: directory.height(), at });
  }

  async function reconcileOnce(changedNames: ReadonlySet<string> | undefined): Promise<KeyChange[]> {
    const formerHolders = new Map<string, string>();
    for (const name of changedNames ?? []) {
      for (const key of directory.entry(name)?.previous_keys ?? []) formerHolders.set(bytesToHex(key), name);
    }
    const found = await store.write((repos) => {
      const repo = repository();
      const changes: KeyChange[] = [];
      for (const contact of repos.contacts.list()) {
        if (contact.origin !== 'added') continue;
        const username = linkOf(repo, contact, formerHolders);
        const entry = username === undefined ? undefined : directory.entry(username);
        if (!username || !entry) continue;
        if (bytesToHex(entry.key) === contact.identity_key) {
          // The same key with a newer record (after a rotation, the new key's own): how to reach it.
          if (changedNames?.has(username)) {
            const record = recordAbout(entry.record, contact.identity_key);
            if (record) upsertFromRecord(repos, contact.local_identity, record, 'incoming', now());
          }
          continue;
        }
        const change = applyChange(repos, repo, contact, username, entry);
        if (change) changes.push(change);
      }
      return changes.map((c) => ({ change: c, chat: repos.conversations.get(c.chat_id) }));
    });
    for (const { change, chat } of found) {
      log.info({ username: change.username, kind: change.kind, height: change.height }, 'a contact’s key changed in the directory');
      events.emit('contact.keyChanged', change);
      if (chat) events.emit('chat.updated', chat);
    }
    return found.map((f) => f.change);
  }

  /** One reconcile at a time; requests meanwhile are merged into one more run. */
  function reconcile(changedNames?: ReadonlySet<string>): Promise<KeyChange[]> {
    if (running) {
      if (changedNames === undefined || again === 'all') again = 'all';
      else again = new Set([...(again ?? []), ...changedNames]);
      return running.then(() => []);
    }
    const run = reconcileOnce(changedNames).finally(() => {
      running = undefined;
      const next = again;
      again = undefined;
      if (next !== undefined && !stopped) void reconcile(next === 'all' ? undefined : next).catch((err: Error) => log.warn({ err }, 'could not compare contacts with the directory'));
    });
    running = run;
    return run;
  }

  return {
    start() {
      stopped = false;
      lastHeight = directory.height();
      // Whatever happened while this node was off (or caught up before this started) shows now.
      void reconcile().catch((err: Error) => log.warn({ err }, 'could not compare contacts with the directory'));
    },
    async stop() {
      stopped = true;
      again = undefined;
      await running?.catch(() => undefined);
    },
    blockApplied(height, changedKeys) {
      if (stopped) return;
      // A jump (a snapshot restored) may hide a change in the blocks skipped: compare everything.
      const gap = lastHeight !== undefined && height !== lastHeight + 1;
      lastHeight = height;
      const names = new Set(changedKeys.filter((k) => k.startsWith('n/')).map((k) => k.slice(2)));
      const keysMoved = changedKeys.some((k) => k.startsWith('k/'));
      if (gap) void reconcile().catch((err: Error) => log.warn({ err }, 'could not compare contacts with the directory'));
      else if (names.size > 0 || keysMoved) void reconcile(names).catch((err: Error) => log.warn({ err }, 'could not compare contacts with the directory'));
    },
    link: (localIdentity, identityKey, username) => store.write(() => repository().setLink(localIdentity, identityKey, username, directory.height())),
    list: (chatId) => repository().list(chatId),
    reconcile,
  };
}
