import type { ApiErrorBody, ApiErrorName } from '../../../node-core/api/contract.ts';

/** A named error from the node, rebuilt on this side of either transport. */
export class ApiError extends Error {
  override readonly name: ApiErrorName | 'NetworkError';
  readonly status: number | undefined;
  readonly issues: ApiErrorBody['issues'];

  constructor(body: ApiErrorBody | { error: 'NetworkError'; message: string }, status?: number) {
    super(body.message);
    this.name = body.error;
    this.status = status;
    this.issues = 'issues' in body ? body.issues : undefined;
  }
}

export const isApiErrorBody = (value: unknown): value is ApiErrorBody =>
  typeof value === 'object' && value !== null && typeof (value as ApiErrorBody).error === 'string' && typeof (value as ApiErrorBody).message === 'string';
