import type { AttachmentInfo, Message } from '../domain/model.ts';
import { AttachmentNotFoundError } from '../domain/errors.ts';
import type { AttachmentRow } from '../store/repositories/attachments.ts';
import type { Repositories } from '../store/store.ts';
import { chunkCount } from './chunk-crypto.ts';

/** What clients see of an attachment: never its key, its chunk hashes or where it came from. */
export const toInfo = (row: AttachmentRow): AttachmentInfo => ({
  id: row.id,
  name: row.name,
  mime: row.mime,
  size: row.size,
  sha256: row.sha256,
  state: row.state,
  chunks_done: row.chunks_done,
  chunks_total: chunkCount(row.size, row.chunk_size),
});

export function requireRow(repos: Repositories, id: string): AttachmentRow {
  const row = repos.attachments.get(id);
  if (!row) throw new AttachmentNotFoundError(`no attachment ${id}`);
  return row;
}

/** The messages with their attachments' details added (those that have any); one query for all. */
export function withAttachments(repos: Repositories, messages: readonly Message[]): Message[] {
  if (messages.length === 0) return [...messages];
  const map = new Map<string, AttachmentInfo[]>();
  for (const row of repos.attachments.forMessages(messages.map((m) => m.id))) {
    const list = map.get(row.message_id!) ?? [];
    list.push(toInfo(row));
    map.set(row.message_id!, list);
  }
  return messages.map((m) => (map.has(m.id) ? { ...m, attachments: map.get(m.id)! } : m));
}

/** Path of a complete (or our own) file, for reading it. */
export function readableFile(repos: Repositories, id: string, fileOf: (id: string) => string): { path: string; row: AttachmentRow } {
  const row = requireRow(repos, id);
  if (row.state === 'downloading' || row.state === 'failed') throw new AttachmentNotFoundError(`attachment ${id} is not downloaded (${row.state})`);
  return { path: fileOf(id), row };
}
