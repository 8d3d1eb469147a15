import type { TFunction } from 'i18next';
import { ApiError } from '../api/api-error.ts';

/** A message for a failed call, in the user's language where we know the error. */
export function describeError(err: unknown, t: TFunction): string {
  if (err instanceof ApiError) {
    const key = `common:errors.${err.name}`;
    const translated = t(key, { defaultValue: '' });
    return translated || err.message;
  }
  return err instanceof Error ? err.message : String(err);
}
