import { z } from 'zod';
import { isOneEmoji } from '../util/unicode.ts';

/**
 * A sticker pack as sold on the marketplace: one JSON file (the listing's content), its images
 * inline. The renderer builds it from the images a seller picks; the seller's node checks it
 * before listing, the buyer's node before showing it.
 *
 *   { "format": "dchat.sticker-pack", "version": 1, "title": "…",
 *     "stickers": [ { "emoji": "😀", "mime": "image/png", "data": "<base64>" }, … ] }
 */

export const STICKER_PACK_FORMAT = 'dchat.sticker-pack';
export const STICKER_MAX_BYTES = 512 * 1024;
export const STICKERS_MAX = 120;

const base64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'expected base64');

const stickerSchema = z.object({
  emoji: z.string().refine((e) => isOneEmoji(e, 32), 'one emoji'),
  mime: z.enum(['image/png', 'image/webp', 'image/gif', 'image/jpeg']),
  data: base64.refine((d) => (d.length * 3) / 4 <= STICKER_MAX_BYTES + 3, `at most ${STICKER_MAX_BYTES / 1024} KiB per sticker`),
});

export const stickerPackSchema = z.object({
  format: z.literal(STICKER_PACK_FORMAT),
  version: z.literal(1),
  title: z.string().min(1).max(80),
  stickers: z.array(stickerSchema).min(1).max(STICKERS_MAX),
});
export type StickerPack = z.output<typeof stickerPackSchema>;

/** The pack in a file, or why it is not one. */
export function parseStickerPack(data: Uint8Array): { ok: true; pack: StickerPack } | { ok: false; reason: string } {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(data));
  } catch {
    return { ok: false, reason: 'not a JSON file' };
  }
  const parsed = stickerPackSchema.safeParse(json);
  if (!parsed.success) return { ok: false, reason: parsed.error.issues.map((i) => `${i.path.join('.') || 'pack'}: ${i.message}`).slice(0, 3).join('; ') };
  return { ok: true, pack: parsed.data };
}
