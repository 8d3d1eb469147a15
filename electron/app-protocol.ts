import path from 'node:path';

/**
 * The window loads the renderer from `app://dchat/...` instead of `file://`: a file URL gives the
 * page the whole file system's origin, where any file the app can read is same-origin. The
 * handler serves only the files of the built renderer, by a path that cannot leave its folder.
 */
export const APP_SCHEME = 'app';
export const APP_HOST = 'dchat';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_INDEX_URL = `${APP_ORIGIN}/index.html`;

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.webmanifest': 'application/manifest+json',
};

/** The file an app:// request names inside `rootDir`, or undefined when it names anything else. */
export function appFileFor(requestUrl: string, rootDir: string): { file: string; type: string } | undefined {
  let url: URL;
  try {
    url = new URL(requestUrl);
  } catch {
    return undefined;
  }
  if (url.protocol !== `${APP_SCHEME}:` || url.host !== APP_HOST) return undefined;
  // Encoded separators and dot segments are refused outright rather than interpreted.
  if (/%(2f|5c|2e|00)/i.test(url.pathname) || url.pathname.includes('\\')) return undefined;
  let relative: string;
  try {
    relative = decodeURIComponent(url.pathname).replace(/^\//, '') || 'index.html';
  } catch {
    return undefined;
  }
  if (relative.split('/').some((segment) => segment === '..' || segment === '.' || segment === '')) return undefined;
  const root = path.resolve(rootDir);
  const file = path.resolve(root, relative);
  if (!file.startsWith(root + path.sep)) return undefined;
  const type = TYPES[path.extname(file).toLowerCase()];
  return type ? { file, type } : undefined;
}
