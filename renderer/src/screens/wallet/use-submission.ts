import type { TFunction } from 'i18next';
import { useCallback, useEffect, useRef, useState } from 'react';
import { ApiError } from '../../api/api-error.ts';
import { describeError } from '../../components/errors.ts';

/** Where a write to a chain is: not sent, waiting for its block to be final, final (in block height), or refused. */
export type Submission = { readonly phase: 'idle' } | { readonly phase: 'pending' } | { readonly phase: 'done'; readonly height: number | null } | { readonly phase: 'failed'; readonly error: string; readonly errorName?: string };

/** The node's refusal as it said it (its message and the error's name), in a sentence of the user's language. */
export function describeRefusal(err: unknown, t: TFunction): string {
  if (err instanceof ApiError && err.name !== 'NetworkError') return t('wallet:refused', { message: err.message, error: err.name });
  return describeError(err, t);
}

/**
 * Runs one write at a time and tells its phase. A result that arrives after the component is
 * gone (the dialog was closed while waiting) is handed to onLate instead, to be announced.
 */
export function useSubmission(t: TFunction, onLate?: (outcome: Submission) => void) {
  const [submission, setSubmission] = useState<Submission>({ phase: 'idle' });
  const mounted = useRef(true);
  const late = useRef(onLate);
  useEffect(() => {
    late.current = onLate;
  }, [onLate]);
  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
    };
  }, []);

  const run = useCallback(
    async (write: () => Promise<{ readonly height: number | null }>): Promise<Submission> => {
      setSubmission({ phase: 'pending' });
      let outcome: Submission;
      try {
        outcome = { phase: 'done', height: (await write()).height };
      } catch (err) {
        outcome = { phase: 'failed', error: describeRefusal(err, t), ...(err instanceof ApiError ? { errorName: err.name } : {}) };
      }
      if (mounted.current) setSubmission(outcome);
      else late.current?.(outcome);
      return outcome;
    },
    [t],
  );
  const reset = useCallback(() => setSubmission({ phase: 'idle' }), []);
  return { submission, run, reset };
}
