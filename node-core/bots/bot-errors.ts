/**
 * Why the Bot API refuses a call, named by the bots component; the API maps each name to
 * Telegram's error_code and "Bad Request: ..." style description in one table
 * (api/bot-api/bot-api-errors.ts), as domain errors carry no HTTP status.
 */
export type BotRefusalName = 'BotUnauthorized' | 'BotBadRequest' | 'BotNotFound' | 'BotConflict' | 'BotForbidden' | 'BotTooManyRequests' | 'BotTooLarge';

export class BotRefusal extends Error {
  override readonly name: BotRefusalName;
  /** Seconds to wait, for BotTooManyRequests. */
  readonly retryAfter: number | undefined;

  constructor(name: BotRefusalName, message: string, retryAfter?: number) {
    super(message);
    this.name = name;
    this.retryAfter = retryAfter;
  }
}

export const unauthorized = () => new BotRefusal('BotUnauthorized', 'Unauthorized');
export const badRequest = (why: string) => new BotRefusal('BotBadRequest', why);
export const chatNotFound = () => badRequest('chat not found');
export const conflict = () => new BotRefusal('BotConflict', 'terminated by other getUpdates request; make sure that only one bot instance is running');
export const tooManyRequests = (retryAfter: number) => new BotRefusal('BotTooManyRequests', `retry after ${retryAfter}`, retryAfter);
export const tooLarge = () => new BotRefusal('BotTooLarge', 'Request Entity Too Large');
