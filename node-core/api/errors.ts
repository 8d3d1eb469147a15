import type { z } from 'zod';
import type { ApiErrorBody, ApiErrorName } from './contract.ts';

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
export const IdentityNotFoundError = defineError('IdentityNotFound', 404);
export const ChatNotFoundError = defineError('ChatNotFound', 404);
export const MessageNotFoundError = defineError('MessageNotFound', 404);
export const ContactNotFoundError = defineError('ContactNotFound', 404);
export const GroupNotFoundError = defineError('GroupNotFound', 404);
export const AttachmentNotFoundError = defineError('AttachmentNotFound', 404);
export const NotGroupAdminError = defineError('NotGroupAdmin', 403);
export const IdentityLockedError = defineError('IdentityLocked', 423);
export const NetworkDisabledError = defineError('NetworkDisabled', 409);
export const UsernameTakenError = defineError('UsernameTaken', 409);
export const ChatExistsError = defineError('ChatExists', 409);
export const MessageIdConflictError = defineError('MessageIdConflict', 409);
export const NoIdentityError = defineError('NoIdentity', 409);
export const WrongPassphraseError = defineError('WrongPassphrase', 403);
export const NotAuthorError = defineError('NotAuthor', 403);
export const MessageDeletedError = defineError('MessageDeleted', 409);
export const RateLimitedError = defineError('RateLimited', 429);
export const NotReadyError = defineError('NotReady', 503);
export const StorageFullError = defineError('StorageFull', 507);
/** dchat.db is damaged: writes are refused, and reads over the damage too, until it is restored. */
export const DatabaseDamagedApiError = defineError('DatabaseDamaged', 503);
export const InternalError = defineError('InternalError', 500);

export function validationErrorFromZod(error: z.ZodError, what = 'input'): ApiError {
  const issues = error.issues.map((issue) => ({
    path: issue.path.map(String).join('.') || '(root)',
    message: issue.message,
  }));
  const summary = issues.map((i) => `${i.path}: ${i.message}`).join('; ');
  return new ValidationError(`invalid ${what}: ${summary}`, issues);
}

/** SQLite reports a full disk or a full database file as SQLITE_FULL. */
export function isStorageFull(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'SQLITE_FULL' || code === 'SQLITE_IOERR_WRITE' || code === 'ENOSPC';
}
