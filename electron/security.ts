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
 * Which requests the window may make: files of the app itself, and blob:/data: URLs it created
 * (attachment previews). Everything else — http(s), other files — is refused.
 */
export function isAppUrl(url: string, appIndexUrl: string): boolean {
  if (url.startsWith('blob:') || url.startsWith('data:') || url.startsWith('devtools:')) return true;
  const appDir = appIndexUrl.slice(0, appIndexUrl.lastIndexOf('/') + 1);
  return url.startsWith(appDir) && !url.slice(appDir.length).split('/').includes('..');
}
