/**
 * The one lifecycle every component implements (as in js-libp2p): `start` acquires what the
 * component needs (protocol handlers, timers, listeners), `stop` releases all of it and resolves
 * once nothing of the component is running. The optional hooks run after every component has
 * started, and before any stops, for work that needs the others up (dialling relays, say).
 */
export interface Startable {
  start(): void | Promise<void>;
  stop(): void | Promise<void>;
  afterStart?(): void | Promise<void>;
  beforeStop?(): void | Promise<void>;
}

export interface NamedComponent {
  readonly name: string;
  readonly component: Startable;
}

/** A component failed to start; the ones started before it were stopped again. */
export class ComponentStartError extends Error {
  override readonly name = 'ComponentStartError';
  readonly component: string;

  constructor(component: string, cause: unknown) {
    super(`${component} did not start: ${(cause as Error)?.message ?? String(cause)}`, { cause });
    this.component = component;
  }
}

/**
 * Starts components in the order given (each may rely on those before it), then runs every
 * afterStart; stops in exactly the reverse order, beforeStop hooks first. One list says both
 * orders. A failed start stops what had started, in reverse, and rethrows.
 */
export interface Lifecycle {
  start(): Promise<void>;
  stop(): Promise<void>;
  readonly started: boolean;
}

export function createLifecycle(components: readonly NamedComponent[], onStopError: (name: string, err: unknown) => void): Lifecycle {
  const running: NamedComponent[] = [];
  let started = false;

  const stopRunning = async (): Promise<void> => {
    for (const { name, component } of [...running].reverse()) {
      try {
        await component.beforeStop?.();
      } catch (err) {
        onStopError(name, err);
      }
    }
    while (running.length > 0) {
      const { name, component } = running.pop()!;
      try {
        await component.stop();
      } catch (err) {
        onStopError(name, err);
      }
    }
  };

  return {
    async start() {
      if (started) return;
      for (const entry of components) {
        try {
          await entry.component.start();
        } catch (err) {
          await stopRunning();
          throw err instanceof ComponentStartError ? err : new ComponentStartError(entry.name, err);
        }
        running.push(entry);
      }
      for (const entry of components) {
        try {
          await entry.component.afterStart?.();
        } catch (err) {
          await stopRunning();
          throw new ComponentStartError(entry.name, err);
        }
      }
      started = true;
    },
    async stop() {
      started = false;
      await stopRunning();
    },
    get started() {
      return started;
    },
  };
}
