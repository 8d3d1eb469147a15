import type { z } from 'zod';
import { BotRefusal, type BotRefusalName } from '../../bots/bot-errors.ts';

/** A Bot API answer that is not ok, exactly as Telegram shapes it. */
export interface BotApiFailure {
  readonly ok: false;
  readonly error_code: number;
  readonly description: string;
  readonly parameters?: { readonly retry_after?: number };
}

/** The one table from the bots component's refusals to Telegram's codes and description prefixes. */
const CODES: Readonly<Record<BotRefusalName, { code: number; prefix: string }>> = {
  BotUnauthorized: { code: 401, prefix: '' },
  BotBadRequest: { code: 400, prefix: 'Bad Request: ' },
  BotNotFound: { code: 404, prefix: '' },
  BotForbidden: { code: 403, prefix: 'Forbidden: ' },
  BotConflict: { code: 409, prefix: 'Conflict: ' },
  BotTooManyRequests: { code: 429, prefix: 'Too Many Requests: ' },
  BotTooLarge: { code: 413, prefix: '' },
};

export function failureOf(refusal: BotRefusal): BotApiFailure {
  const { code, prefix } = CODES[refusal.name];
  return {
    ok: false,
    error_code: code,
    description: `${prefix}${refusal.message}`,
    ...(refusal.retryAfter !== undefined ? { parameters: { retry_after: refusal.retryAfter } } : {}),
  };
}

/** A parameter that failed its schema, in Telegram's words ("Bad Request: chat_id is empty"). */
export function failureOfSchema(error: z.ZodError): BotApiFailure {
  const issue = error.issues[0]!;
  const field = issue.path.map(String).join('.') || 'parameters';
  const missing = issue.code === 'invalid_type' && /received undefined/.test(issue.message);
  const description = missing ? (field === 'text' ? 'message text is empty' : `${field} is empty`) : issue.message.includes('message ') ? issue.message : `${field}: ${issue.message}`;
  return failureOf(new BotRefusal('BotBadRequest', description));
}

export const notFound = (): BotApiFailure => ({ ok: false, error_code: 404, description: 'Not Found' });
export const isRefusal = (err: unknown): err is BotRefusal => err instanceof BotRefusal;
