import { safeContentType, safeFileName } from '../../util/file-names.ts';

/**
 * Headers for downloading an attachment: always a download, never a page (peers choose the name
 * and type); an allow-listed type, and the name twice — RFC 6266's ASCII fallback for old
 * clients and the exact UTF-8 name for the rest.
 */
export function downloadHeaders(row: { readonly name: string; readonly mime: string; readonly size: number }): Record<string, string> {
  const name = safeFileName(row.name);
  const ascii = name.replace(/[^\x20-\x7e]/g, '_').replace(/["\\%]/g, '_');
  return {
    'content-type': safeContentType(row.mime),
    'content-length': String(row.size),
    'content-disposition': `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`,
    'x-content-type-options': 'nosniff',
    'content-security-policy': "default-src 'none'; sandbox",
  };
}
