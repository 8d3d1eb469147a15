/**
 * The desktop app: Electron's main process hosts the same node the `dchat` command runs (store,
 * network, relay), binds its API to IPC for the window, and keeps the shell thin: one window, a
 * tray with relay opt-in, notifications, and dchat:// links. `--headless` runs the node with its
 * HTTP API and no window, exactly like the CLI.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { app, protocol } from 'electron';
import { announceReady, logConfigWarnings } from '../node-core/cli/startup.ts';
import { createNode } from '../node-core/node.ts';
import { createLogger } from '../node-core/observability/logger.ts';
import { VERSION } from '../node-core/version.ts';
import { APP_SCHEME } from './app-protocol.ts';
import { openDesktop } from './desktop.ts';
import { stopNodeOnQuit } from './quit.ts';
import { createShellStrings } from './shell-strings.ts';
import { readStartup, startNode } from './startup.ts';

// The bundle lives in dist/electron/: the renderer beside it, the icon in the project's build/.
const here = path.dirname(fileURLToPath(import.meta.url));
const paths = {
  renderer: path.join(here, '..', 'renderer'),
  preload: path.join(here, 'preload.cjs'),
  icon: path.join(here, '..', '..', 'build', 'icon.png'),
};

// Before the app is ready: app:// behaves like an https origin (secure context, fetch, storage).
protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } }]);

if (!app.requestSingleInstanceLock()) {
  // Another instance owns the data directory; it receives our arguments (dchat:// links).
  app.quit();
} else {
  void main();
}

async function main(): Promise<void> {
  const startup = readStartup(process.argv.slice(1));
  if (!startup) return;
  const { loaded } = startup;
  const { logger, flush, onError } = createLogger(loaded.config.logging, VERSION);
  logConfigWarnings(loaded, logger);
  const node = createNode({ loaded, logger, version: VERSION, http: startup.headless, onLogError: onError });

  app.setAsDefaultProtocolClient('dchat');
  await app.whenReady();
  const t = await createShellStrings(app.getLocale());
  if (!(await startNode(node, logger, flush))) return;
  announceReady(node, loaded.config, logger, VERSION);
  const quit = stopNodeOnQuit(node, flush);
  if (startup.headless) return;
  await openDesktop({ node, logger, t, quit, paths, deepLink: startup.deepLink });
}
