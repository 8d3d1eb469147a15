/**
 * Work the service starts without making its caller wait (leaving chunks with relays, asking
 * relays to drop them), which stop still waits for: nothing of the service outlives it.
 */
export class BackgroundWork {
  readonly #running = new Set<Promise<void>>();

  run(work: () => Promise<void>, onError: (err: Error) => void): void {
    const task: Promise<void> = work()
      .catch((err: Error) => onError(err))
      .finally(() => this.#running.delete(task));
    this.#running.add(task);
  }

  async settled(): Promise<void> {
    await Promise.allSettled(this.#running);
  }
}
