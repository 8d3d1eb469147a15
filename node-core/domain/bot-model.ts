/** What the domain knows of bots and the inline keyboards of their messages. */

/** A button of an inline keyboard: pressing it sends `data` back to the sender, or opens `url`. */
export interface InlineButton {
  readonly text: string;
  readonly data?: string;
  readonly url?: string;
}

/** The sender's answer to a button press (a bot's answerCallbackQuery). */
export interface ButtonAnswer {
  readonly query_id: string;
  readonly chat_id: string;
  readonly message_id: string;
  /** Empty when the bot only acknowledged the press. */
  readonly text: string;
  /** Show as a dialog to dismiss, not a passing notice. */
  readonly alert: boolean;
}

/** A bot this node hosts (its token is never part of it: shown once, stored as a hash). */
export interface Bot {
  /** The bot's integer id: its Telegram-style user id and the digits before its token's colon. */
  readonly bot_id: number;
  readonly username: string;
  readonly name: string;
  /** The bot's own local identity (hex Ed25519 key). */
  readonly identity_id: string;
  readonly created_at: number;
  /** Updates stored and not yet confirmed by the bot. */
  readonly pending_updates: number;
  /** The commands the bot set (setMyCommands), shown to people in its chats. */
  readonly commands: readonly BotCommand[];
  /** Where the node pushes the bot's updates; null while the bot long-polls. */
  readonly webhook: BotWebhookState | null;
}

export interface BotCommand {
  readonly command: string;
  readonly description: string;
}

/** A bot's webhook as the node sees it (Telegram's WebhookInfo, trimmed to what a person needs). */
export interface BotWebhookState {
  readonly url: string;
  /** Unix ms of the last failed delivery, or null. */
  readonly last_error_at: number | null;
  readonly last_error_message: string | null;
}

/** What creating a bot (or rotating its token) answers: the only time the token is shown. */
export interface BotCredentials {
  readonly bot_id: number;
  readonly username: string;
  readonly identity_id: string;
  readonly token: string;
  /** The bot's invite (as contacts.invite), or null when this node's networking is off. */
  readonly invite: string | null;
}
