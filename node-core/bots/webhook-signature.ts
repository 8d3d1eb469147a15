import { createHmac, randomBytes } from 'node:crypto';

/**
 * Standard Webhooks (standardwebhooks.com) signatures on every delivery, so a receiver can tell
 * the node's POSTs from anyone else's and refuse replays: HMAC-SHA256 over
 * "<webhook-id>.<webhook-timestamp>.<body>" with the bot's secret, sent as "v1,<base64>".
 * Telegram's own X-Telegram-Bot-Api-Secret-Token is sent too (a shared string, no integrity).
 */

const PREFIX = 'whsec_';

/** A new signing secret: "whsec_" and the base64 of 32 random bytes (the spec asks 24 to 64). */
export const generateSigningSecret = (): string => PREFIX + randomBytes(32).toString('base64');

export interface SignedHeaders {
  readonly 'webhook-id': string;
  readonly 'webhook-timestamp': string;
  readonly 'webhook-signature': string;
}

/** The three headers for one delivery; `id` stays the same across retries (the update id). */
export function signDelivery(secret: string, id: string, timestampSeconds: number, body: string): SignedHeaders {
  const key = Buffer.from(secret.startsWith(PREFIX) ? secret.slice(PREFIX.length) : secret, 'base64');
  const timestamp = String(timestampSeconds);
  const mac = createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64');
  return { 'webhook-id': id, 'webhook-timestamp': timestamp, 'webhook-signature': `v1,${mac}` };
}
