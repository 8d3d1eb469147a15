/**
 * A sticker pack as the marketplace sells it: ONE JSON file with its images inline, which the
 * seller's node keeps and delivers to each buyer over the chat.
 *
 *   { "format": "dchat.sticker-pack", "version": 1, "title": "…",
 *     "stickers": [ { "emoji": "😀", "mime": "image/png", "data": "<base64>" }, … ] }
 *
 * The node checks the same limits before it lists the pack (node-core/market/sticker-pack.ts);
 * they are repeated here so a seller hears what is wrong beside the field, before any upload.
 */

export const STICKER_MIMES = ['image/png', 'image/webp', 'image/gif', 'image/jpeg'] as const;
export type StickerMime = (typeof STICKER_MIMES)[number];
export const STICKER_MAX_BYTES = 512 * 1024;
export const STICKERS_MAX = 120;

/** Emoji offered for the stickers in turn, so a pack can be published without typing one. */
export const DEFAULT_EMOJI = ['😀', '😂', '😍', '😎', '🥳', '👍', '❤️', '🎉', '😢', '😮', '🤔', '🙏', '🔥', '✨', '🐱', '🐶'];

export const defaultEmoji = (index: number): string => DEFAULT_EMOJI[index % DEFAULT_EMOJI.length]!;

const graphemes = new Intl.Segmenter('en', { granularity: 'grapheme' });
// The node's rule: one grapheme of pictographs and emoji components, with a pictograph or flag letter in it.
const EMOJI_PARTS = /^[\p{Extended_Pictographic}\p{Emoji_Component}]+$/u;
const PICTOGRAPH = /\p{Extended_Pictographic}|\p{Regional_Indicator}/u;

export function isOneEmoji(text: string): boolean {
  if (text.length === 0 || text.length > 32 || !EMOJI_PARTS.test(text) || !PICTOGRAPH.test(text)) return false;
  let count = 0;
  for (const _ of graphemes.segment(text)) if (++count > 1) return false;
  return true;
}

export const isStickerMime = (mime: string): mime is StickerMime => (STICKER_MIMES as readonly string[]).includes(mime);

/** Why an image cannot be a sticker, or null when it can. */
export function stickerProblem(file: { readonly type: string; readonly size: number }): 'type' | 'size' | null {
  if (!isStickerMime(file.type)) return 'type';
  if (file.size > STICKER_MAX_BYTES) return 'size';
  return null;
}

/** Bytes as base64 (in slices: String.fromCharCode takes a bounded argument list). */
export function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

export interface StickerChoice {
  readonly file: File;
  readonly emoji: string;
}

/** The pack's JSON file, ready to upload. */
export async function buildStickerPack(title: string, stickers: readonly StickerChoice[]): Promise<Blob> {
  const entries = await Promise.all(
    stickers.map(async (s) => ({ emoji: s.emoji, mime: s.file.type, data: toBase64(new Uint8Array(await s.file.arrayBuffer())) })),
  );
  const pack = { format: 'dchat.sticker-pack', version: 1, title, stickers: entries };
  return new Blob([JSON.stringify(pack)], { type: 'application/json' });
}

/** A file name for the pack from its title ("Cats in hats" → "cats-in-hats.json"). */
export const packFileName = (title: string): string => `${title.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, '-').replace(/^-+|-+$/g, '') || 'sticker-pack'}.json`;
