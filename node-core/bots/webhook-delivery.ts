import type { Logger } from 'pino';
import type { CounterMetric, HistogramMetric } from '../runtime/telemetry.ts';
import type { Store } from '../store/store.ts';
import type { BotRepository, StoredUpdate } from './bot-repository.ts';
import type { UpdateFeed } from './update-feed.ts';
import { hostRule, type WebhookPolicy } from './webhook-guard.ts';
import { agentFor, DELIVERY_TIMEOUT_MS, describeFailure, postJson, type PostTarget } from './webhook-post.ts';
import type { WebhookRepository } from './webhook-repository.ts';
import { signDelivery } from './webhook-signature.ts';

/**
 * Pushes one bot's updates to its webhook. At least once, in order per chat: each chat has at
 * most one update in flight, and its next is sent only after the node has durably confirmed
 * the previous one (a 2xx deletes it from bot_updates, as a getUpdates offset would); up to
 * max_connections chats are served at once. A failure holds back only that chat, which is
 * retried with capped exponential backoff and jitter. Nothing is kept only in memory: after a
 * crash the unconfirmed updates are still in the table and the next start sends them.
 */
export interface WebhookDeliverer {
  stop(): Promise<void>;
}

export interface DeliveryMetrics {
  readonly deliveries: CounterMetric<'result'>;
  readonly latency: HistogramMetric;
}

export interface DeliveryDeps {
  readonly store: Store;
  readonly bots: () => BotRepository;
  readonly hooks: () => WebhookRepository;
  readonly feed: UpdateFeed;
  readonly policy: WebhookPolicy;
  readonly logger: Logger;
  readonly metrics: DeliveryMetrics;
  readonly now: () => number;
}

export interface ActiveHook {
  readonly botId: number;
  readonly url: string;
  readonly secretToken: string | null;
  readonly maxConnections: number;
  readonly signingSecret: () => string;
}

/** Updates held in memory ahead of delivery (read from the table as they are appended). */
const WINDOW = 1024;
const BACKOFF_BASE_MS = 500;
const BACKOFF_CAP_MS = 60_000;

/** The wait before retry `attempt` (1, 2, ...): doubling from 0.5 s to at most 60 s, less up to half at random. */
export const backoffMs = (attempt: number, random = Math.random): number => {
  const full = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** Math.min(attempt - 1, 20));
  return Math.round(full * (1 - random() / 2));
};

interface Queued extends StoredUpdate {
  readonly chat: string;
}

/** The chat an update belongs to (its order key); updates without one share the bot's own key. */
function chatKey(payload: string): string {
  const body = Object.values(JSON.parse(payload) as Record<string, { chat?: { id: number }; message?: { chat?: { id: number } } }>)[0];
  const id = body?.chat?.id ?? body?.message?.chat?.id;
  return id === undefined ? 'bot' : String(id);
}

export function startDelivery(deps: DeliveryDeps, hook: ActiveHook): WebhookDeliverer {
  const url = new URL(hook.url);
  const target: PostTarget = { url, rule: hostRule(url, deps.policy), agent: agentFor(url, hook.maxConnections) };
  const stopping = new AbortController();
  const queue: Queued[] = [];
  const inFlight = new Map<string, Promise<void>>();
  const retries = new Map<string, { attempts: number; at: number }>();
  let readFrom = 0;
  let kick = new AbortController();

  const refill = () => {
    if (queue.length >= WINDOW) return;
    const rows = deps.bots().updates(hook.botId, readFrom, WINDOW - queue.length);
    for (const row of rows) queue.push({ ...row, chat: chatKey(row.payload) });
    if (rows.length > 0) readFrom = rows.at(-1)!.update_id + 1;
  };

  /** Starts what may go now; returns when the earliest held-back chat may be retried. */
  const dispatch = (): number => {
    const seen = new Set<string>();
    let nextRetry = Infinity;
    for (const update of queue) {
      if (inFlight.size >= hook.maxConnections) break;
      if (seen.has(update.chat)) continue;
      seen.add(update.chat);
      if (inFlight.has(update.chat)) continue;
      const retry = retries.get(update.chat);
      if (retry && retry.at > deps.now()) {
        nextRetry = Math.min(nextRetry, retry.at);
        continue;
      }
      const delivery = deliver(update)
        // A confirm that could not be written: the update stays pending and goes again later.
        .catch((err: unknown) => deps.logger.warn({ err, bot_id: hook.botId }, 'could not record a webhook delivery'))
        .finally(() => {
          inFlight.delete(update.chat);
          kick.abort();
        });
      inFlight.set(update.chat, delivery);
    }
    return nextRetry;
  };

  const deliver = async (update: Queued): Promise<void> => {
    const ok = await deliverOnce(deps, hook, target, update, stopping.signal);
    if (ok) {
      queue.splice(queue.indexOf(update), 1);
      retries.delete(update.chat);
      return;
    }
    const attempts = (retries.get(update.chat)?.attempts ?? 0) + 1;
    retries.set(update.chat, { attempts, at: deps.now() + backoffMs(attempts) });
  };

  const loop = (async () => {
    while (!stopping.signal.aborted) {
      kick = new AbortController();
      refill();
      const nextRetry = dispatch();
      const signals = [stopping.signal, kick.signal];
      if (nextRetry !== Infinity) signals.push(AbortSignal.timeout(Math.max(1, nextRetry - deps.now())));
      // Read and wait with no await between: an update appended now wakes this wait.
      await deps.feed.wait(hook.botId, AbortSignal.any(signals));
    }
    await Promise.all(inFlight.values());
  })().catch((err: unknown) => deps.logger.error({ err, bot_id: hook.botId }, 'webhook delivery stopped'));

  return {
    async stop() {
      stopping.abort();
      await loop;
      target.agent.destroy();
    },
  };
}

/** One POST of one update; true when the receiver confirmed it (2xx) and the node recorded that. */
async function deliverOnce(deps: DeliveryDeps, hook: ActiveHook, target: PostTarget, update: Queued, stop: AbortSignal): Promise<boolean> {
  // The stored payload is the update without its id: {"message":{...}}.
  const body = `{"update_id":${update.update_id},${update.payload.slice(1)}`;
  const headers: Record<string, string> = { ...signDelivery(hook.signingSecret(), String(update.update_id), Math.floor(deps.now() / 1000), body) };
  if (hook.secretToken) headers['x-telegram-bot-api-secret-token'] = hook.secretToken;
  const started = performance.now();
  let failure: string;
  try {
    const status = await postJson(target, headers, body, AbortSignal.any([stop, AbortSignal.timeout(DELIVERY_TIMEOUT_MS)]));
    deps.metrics.latency.observe((performance.now() - started) / 1000);
    if (status >= 200 && status < 300) {
      await deps.store.write(() => deps.hooks().confirm(hook.botId, update.update_id));
      deps.metrics.deliveries.inc({ result: 'ok' });
      return true;
    }
    failure = describeFailure(undefined, status);
    deps.metrics.deliveries.inc({ result: 'http_error' });
  } catch (err) {
    if (stop.aborted) return false;
    failure = describeFailure(err);
    deps.metrics.deliveries.inc({ result: (err as NodeJS.ErrnoException).code === 'EWEBHOOKREFUSED' ? 'refused' : 'network_error' });
  }
  deps.logger.debug({ bot_id: hook.botId, update_id: update.update_id, failure }, 'webhook delivery failed; will retry');
  await deps.store.write(() => deps.hooks().recordError(hook.botId, deps.now(), failure)).catch(() => undefined);
  return false;
}
