import { app } from 'electron';
import type { DchatNode } from '../node-core/node.ts';

export interface QuitHandling {
  /** Runs when quitting begins, before the node stops (the shell's timers and bindings). */
  onQuit(cleanup: () => void): void;
}

/** Quitting stops the node cleanly first (in-flight work finishes, the store closes), then exits. */
export function stopNodeOnQuit(node: DchatNode, flush: () => void): QuitHandling {
  const cleanups: Array<() => void> = [];
  let stopping = false;
  app.on('before-quit', (event) => {
    if (stopping) return;
    event.preventDefault();
    stopping = true;
    for (const cleanup of cleanups) {
      try {
        cleanup();
      } catch {
        // Quitting goes on: the node must still stop and the store close.
      }
    }
    void node.stop().finally(() => {
      flush();
      app.exit(0);
    });
  });
  return { onQuit: (cleanup) => void cleanups.push(cleanup) };
}

/** With a tray the node keeps relaying and receiving after the last window closes; quit from its menu. */
export function quitWithLastWindow(hasTray: () => boolean): void {
  app.on('window-all-closed', () => {
    if (!hasTray()) app.quit();
  });
}
