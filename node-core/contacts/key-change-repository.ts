import type { Database, Statement } from 'better-sqlite3';
import type { KeyChange } from '../domain/model.ts';
import type { RepositoryDefinition } from '../store/store.ts';

/** Contacts' chat-chain usernames as last seen, and the safety-number changes shown in chats. */
export interface KeyChangeRepository {
  link(localIdentity: string, identityKey: string): { username: string; linked_height: number } | undefined;
  setLink(localIdentity: string, identityKey: string, username: string, height: number): void;
  unlink(localIdentity: string, identityKey: string): void;
  insert(change: Omit<KeyChange, 'id'>): KeyChange;
  /** Oldest first; every chat's when chatId is undefined. */
  list(chatId: string | undefined): KeyChange[];
}

function open(db: Database): KeyChangeRepository {
  const link = db.prepare('SELECT username, linked_height FROM directory_links WHERE local_identity = ? AND identity_key = ?') as Statement<[string, string], { username: string; linked_height: number }>;
  const setLink = db.prepare('INSERT OR REPLACE INTO directory_links (local_identity, identity_key, username, linked_height) VALUES (?, ?, ?, ?)');
  const unlink = db.prepare('DELETE FROM directory_links WHERE local_identity = ? AND identity_key = ?');
  const insert = db.prepare(
    `INSERT INTO key_changes (local_identity, chat_id, username, display_name, old_key, new_key, kind, height, at)
     VALUES (@local_identity, @chat_id, @username, @display_name, @old_key, @new_key, @kind, @height, @at)`,
  );
  const byChat = db.prepare('SELECT * FROM key_changes WHERE chat_id = ? ORDER BY id') as Statement<[string], KeyChange>;
  const all = db.prepare('SELECT * FROM key_changes ORDER BY id') as Statement<[], KeyChange>;
  return {
    link: (local, key) => link.get(local, key),
    setLink: (local, key, username, height) => void setLink.run(local, key, username, height),
    unlink: (local, key) => void unlink.run(local, key),
    insert: (change) => ({ id: Number(insert.run(change).lastInsertRowid), ...change }),
    list: (chatId) => (chatId === undefined ? all.all() : byChat.all(chatId)),
  };
}

export const keyChangeRepositoryDefinition: RepositoryDefinition<KeyChangeRepository> = { name: 'key-changes', open };
