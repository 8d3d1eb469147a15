/**
 * What can go wrong in the domain, by name. These carry no transport detail (no HTTP status):
 * the API layer maps each name to a status in one table (api/errors.ts). Components throw these;
 * anything else that escapes is an internal error.
 */

export type DomainErrorName =
  | 'ValidationError'
  | 'PayloadTooLarge'
  | 'IdentityNotFound'
  | 'ChatNotFound'
  | 'MessageNotFound'
  | 'ContactNotFound'
  | 'GroupNotFound'
  | 'AttachmentNotFound'
  | 'NotGroupAdmin'
  | 'IdentityLocked'
  | 'NetworkDisabled'
  | 'UsernameTaken'
  | 'ChatExists'
  | 'MessageIdConflict'
  | 'NoIdentity'
  | 'WrongPassphrase'
  | 'NotAuthor'
  | 'MessageDeleted'
  | 'EditWindowClosed'
  | 'PinLimitReached'
  | 'BotNotFound'
  | 'TransactionRejected'
  | 'BlockNotFound'
  | 'UsernameNotFound'
  | 'ListingNotFound'
  | 'OrderNotFound'
  | 'ChainUnavailable';

export interface ErrorIssue {
  readonly path: string;
  readonly message: string;
}

export class DomainError extends Error {
  override readonly name: DomainErrorName;
  /** For ValidationError: which fields were wrong and why. */
  readonly issues: readonly ErrorIssue[] | undefined;

  constructor(name: DomainErrorName, message: string, issues?: readonly ErrorIssue[]) {
    super(message);
    this.name = name;
    this.issues = issues;
  }
}

function defineDomainError(name: DomainErrorName) {
  const NamedError = class extends DomainError {
    constructor(message: string, issues?: readonly ErrorIssue[]) {
      super(name, message, issues);
    }
  };
  Object.defineProperty(NamedError, 'name', { value: name.endsWith('Error') ? name : `${name}Error` });
  return NamedError;
}

export const ValidationError = defineDomainError('ValidationError');
export const PayloadTooLargeError = defineDomainError('PayloadTooLarge');
export const IdentityNotFoundError = defineDomainError('IdentityNotFound');
export const ChatNotFoundError = defineDomainError('ChatNotFound');
export const MessageNotFoundError = defineDomainError('MessageNotFound');
export const ContactNotFoundError = defineDomainError('ContactNotFound');
export const GroupNotFoundError = defineDomainError('GroupNotFound');
export const AttachmentNotFoundError = defineDomainError('AttachmentNotFound');
export const NotGroupAdminError = defineDomainError('NotGroupAdmin');
export const IdentityLockedError = defineDomainError('IdentityLocked');
export const NetworkDisabledError = defineDomainError('NetworkDisabled');
export const UsernameTakenError = defineDomainError('UsernameTaken');
export const ChatExistsError = defineDomainError('ChatExists');
export const MessageIdConflictError = defineDomainError('MessageIdConflict');
export const NoIdentityError = defineDomainError('NoIdentity');
export const WrongPassphraseError = defineDomainError('WrongPassphrase');
export const NotAuthorError = defineDomainError('NotAuthor');
export const MessageDeletedError = defineDomainError('MessageDeleted');
export const EditWindowClosedError = defineDomainError('EditWindowClosed');
export const PinLimitReachedError = defineDomainError('PinLimitReached');
export const BotNotFoundError = defineDomainError('BotNotFound');
/** A ledger refused a transaction (its rule is named in the message: fee, nonce, balance, taken username...). */
export const TransactionRejectedError = defineDomainError('TransactionRejected');
export const BlockNotFoundError = defineDomainError('BlockNotFound');
export const ListingNotFoundError = defineDomainError('ListingNotFound');
export const OrderNotFoundError = defineDomainError('OrderNotFound');
export const UsernameNotFoundError = defineDomainError('UsernameNotFound');
/** The node keeps no chains (it is not started, or its chain data could not be loaded). */
export const ChainUnavailableError = defineDomainError('ChainUnavailable');

/** SQLite reports a full disk or a full database file as SQLITE_FULL. */
export function isStorageFull(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'SQLITE_FULL' || code === 'SQLITE_IOERR_WRITE' || code === 'ENOSPC';
}
