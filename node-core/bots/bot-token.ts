import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Bot tokens look like Telegram's, `<bot id>:<35 URL-safe characters>`, because bot libraries
 * (grammY, telegraf) put them in the URL as they are and some check the shape. The secret part
 * is 26 random bytes (208 bits), so a plain SHA-256 is enough to store it: there is nothing to
 * guess that a slow KDF would protect.
 */
export const BOT_TOKEN_PATTERN = /^(\d{1,15}):([A-Za-z0-9_-]{35})$/;

/** A new token for the bot with this id. */
export function generateBotToken(botId: number): string {
  // 26 bytes are exactly 35 base64url characters (no padding).
  return `${botId}:${randomBytes(26).toString('base64url')}`;
}

export function hashBotToken(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

/** The bot id a token claims, or undefined when it does not even have a token's shape. */
export function botIdOfToken(token: string): number | undefined {
  const match = BOT_TOKEN_PATTERN.exec(token);
  if (!match) return undefined;
  const id = Number(match[1]);
  return Number.isSafeInteger(id) ? id : undefined;
}

/** Whether a presented token is the one whose hash is stored; constant time in the token's content. */
export function botTokenMatches(presented: string, storedHash: Uint8Array): boolean {
  const given = hashBotToken(presented);
  return given.length === storedHash.length && timingSafeEqual(given, storedHash);
}
