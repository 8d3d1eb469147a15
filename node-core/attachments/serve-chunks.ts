import { bytesToHex } from '@noble/hashes/utils.js';
import { readChunk } from './attachment-files.ts';
import { encryptChunk, hexDigest } from './chunk-crypto.ts';
import { keyLabel, type AttachmentContext } from './context.ts';

/**
 * An encrypted chunk of one of our outgoing attachments, by hash. Chunks are not kept encrypted:
 * each is encrypted again on request, and served only if that reproduces the hash asked for (the
 * file changed on disk, or the hash names something else).
 */
export function serveChunk(ctx: AttachmentContext, hash: Uint8Array): Uint8Array | undefined {
  const found = ctx.store.repos.attachments.byChunkHash(hash);
  const sealedKey = found?.row.sealed_key;
  if (!found || !sealedKey) return undefined;
  const { row, index } = found;
  const data = encryptChunk(ctx.vault.open(keyLabel(row.id), sealedKey), index, readChunk(ctx.files.file(row.id), index, row.chunk_size));
  return hexDigest(data) === bytesToHex(hash) ? data : undefined;
}
