import { setMaxListeners } from 'node:events';

/** Raised into work that was still waiting on the network when its component stopped. */
export class StoppedError extends Error {
  override readonly name = 'StoppedError';
}

/**
 * The background work a component has started (pushes, dials, sweeps), so its stop() can cut
 * network waits short and then wait for the rest to finish instead of polling a flag.
 */
export interface Tasks {
  /** Aborted when the component stops. */
  readonly signal: AbortSignal;
  readonly stopped: boolean;
  /** Runs `work` as one of this component's tasks; its failure is the caller's to handle. */
  run<T>(work: () => Promise<T>): Promise<T>;
  /** Rejects with StoppedError as soon as the component stops, even if `work` is still waiting. */
  unlessStopped<T>(work: Promise<T>): Promise<T>;
  /** Aborts the waits and resolves once every task has finished. */
  stop(): Promise<void>;
  /** Ready for work again after a stop. */
  restart(): void;
}

export function createTasks(): Tasks {
  const running = new Set<Promise<unknown>>();
  let controller = fresh();

  function fresh(): AbortController {
    const c = new AbortController();
    // One listener per waiting request: as many as there are recipients or relays at once.
    setMaxListeners(Infinity, c.signal);
    return c;
  }

  return {
    get signal() {
      return controller.signal;
    },
    get stopped() {
      return controller.signal.aborted;
    },
    run(work) {
      const task = work();
      running.add(task);
      const done = () => void running.delete(task);
      task.then(done, done);
      return task;
    },
    unlessStopped(work) {
      const signal = controller.signal;
      if (signal.aborted) {
        work.catch(() => undefined);
        return Promise.reject(new StoppedError('stopped'));
      }
      return new Promise((resolve, reject) => {
        const onAbort = () => reject(new StoppedError('stopped'));
        signal.addEventListener('abort', onAbort, { once: true });
        work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
      });
    },
    async stop() {
      controller.abort();
      while (running.size > 0) await Promise.allSettled([...running]);
    },
    restart() {
      if (controller.signal.aborted) controller = fresh();
    },
  };
}
