/**
 * File names and types that arrive from other people (a peer's attachment manifest, an upload)
 * are shown to users and written into download headers, so they are made harmless once, where
 * they enter: no path, no control or bidirectional-override characters (`‮txt.exe` would
 * display as `exe.txt`), no characters that file systems reserve.
 */

const MAX_NAME_LENGTH = 255;
// C0/C1 controls, bidi embeddings/overrides/isolates and marks, zero-width characters, BOM.
// eslint-disable-next-line no-control-regex -- these are exactly the characters to remove
const INVISIBLE = /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]/g;
const RESERVED = /[<>:"|?*]/g;

export function safeFileName(name: string): string {
  const base = name.toWellFormed().replace(/\\/g, '/').split('/').pop() ?? '';
  let clean = base.normalize('NFC').replace(INVISIBLE, '').replace(RESERVED, '_').trim().replace(/^[.\s]+|[.\s]+$/g, '');
  if (clean.length > MAX_NAME_LENGTH) clean = Array.from(clean).join('').slice(0, MAX_NAME_LENGTH).toWellFormed().replace(/\ufffd$/, '');
  return clean || 'file';
}

/**
 * Types a browser may be told a download has. Anything else (HTML, SVG, scripts, XML: content a
 * browser would run) is served as opaque bytes.
 */
const SAFE_TYPES = new Set([
  'image/png', 'image/jpeg', 'image/gif', 'image/webp', 'image/avif', 'image/bmp',
  'audio/mpeg', 'audio/ogg', 'audio/wav', 'audio/webm', 'audio/aac', 'audio/flac', 'audio/mp4',
  'video/mp4', 'video/webm', 'video/ogg', 'video/quicktime',
  'text/plain', 'text/csv', 'application/pdf', 'application/zip', 'application/gzip', 'application/json',
  'application/octet-stream',
]);

export const OPAQUE_TYPE = 'application/octet-stream';

export function safeContentType(mime: string): string {
  const type = mime.split(';', 1)[0]!.trim().toLowerCase();
  return SAFE_TYPES.has(type) ? type : OPAQUE_TYPE;
}
