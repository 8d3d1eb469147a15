import type { Logger } from 'pino';
import type { BotWebhookState } from '../domain/model.ts';
import type { Telemetry } from '../runtime/telemetry.ts';
import type { Store } from '../store/store.ts';
import { badRequest, BotRefusal } from './bot-errors.ts';
import type { BotRepository } from './bot-repository.ts';
import type { UpdateKind } from './telegram-objects.ts';
import type { UpdateFeed } from './update-feed.ts';
import { startDelivery, type DeliveryDeps, type WebhookDeliverer } from './webhook-delivery.ts';
import { checkWebhookUrl, WebhookUrlRefused, type Lookup, type WebhookPolicy } from './webhook-guard.ts';
import { WEBHOOK_REPOSITORY, type WebhookRecord, type WebhookRepository } from './webhook-repository.ts';
import { generateSigningSecret } from './webhook-signature.ts';

/** setWebhook's parameters as the Bot API schema gives them. */
export interface SetWebhookInput {
  readonly url: string;
  readonly secret_token?: string | undefined;
  readonly max_connections: number;
  readonly allowed_updates?: readonly UpdateKind[] | undefined;
  readonly drop_pending_updates?: boolean | undefined;
}

/** Telegram's WebhookInfo. */
export interface TgWebhookInfo {
  readonly url: string;
  readonly has_custom_certificate: false;
  readonly pending_update_count: number;
  readonly last_error_date?: number;
  readonly last_error_message?: string;
  readonly max_connections?: number;
  readonly allowed_updates?: readonly UpdateKind[];
}

export interface WebhookActions {
  setWebhook(input: SetWebhookInput): Promise<true>;
  deleteWebhook(dropPending: boolean): Promise<true>;
  getWebhookInfo(): TgWebhookInfo;
}

export interface Webhooks {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Whether the bot has a webhook (getUpdates then answers 409, as Telegram's does). */
  active(botId: number): boolean;
  actionsFor(botId: number): WebhookActions;
  /** The management list's view: never the secrets. */
  state(botId: number): BotWebhookState | null;
  /** A new Standard Webhooks signing secret, signing from the next delivery on; shown only here. */
  rotateSigningSecret(botId: number): Promise<string>;
  /** The bot was deleted: its deliveries stop (its row goes with the bot's). */
  forget(botId: number): Promise<void>;
}

export interface WebhooksInit {
  readonly store: Store;
  readonly bots: () => BotRepository;
  readonly feed: UpdateFeed;
  readonly telemetry: Telemetry;
  readonly logger: Logger;
  readonly policy: WebhookPolicy;
  readonly now: () => number;
  /** How setWebhook resolves names (the system resolver unless a test of the guard gives one). */
  readonly lookup?: Lookup;
}

export function createWebhooks(init: WebhooksInit): Webhooks {
  const { store } = init;
  const hooks = store.register(WEBHOOK_REPOSITORY);
  const deliverers = new Map<number, WebhookDeliverer>();
  const secrets = new Map<number, string>();
  const deps: DeliveryDeps = {
    store, bots: init.bots, hooks, feed: init.feed, policy: init.policy, logger: init.logger, now: init.now,
    metrics: {
      deliveries: init.telemetry.counter<'result'>({ name: 'dchat_bot_webhook_deliveries_total', help: 'Webhook deliveries by result (ok, http_error, network_error, refused)', labels: ['result'] }),
      latency: init.telemetry.histogram({ name: 'dchat_bot_webhook_delivery_seconds', help: 'Time from sending a webhook delivery to its answer', buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10] }),
    },
  };

  const run = (hook: WebhookRecord) => {
    // Two setWebhook calls at once: the later one's deliverer is the one that stays.
    void deliverers.get(hook.bot_id)?.stop();
    secrets.set(hook.bot_id, hook.signing_secret);
    deliverers.set(hook.bot_id, startDelivery(deps, {
      botId: hook.bot_id, url: hook.url!, secretToken: hook.secret_token, maxConnections: hook.max_connections,
      signingSecret: () => secrets.get(hook.bot_id) ?? hook.signing_secret,
    }));
  };
  const halt = async (botId: number) => {
    const running = deliverers.get(botId);
    deliverers.delete(botId);
    await running?.stop();
  };

  const remove = async (botId: number, dropPending: boolean): Promise<true> => {
    await halt(botId);
    await store.write(() => {
      hooks().clear(botId);
      if (dropPending) hooks().dropPending(botId);
    });
    return true;
  };

  const actionsFor = (botId: number) => webhookActions({ init, hooks, halt, run, remove }, botId);

  return {
    async start() {
      for (const hook of hooks().active()) run(hook);
    },
    async stop() {
      await Promise.all([...deliverers.keys()].map(halt));
    },
    active: (botId) => deliverers.has(botId),
    actionsFor,
    state(botId) {
      const hook = hooks().get(botId);
      return hook?.url ? { url: hook.url, last_error_at: hook.last_error_at, last_error_message: hook.last_error_message } : null;
    },
    async rotateSigningSecret(botId) {
      const secret = generateSigningSecret();
      await store.write(() => hooks().setSigningSecret(botId, secret));
      secrets.set(botId, secret);
      return secret;
    },
    forget: halt,
  };
}

interface ActionScope {
  readonly init: WebhooksInit;
  readonly hooks: () => WebhookRepository;
  readonly halt: (botId: number) => Promise<void>;
  readonly run: (hook: WebhookRecord) => void;
  readonly remove: (botId: number, dropPending: boolean) => Promise<true>;
}

/** setWebhook, deleteWebhook and getWebhookInfo for one bot. */
function webhookActions({ init, hooks, halt, run, remove }: ActionScope, botId: number): WebhookActions {
  const { store } = init;
  return {
    async setWebhook(input) {
      if (input.url === '') return remove(botId, input.drop_pending_updates ?? false);
      try {
        await checkWebhookUrl(input.url, init.policy, init.lookup);
      } catch (err) {
        if (err instanceof WebhookUrlRefused) throw badRequest(`bad webhook: ${err.message}`);
        throw err;
      }
      await halt(botId);
      await store.write(() => {
        hooks().set(botId, { url: input.url, secret_token: input.secret_token ?? null, max_connections: input.max_connections }, generateSigningSecret());
        if (input.allowed_updates !== undefined) init.bots().setAllowedUpdates(botId, input.allowed_updates);
        if (input.drop_pending_updates) hooks().dropPending(botId);
      });
      run(hooks().get(botId)!);
      return true;
    },
    deleteWebhook: (dropPending) => remove(botId, dropPending),
    getWebhookInfo() {
      const hook = hooks().get(botId);
      const pending = init.bots().pending(botId);
      if (!hook?.url) return { url: '', has_custom_certificate: false, pending_update_count: pending };
      const allowed = init.bots().get(botId)?.allowed_updates ?? [];
      return {
        url: hook.url, has_custom_certificate: false, pending_update_count: pending, max_connections: hook.max_connections,
        ...(hook.last_error_at !== null ? { last_error_date: Math.floor(hook.last_error_at / 1000), last_error_message: hook.last_error_message ?? '' } : {}),
        ...(allowed.length > 0 ? { allowed_updates: allowed } : {}),
      };
    },
  };
}

/** getUpdates while a webhook is set, in Telegram's words. */
export const webhookConflict = () => new BotRefusal('BotConflict', "can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first");
