import type { Database } from 'better-sqlite3';
import type { RepositoryDefinition } from '../store/store.ts';

/** A bot's webhook row (migration 0013); url null = the bot long-polls. */
export interface WebhookRecord {
  readonly bot_id: number;
  readonly url: string | null;
  readonly secret_token: string | null;
  readonly max_connections: number;
  readonly signing_secret: string;
  readonly last_error_at: number | null;
  readonly last_error_message: string | null;
}

/** Synchronous, as every repository: writes go inside store.write. */
export interface WebhookRepository {
  get(botId: number): WebhookRecord | undefined;
  /** Every bot with a webhook set (started at node start). */
  active(): WebhookRecord[];
  /** Sets the webhook; the signing secret is given only if the bot has none yet. */
  set(botId: number, hook: { url: string; secret_token: string | null; max_connections: number }, newSecret: string): void;
  clear(botId: number): void;
  setSigningSecret(botId: number, secret: string): void;
  recordError(botId: number, at: number, message: string): void;
  /** Confirms one delivered update (a 2xx): it is never sent again. */
  confirm(botId: number, updateId: number): void;
  dropPending(botId: number): void;
}

function openWebhookRepository(db: Database): WebhookRepository {
  const q = {
    get: db.prepare('SELECT * FROM bot_webhooks WHERE bot_id = ?'),
    active: db.prepare('SELECT * FROM bot_webhooks WHERE url IS NOT NULL ORDER BY bot_id'),
    set: db.prepare(
      `INSERT INTO bot_webhooks (bot_id, url, secret_token, max_connections, signing_secret) VALUES (@bot_id, @url, @secret_token, @max_connections, @secret)
       ON CONFLICT (bot_id) DO UPDATE SET url = excluded.url, secret_token = excluded.secret_token, max_connections = excluded.max_connections,
         last_error_at = NULL, last_error_message = NULL`,
    ),
    clear: db.prepare('UPDATE bot_webhooks SET url = NULL, secret_token = NULL, last_error_at = NULL, last_error_message = NULL WHERE bot_id = ?'),
    setSecret: db.prepare(
      `INSERT INTO bot_webhooks (bot_id, signing_secret) VALUES (?, ?) ON CONFLICT (bot_id) DO UPDATE SET signing_secret = excluded.signing_secret`,
    ),
    error: db.prepare('UPDATE bot_webhooks SET last_error_at = ?, last_error_message = ? WHERE bot_id = ?'),
    confirm: db.prepare('DELETE FROM bot_updates WHERE bot_id = ? AND update_id = ?'),
    drop: db.prepare('DELETE FROM bot_updates WHERE bot_id = ?'),
  };
  return {
    get: (botId) => q.get.get(botId) as WebhookRecord | undefined,
    active: () => q.active.all() as WebhookRecord[],
    set: (botId, hook, secret) => void q.set.run({ bot_id: botId, ...hook, secret }),
    clear: (botId) => void q.clear.run(botId),
    setSigningSecret: (botId, secret) => void q.setSecret.run(botId, secret),
    recordError: (botId, at, message) => void q.error.run(at, message, botId),
    confirm: (botId, updateId) => void q.confirm.run(botId, updateId),
    dropPending: (botId) => void q.drop.run(botId),
  };
}

export const WEBHOOK_REPOSITORY: RepositoryDefinition<WebhookRepository> = { name: 'bot-webhooks', open: openWebhookRepository };
