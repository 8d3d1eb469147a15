/**
 * What components are asked to do, once the API has checked and normalised the request: the
 * API's schemas (api/schemas.ts) produce exactly these shapes, and say so with `satisfies`.
 */

export const MESSAGE_TEXT_MAX = 65536;
export const AVATAR_MAX_BYTES = 256 * 1024;

export interface CreateIdentityInput {
  readonly username: string;
  readonly display_name?: string | undefined;
  readonly bio: string;
  /** A data:image/... URL, or null. */
  readonly avatar: string | null;
  /** Without one, the secret key is sealed under the node secret in the data directory. */
  readonly passphrase?: string | undefined;
  readonly make_default: boolean;
}

export interface UpdateProfileInput {
  readonly id: string;
  readonly display_name?: string | undefined;
  readonly bio?: string | undefined;
  readonly avatar?: string | null | undefined;
  readonly passphrase?: string | undefined;
}

export interface ListChatsInput {
  readonly limit: number;
  readonly cursor?: string | undefined;
}

export interface CreateChatInput {
  readonly chat_id?: string | undefined;
  readonly kind: 'self' | 'channel';
  readonly title?: string | undefined;
  readonly identity_id?: string | undefined;
}

export interface SendMessageInput {
  readonly chat_id: string;
  readonly text: string;
  /** Ids of uploaded attachments to send with the message. */
  readonly attachments: readonly string[];
  /** A client-chosen id makes retries safe. */
  readonly id?: string | undefined;
}

export interface ListMessagesInput {
  readonly chat_id: string;
  readonly limit: number;
  readonly before?: number | undefined;
  readonly after?: number | undefined;
}

export interface SearchMessagesInput {
  readonly q: string;
  /** Match the last word as a prefix (search as you type). */
  readonly prefix: boolean;
  readonly chat_id?: string | undefined;
  readonly limit: number;
  readonly before?: number | undefined;
}

export interface EditMessageInput {
  readonly id: string;
  readonly text: string;
}
