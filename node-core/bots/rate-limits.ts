/**
 * Telegram's documented limits, kept the way Telegram words them: about 30 messages a second
 * per bot, and about one a second in a chat, with short bursts allowed. Token buckets: each
 * holds `burst` sends and refills at `perSecond`; an empty one says how long until the next.
 */
export interface SendLimits {
  /** Takes one send for this chat, or answers how many whole seconds to wait. */
  take(chatKey: string, now?: number): { ok: true } | { ok: false; retryAfter: number };
  /** Forgets a bot's buckets (deleted). */
  clear(): void;
}

interface Bucket {
  tokens: number;
  at: number;
}

export interface SendLimitOptions {
  readonly botPerSecond: number;
  readonly botBurst: number;
  readonly chatPerSecond: number;
  readonly chatBurst: number;
}

export const TELEGRAM_LIMITS: SendLimitOptions = { botPerSecond: 30, botBurst: 30, chatPerSecond: 1, chatBurst: 3 };

/** Chats idle this long are dropped from memory (their bucket would be full again anyway). */
const IDLE_MS = 60_000;

function refill(bucket: Bucket, now: number, perSecond: number, burst: number): void {
  bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.at) / 1000) * perSecond);
  bucket.at = now;
}

const waitSeconds = (bucket: Bucket, perSecond: number): number => Math.max(1, Math.ceil((1 - bucket.tokens) / perSecond));

export function createSendLimits(options: SendLimitOptions = TELEGRAM_LIMITS): SendLimits {
  let bot: Bucket = { tokens: options.botBurst, at: 0 };
  const chats = new Map<string, Bucket>();
  return {
    take(chatKey, now = Date.now()) {
      if (bot.at === 0) bot.at = now;
      refill(bot, now, options.botPerSecond, options.botBurst);
      const chat = chats.get(chatKey) ?? { tokens: options.chatBurst, at: now };
      refill(chat, now, options.chatPerSecond, options.chatBurst);
      chats.set(chatKey, chat);
      if (bot.tokens < 1) return { ok: false, retryAfter: waitSeconds(bot, options.botPerSecond) };
      if (chat.tokens < 1) return { ok: false, retryAfter: waitSeconds(chat, options.chatPerSecond) };
      bot.tokens -= 1;
      chat.tokens -= 1;
      if (chats.size > 1000) for (const [key, b] of chats) if (now - b.at > IDLE_MS) chats.delete(key);
      return { ok: true };
    },
    clear() {
      chats.clear();
      bot = { tokens: options.botBurst, at: 0 };
    },
  };
}
