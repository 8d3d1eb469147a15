/** The page's Content-Security-Policy: our own files only, no remote anything. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' blob: data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * Which requests the window may make: files of the app itself (app://dchat/), and blob:/data:
 * URLs it created (attachment previews). Everything else — http(s), file:, other apps — is refused.
 */
export function isAppUrl(url: string, appOrigin: string): boolean {
  if (url.startsWith('blob:') || url.startsWith('data:') || url.startsWith('devtools:')) return true;
  return url.startsWith(`${appOrigin}/`);
}

/** Links the user may open in their browser (after confirming): https to a named host, nothing else. */
export function isExternalLinkAllowed(url: string): boolean {
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'https:' && parsed.hostname.length > 0 && parsed.username === '' && parsed.password === '';
  } catch {
    return false;
  }
}
