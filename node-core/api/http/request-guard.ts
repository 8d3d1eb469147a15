import net from 'node:net';

/**
 * What an HTTP request must look like before any route sees it. The router decodes the path
 * before matching, so a check on the raw URL and a route on the decoded one can disagree
 * (`/%61pi/...` was once served without a token): every target that decodes to something other
 * than what it spells is refused instead of being interpreted.
 */

/** Encoded characters that change a path's structure or meaning when decoded (/, \, ., %, #, ?, NUL). */
const STRUCTURAL_ESCAPE = /%(2f|5c|2e|25|23|3f|00)/i;

/** Why a request target is refused, or undefined when it is unambiguous. */
export function ambiguousTarget(rawUrl: string): string | undefined {
  if (!rawUrl.startsWith('/')) return 'the request target must be an absolute path';
  if (rawUrl.includes('#')) return 'the request target must not carry a fragment (#)';
  if (rawUrl.includes('\\')) return 'the request target must not contain a backslash';
  const query = rawUrl.indexOf('?');
  const path = query === -1 ? rawUrl : rawUrl.slice(0, query);
  if (STRUCTURAL_ESCAPE.test(path)) return 'the path must not encode "/", "\\", ".", "%", "#", "?" or NUL';
  let decoded: string;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    return 'the path is not valid percent-encoded UTF-8';
  }
  // eslint-disable-next-line no-control-regex -- control characters are what is refused here
  if (!decoded.isWellFormed() || /[\u0000-\u001f\u007f]/.test(decoded)) return 'the path must not contain control characters';
  if (path.includes('//')) return 'the path must not contain empty segments (//)';
  if (decoded.split('/').some((segment) => segment === '.' || segment === '..')) return 'the path must not contain "." or ".." segments';
  return undefined;
}

/** Host header → host name without port and brackets, lower case; undefined when malformed. */
export function hostName(hostHeader: string | undefined): string | undefined {
  if (!hostHeader) return undefined;
  const host = hostHeader.trim().toLowerCase();
  if (host.startsWith('[')) {
    const end = host.indexOf(']');
    if (end === -1) return undefined;
    const rest = host.slice(end + 1);
    if (rest !== '' && !/^:\d{1,5}$/.test(rest)) return undefined;
    return host.slice(1, end);
  }
  const match = /^([a-z0-9.-]+)(?::\d{1,5})?$/.exec(host);
  return match?.[1]?.replace(/\.$/, '');
}

/**
 * A DNS-rebinding page reaches the node under the attacker's host name, so names are what must be
 * allowed one by one; an IP literal cannot be rebound and is always accepted (probes and clients
 * that connect by address keep working).
 */
export function hostAllowed(hostHeader: string | undefined, publicHosts: readonly string[]): boolean {
  const name = hostName(hostHeader);
  if (name === undefined) return false;
  if (net.isIP(name) !== 0) return true;
  if (name === 'localhost' || name.endsWith('.localhost')) return true;
  return publicHosts.some((allowed) => allowed.toLowerCase().replace(/\.$/, '') === name);
}

/**
 * An Origin header names the page that made the request. Only the node's own origin (the Host
 * this request came in on, over http or https — a TLS proxy may sit in front) and the configured
 * CORS origins may change state or open the event stream; a request without Origin (curl,
 * scripts, the desktop app) does not come from a page.
 */
export function originAllowed(origin: string | undefined, hostHeader: string | undefined, corsOrigins: readonly string[]): boolean {
  if (origin === undefined) return true;
  if (origin === 'null') return false;
  let parsed: URL;
  try {
    parsed = new URL(origin);
  } catch {
    return false;
  }
  if (corsOrigins.some((allowed) => sameOrigin(allowed, parsed))) return true;
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return false;
  return hostHeader !== undefined && parsed.host === hostHeader.trim().toLowerCase();
}

function sameOrigin(allowed: string, origin: URL): boolean {
  try {
    return new URL(allowed).origin === origin.origin;
  } catch {
    return false;
  }
}
