import type { z } from 'zod';
import type { ApiErrorBody, ApiErrorName } from './contract.ts';
import { DomainError, isStorageFull, type DomainErrorName } from '../domain/errors.ts';
import { DatabaseDamagedError } from '../store/damage.ts';

/**
 * Base of every error the API answers with. `name` is the wire name; `status` the HTTP status.
 * Anything thrown that is not an ApiError becomes InternalError, with details only in the log.
 */
export class ApiError extends Error {
  override readonly name: ApiErrorName;
  readonly status: number;
  readonly issues: ApiErrorBody['issues'];

  constructor(name: ApiErrorName, status: number, message: string, issues?: ApiErrorBody['issues']) {
    super(message);
    this.name = name;
    this.status = status;
    this.issues = issues;
  }

  toBody(): ApiErrorBody {
    return this.issues ? { error: this.name, message: this.message, issues: this.issues } : { error: this.name, message: this.message };
  }
}

function defineError(name: ApiErrorName, status: number) {
  const NamedError = class extends ApiError {
    constructor(message: string, issues?: ApiErrorBody['issues']) {
      super(name, status, message, issues);
    }
  };
  Object.defineProperty(NamedError, 'name', { value: `${name}Error` });
  return NamedError;
}

/** Bad input caught at the API's edge (schemas, body parsing); components throw the domain's. */
export const ValidationError = defineError('ValidationError', 400);
export const BadRequestTargetError = defineError('BadRequestTarget', 400);
export const HostNotAllowedError = defineError('HostNotAllowed', 403);
export const OriginNotAllowedError = defineError('OriginNotAllowed', 403);
/** The client went away mid-request (nginx's 499): nobody reads the answer; not the node's fault. */
export const ClientClosedRequestError = defineError('ClientClosedRequest', 499);
export const MalformedJsonError = defineError('MalformedJson', 400);
export const UnsupportedMediaTypeError = defineError('UnsupportedMediaType', 415);
export const PayloadTooLargeError = defineError('PayloadTooLarge', 413);
export const UnauthorizedError = defineError('Unauthorized', 401);
export const ForbiddenError = defineError('Forbidden', 403);
export const NotFoundError = defineError('NotFound', 404);
export const UnknownMethodError = defineError('UnknownMethod', 404);
export const RateLimitedError = defineError('RateLimited', 429);
export const NotReadyError = defineError('NotReady', 503);
export const StorageFullError = defineError('StorageFull', 507);
/** dchat.db is damaged: writes are refused, and reads over the damage too, until it is restored. */
export const DatabaseDamagedApiError = defineError('DatabaseDamaged', 503);
export const InternalError = defineError('InternalError', 500);

/** The one table from the domain's error names to HTTP statuses. */
const DOMAIN_STATUS: Readonly<Record<DomainErrorName, number>> = {
  ValidationError: 400,
  PayloadTooLarge: 413,
  IdentityNotFound: 404,
  ChatNotFound: 404,
  MessageNotFound: 404,
  ContactNotFound: 404,
  GroupNotFound: 404,
  AttachmentNotFound: 404,
  NotGroupAdmin: 403,
  IdentityLocked: 423,
  NetworkDisabled: 409,
  UsernameTaken: 409,
  ChatExists: 409,
  MessageIdConflict: 409,
  NoIdentity: 409,
  WrongPassphrase: 403,
  NotAuthor: 403,
  MessageDeleted: 409,
  EditWindowClosed: 409,
  PinLimitReached: 409,
  BotNotFound: 404,
  TransactionRejected: 422,
  BlockNotFound: 404,
  ListingNotFound: 404,
  OrderNotFound: 404,
  UsernameNotFound: 404,
  ChainUnavailable: 503,
};

/** What a known failure is on the wire; undefined for anything unexpected (a bug: log it). */
export function knownApiError(err: unknown): ApiError | undefined {
  if (err instanceof ApiError) return err;
  if (err instanceof DomainError) return new ApiError(err.name, DOMAIN_STATUS[err.name], err.message, err.issues);
  if (err instanceof DatabaseDamagedError) return new DatabaseDamagedApiError(err.message);
  if (isStorageFull(err)) return new StorageFullError('the disk holding the database is full; nothing was stored');
  return undefined;
}

/** What any error becomes on the wire: an unexpected one is a generic message; details stay in the log. */
export function toApiError(err: unknown): ApiError {
  return knownApiError(err) ?? new InternalError('the node hit an unexpected error; see its log');
}

export function validationErrorFromZod(error: z.ZodError, what = 'input'): ApiError {
  const issues = error.issues.map((issue) => ({
    path: issue.path.map(String).join('.') || '(root)',
    message: issue.message,
  }));
  const summary = issues.map((i) => `${i.path}: ${i.message}`).join('; ');
  return new ValidationError(`invalid ${what}: ${summary}`, issues);
}
