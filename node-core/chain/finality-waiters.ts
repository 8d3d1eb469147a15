import type { ChainMetrics } from './chain-metrics.ts';
import type { Execution } from './ledger.ts';

/**
 * Who waits for which transaction to be final, and how long the ones submitted here took (the
 * finality histogram). Lately final ids are kept: a single validator can decide inside a submit,
 * before anyone has started to wait.
 */

const RECENT_KEPT = 20_000;
const SUBMITTED_KEPT = 100_000;

export interface FinalityWaiters {
  submitted(id: string): void;
  applied(execution: Execution): void;
  /** Resolves with the height once the transaction is in a final block (rejects after timeoutMs). */
  finalized(id: string, timeoutMs: number): Promise<number>;
  clear(): void;
}

export function createFinalityWaiters(chain: string, metrics: ChainMetrics, now: () => number): FinalityWaiters {
  const waiters = new Map<string, Array<(height: number) => void>>();
  const submittedAt = new Map<string, number>();
  const recentlyFinal = new Map<string, number>();
  return {
    submitted(id) {
      if (!submittedAt.has(id)) submittedAt.set(id, now());
      if (submittedAt.size > SUBMITTED_KEPT) submittedAt.delete(submittedAt.keys().next().value!);
    },
    applied(execution) {
      const height = execution.block.header.height;
      const at = now();
      for (const id of execution.txIds) {
        recentlyFinal.set(id, height);
        if (recentlyFinal.size > RECENT_KEPT) recentlyFinal.delete(recentlyFinal.keys().next().value!);
        const since = submittedAt.get(id);
        if (since !== undefined) metrics.finality(chain, (at - since) / 1000);
        submittedAt.delete(id);
        for (const resolve of waiters.get(id) ?? []) resolve(height);
        waiters.delete(id);
      }
    },
    finalized(id, timeoutMs) {
      return new Promise<number>((resolve, reject) => {
        const final = recentlyFinal.get(id);
        if (final !== undefined) return resolve(final);
        const timer = setTimeout(() => reject(new Error(`transaction ${id} is not final after ${timeoutMs} ms`)), timeoutMs);
        timer.unref();
        const list = waiters.get(id) ?? [];
        list.push((height) => {
          clearTimeout(timer);
          resolve(height);
        });
        waiters.set(id, list);
      });
    },
    clear: () => waiters.clear(),
  };
}
