import type { Logger } from 'pino';
import type { CreateIdentityInput } from '../domain/inputs.ts';
import type { Identity } from '../domain/model.ts';
import type { EventBus } from '../events/event-bus.ts';
import type { MessagingService } from '../messaging/messaging-service.ts';
import type { Telemetry } from '../runtime/telemetry.ts';
import type { Store } from '../store/store.ts';
import type { BotRepository } from './bot-repository.ts';
import type { SendLimits } from './rate-limits.ts';
import type { MediaOf, UpdateFeed } from './update-feed.ts';
import type { BotFileStore } from './bot-files.ts';
import type { Keyboards } from '../messaging/keyboards.ts';
import type { BotCommandSync } from '../messaging/bot-commands.ts';
import type { WebhookPolicy } from './webhook-guard.ts';
import type { Webhooks } from './webhook-service.ts';

/** What the bots component is built from (narrow: the few functions of other components it calls). */
export interface BotServiceComponents {
  readonly store: Store;
  readonly events: EventBus;
  readonly messaging: MessagingService;
  /** How bots become identities: the identity service's create (own keys, prekeys, sessions). */
  readonly createIdentity: (input: CreateIdentityInput) => Promise<Identity>;
  /** The bot identity's invite, or null without networking. */
  readonly invite: (identityId: string) => string | null;
  readonly telemetry: Telemetry;
  readonly logger: Logger;
  /** Files bots send and fetch: the attachment service's uploads and readable files. */
  readonly files: BotFileStore;
  /** Inline keyboards (messaging/keyboards.ts); absent when networking is off. */
  readonly keyboards?: Pick<Keyboards, 'set' | 'answer' | 'onPressed'> | undefined;
  /** Sends a bot's commands to its chats (messaging/bot-commands.ts); absent when networking is off. */
  readonly botCommands?: BotCommandSync | undefined;
  /** Which webhook hosts skip the SSRF guard (`[bots] webhook_allow_hosts`); none when absent. */
  readonly webhookPolicy?: WebhookPolicy;
}

/** What a bot's actions share with the service that authenticated it. */
export interface BotRuntime {
  readonly components: BotServiceComponents;
  readonly repo: () => BotRepository;
  readonly feed: UpdateFeed;
  readonly limits: (botId: number) => SendLimits;
  readonly now: () => number;
  /** The one getUpdates each bot may have waiting; a newer one ends it with 409 Conflict, as Telegram does. */
  readonly polling: Map<number, AbortController>;
  readonly webhooks: Webhooks;
  readonly mediaOf: MediaOf;
}
