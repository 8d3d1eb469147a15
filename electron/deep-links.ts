import { app } from 'electron';
import { CHANNELS } from './channels.ts';
import { deepLinkOf } from './startup.ts';
import type { MainWindow } from './window.ts';

/**
 * dchat:// links reach the page however they arrive: on the command line of this instance (kept
 * until the page has loaded), of a second instance (which hands its arguments to this one), or
 * from macOS's open-url.
 */
export function deliverDeepLinks(window: MainWindow, initial: string | undefined): void {
  let pending = initial;
  window.onLoaded(() => {
    if (pending) window.send(CHANNELS.deepLink, pending);
    pending = undefined;
  });
  app.on('second-instance', (_event, args) => {
    const link = deepLinkOf(args);
    if (link) window.send(CHANNELS.deepLink, link);
    window.raise();
  });
  app.on('open-url', (event, url) => {
    event.preventDefault();
    if (window.current) window.send(CHANNELS.deepLink, url);
    else pending = url;
  });
}
