/**
 * Turns taken in order, per key: a task may run part of its work at once and wait for the previous
 * task of its key (the promise it is given) only before the part that must stay in order. The
 * turn ends when the task is done and the previous turn has ended, so order holds down the line.
 */
export interface Turns {
  take<T>(key: string, task: (previousTurn: Promise<void>) => Promise<T>): Promise<T>;
}

export function createTurns(): Turns {
  const last = new Map<string, Promise<void>>();
  return {
    async take(key, task) {
      const previousTurn = last.get(key) ?? Promise.resolve();
      let endTurn!: () => void;
      const thisTurn = previousTurn.then(() => new Promise<void>((resolve) => (endTurn = resolve)));
      last.set(key, thisTurn);
      try {
        return await task(previousTurn);
      } finally {
        // endTurn is set once the previous turn is over; wait for that before releasing ours.
        await previousTurn;
        endTurn();
        if (last.get(key) === thisTurn) last.delete(key);
      }
    },
  };
}
