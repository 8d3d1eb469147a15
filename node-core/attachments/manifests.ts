import { sha256 } from '@noble/hashes/sha2.js';
import { concatBytes, randomBytes } from '@noble/hashes/utils.js';
import { ValidationError } from '../domain/errors.ts';
import type { AttachmentManifest } from '../delivery/payloads.ts';
import type { Repositories } from '../store/store.ts';
import { safeContentType, safeFileName } from '../util/file-names.ts';
import { readChunk } from './attachment-files.ts';
import { requireRow } from './attachment-info.ts';
import { chunkCount, encryptChunk, hashCount, isHashList } from './chunk-crypto.ts';
import { keyLabel, type AttachmentContext } from './context.ts';

/**
 * Manifests are what travels inside the end-to-end encrypted message: the file's key and chunk
 * list. Sending seals uploads into manifests; receiving turns a peer's manifests into rows to download.
 */

/** Encrypts uploads for sending (a fresh key each, so a file is never sent twice under one key). */
export async function sealUploads(ctx: AttachmentContext, ids: readonly string[]): Promise<AttachmentManifest[]> {
  const manifests: AttachmentManifest[] = [];
  for (const id of ids) {
    const row = requireRow(ctx.store.repos, id);
    if (row.state !== 'local' || row.message_id) throw new ValidationError(`attachment ${id} was already sent; upload it again to send it again`);
    const key = randomBytes(32);
    const total = chunkCount(row.size, row.chunk_size);
    const hashes: Uint8Array[] = [];
    for (let index = 0; index < total; index++) {
      hashes.push(sha256(encryptChunk(key, index, readChunk(ctx.files.file(id), index, row.chunk_size))));
      // Encrypting a large file takes a while: let other requests through between chunks.
      if (index % 16 === 15) await new Promise((r) => setImmediate(r));
    }
    manifests.push({ id, name: row.name, mime: row.mime, size: row.size, sha256: row.sha256, chunk: row.chunk_size, hashes: concatBytes(...hashes), key });
  }
  return manifests;
}

/** Ties sealed (or local-only) attachments to a message, inside its transaction. */
export function bindToMessage(ctx: AttachmentContext, repos: Repositories, manifests: readonly AttachmentManifest[], messageId: string, local: boolean): void {
  for (const m of manifests) {
    repos.attachments.attachToMessage(m.id, messageId, ctx.vault.seal(keyLabel(m.id), m.key), m.hashes, local ? 'complete' : 'ready');
  }
}

/** Records a received message's attachments as downloads to make; returns the ids recorded. */
export function registerIncoming(ctx: AttachmentContext, repos: Repositories, messageId: string, sender: string, manifests: readonly AttachmentManifest[], at: number): string[] {
  const ids: string[] = [];
  for (const m of manifests) {
    if (repos.attachments.get(m.id) || !plausible(ctx, m)) continue;
    repos.attachments.insert({
      id: m.id,
      message_id: messageId,
      name: safeFileName(m.name),
      mime: safeContentType(m.mime),
      size: m.size,
      sha256: m.sha256,
      sealed_key: ctx.vault.seal(keyLabel(m.id), m.key),
      chunk_size: m.chunk,
      chunk_hashes: m.hashes,
      state: 'downloading',
      chunks_done: 0,
      source: sender,
      created_at: at,
    });
    ids.push(m.id);
  }
  return ids;
}

/** A manifest over the size limit, or whose chunk list does not fit its size, is ignored. */
const plausible = (ctx: AttachmentContext, m: AttachmentManifest): boolean =>
  m.size <= ctx.maxBytes && isHashList(m.hashes) && hashCount(m.hashes) === chunkCount(m.size, m.chunk);
