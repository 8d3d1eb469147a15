import type { Logger } from 'pino';
import { BotNotFoundError, UsernameTakenError } from '../domain/errors.ts';
import type { CreateBotInput } from '../domain/inputs.ts';
import type { Bot, BotCredentials, Identity } from '../domain/model.ts';
import type { Startable } from '../runtime/startable.ts';
import type { Store } from '../store/store.ts';
import { botActions, type BotActions } from './bot-actions.ts';
import type { BotRuntime, BotServiceComponents } from './bot-runtime.ts';
import { BOT_REPOSITORY, type BotRecord, type BotRepository } from './bot-repository.ts';
import { botIdOfToken, botTokenMatches, generateBotToken, hashBotToken } from './bot-token.ts';
import { createSendLimits, type SendLimits } from './rate-limits.ts';
import { createUpdateFeed, type UpdateFeed } from './update-feed.ts';
import { mediaOf } from './bot-files.ts';
import { createWebhooks } from './webhook-service.ts';

/** Updates older than this are dropped, confirmed or not (Telegram keeps them 24 hours). */
export const UPDATE_RETENTION_MS = 24 * 3600_000;
const PRUNE_EVERY_MS = 10 * 60_000;

export type { BotServiceComponents } from './bot-runtime.ts';

export interface BotService extends Startable {
  create(input: CreateBotInput): Promise<BotCredentials>;
  list(): Bot[];
  remove(botId: number): Promise<{ deleted: true }>;
  rotateToken(botId: number): Promise<BotCredentials>;
  /**
   * The bot a token belongs to, or undefined. Memory only (a shape check, one hash, one map
   * lookup): a flood of bad tokens costs no database work and cannot queue behind real bots.
   */
  authenticate(token: string): BotActions | undefined;
  /** Whether a token is a bot's, without counting a failure (the per-IP limiter asks). */
  knows(token: string): boolean;
  /** A new webhook signing secret (Standard Webhooks), shown only in this answer. */
  rotateWebhookSecret(botId: number): Promise<{ signing_secret: string }>;
}

export interface BotServiceInit {
  readonly now?: () => number;
}


export function createBots(components: BotServiceComponents, init: BotServiceInit = {}): BotService {
  const { store, telemetry } = components;
  const log = components.logger.child({ component: 'bots' });
  const now = init.now ?? Date.now;
  const repo = store.register(BOT_REPOSITORY);
  const { appended, refused } = botMetrics(telemetry);
  const media = mediaOf(components.files);
  const feed = createUpdateFeed({ store, bots: repo, logger: log, now, mediaOf: media, onAppended: (kind) => appended.inc({ kind }) });
  const index = createBotIndex();
  feedOnPresses(components, feed, index);
  const sendLimits = new Map<number, SendLimits>();
  const limits = (botId: number) => sendLimits.get(botId) ?? sendLimits.set(botId, createSendLimits()).get(botId)!;
  const webhooks = createWebhooks({ store, bots: repo, feed, telemetry, logger: log, now, policy: components.webhookPolicy ?? { allowHosts: [] } });
  const runtime: BotRuntime = { components, repo, feed, limits, now, polling: new Map(), webhooks, mediaOf: media };
  let unsubscribe: (() => void) | undefined;
  let pruner: NodeJS.Timeout | undefined;

  const credentials = (bot: BotRecord, token: string): BotCredentials => ({ bot_id: bot.bot_id, username: bot.username, identity_id: bot.identity_id, token, invite: components.invite(bot.identity_id) });

  return {
    async start() {
      for (const bot of repo().list()) index.remember(bot);
      unsubscribe = feedOnMessages(components, feed, index, tellCommands(components, repo, log));
      await catchUp(feed, index.botIds());
      await webhooks.start();
      pruner = await startPruning(store, repo, now, log);
    },
    async stop() {
      unsubscribe?.();
      clearInterval(pruner);
      feed.wakeAll();
      await webhooks.stop();
      // Whatever a pump was writing is committed before the store closes.
      await Promise.all(index.botIds().map((botId) => feed.pump(botId)));
      index.clear();
    },

    async create(input) {
      // The network knows the bot by the lowercase form (identity records carry lowercase names).
      const handle = input.username.toLowerCase();
      if (repo().byUsername(input.username) || store.repos.identities.getByUsername(handle)) {
        throw new UsernameTakenError(`the username "${input.username}" is already taken on this node`);
      }
      const identity = await components.createIdentity({ username: handle, display_name: input.name, bio: '', avatar: null, make_default: false, bot: true });
      const token = await store.write(() => insertBot(repo(), identity, input, now()));
      const bot = requireBot(repo, botIdOfToken(token)!);
      index.remember(bot);
      log.info({ bot_id: bot.bot_id, username: bot.username }, 'bot created');
      return credentials(bot, token);
    },
    list: () => repo().list().map((bot) => ({ bot_id: bot.bot_id, username: bot.username, name: bot.name, identity_id: bot.identity_id, created_at: bot.created_at, pending_updates: repo().pending(bot.bot_id), commands: bot.commands, webhook: webhooks.state(bot.bot_id) })),
    async remove(botId) {
      const bot = requireBot(repo, botId);
      // Forgotten in memory first: its token stops working before the row goes.
      index.forget(bot);
      sendLimits.delete(botId);
      await webhooks.forget(botId);
      await store.write(() => repo().remove(botId));
      return { deleted: true };
    },
    async rotateToken(botId) {
      const bot = requireBot(repo, botId);
      const token = generateBotToken(botId);
      const hash = hashBotToken(token);
      await store.write(() => repo().setTokenHash(botId, hash));
      // The old token stops at once: authenticate() only knows the new hash from here on.
      index.setHash(botId, hash);
      return credentials(bot, token);
    },
    knows: (token) => index.known(token) !== undefined,
    async rotateWebhookSecret(botId) {
      requireBot(repo, botId);
      return { signing_secret: await webhooks.rotateSigningSecret(botId) };
    },
    authenticate(token) {
      const botId = index.known(token);
      if (botId === undefined) {
        refused.inc({ reason: botIdOfToken(token) === undefined ? 'malformed' : 'unknown' });
        return undefined;
      }
      return botActions(runtime, botId);
    },
  };
}

/** The bots in memory, for authenticate() and the message events: loaded at start, kept in step with every change. */
interface BotIndex {
  remember(bot: BotRecord): void;
  forget(bot: BotRecord): void;
  setHash(botId: number, hash: Uint8Array): void;
  /** The bot id a token belongs to, or undefined. */
  known(token: string): number | undefined;
  botOfIdentity(identityId: string): number | undefined;
  readonly empty: boolean;
  botIds(): number[];
  clear(): void;
}

function createBotIndex(): BotIndex {
  const hashes = new Map<number, Uint8Array>();
  const byIdentity = new Map<string, number>();
  return {
    remember(bot) {
      hashes.set(bot.bot_id, bot.token_hash);
      byIdentity.set(bot.identity_id, bot.bot_id);
    },
    forget(bot) {
      hashes.delete(bot.bot_id);
      byIdentity.delete(bot.identity_id);
    },
    setHash: (botId, hash) => void hashes.set(botId, hash),
    known(token) {
      const botId = botIdOfToken(token);
      const hash = botId === undefined ? undefined : hashes.get(botId);
      return hash && botTokenMatches(token, hash) ? botId : undefined;
    },
    botOfIdentity: (identityId) => byIdentity.get(identityId),
    get empty() {
      return byIdentity.size === 0;
    },
    botIds: () => [...hashes.keys()],
    clear() {
      hashes.clear();
      byIdentity.clear();
    },
  };
}

function botMetrics(telemetry: BotServiceComponents['telemetry']) {
  return {
    appended: telemetry.counter<'kind'>({ name: 'dchat_bot_updates_total', help: 'Updates stored for bots, by kind', labels: ['kind'] }),
    refused: telemetry.counter<'reason'>({ name: 'dchat_bot_auth_failures_total', help: 'Bot API requests refused for their token', labels: ['reason'] }),
  };
}

/** A press of a bot's button becomes its callback_query in the transaction that stores the press. */
function feedOnPresses({ keyboards }: BotServiceComponents, feed: UpdateFeed, index: BotIndex): void {
  keyboards?.onPressed((repos, press) => {
    const chat = repos.conversations.get(press.chat_id);
    const botId = chat && index.botOfIdentity(chat.identity_id);
    return botId === undefined ? undefined : feed.callbackQuery(repos, botId, press);
  });
}

/** An event only wakes the feed (which reads the table itself); returns the unsubscribe. */
function feedOnMessages({ store, events }: BotServiceComponents, feed: UpdateFeed, index: BotIndex, greet: (botId: number, chatId: string) => void): () => void {
  return events.subscribe((event) => {
    if (event.type !== 'message.created' && event.type !== 'message.updated') return;
    // Every message event of the node passes here: a node hosting no bot looks nothing up.
    if (index.empty) return;
    const chat = store.repos.conversations.get(event.data.chat_id);
    const botId = chat && index.botOfIdentity(chat.identity_id);
    if (botId === undefined || event.data.sender === chat?.identity_id) return;
    if (event.type === 'message.created') greet(botId, event.data.chat_id);
    void (event.type === 'message.created' ? feed.pump(botId) : feed.edited(botId, event.data));
  });
}

/**
 * A chat's first message from a person (in this run of the node) brings them the bot's commands:
 * that is how their node learns the chat is a bot's. Once per chat and run; a restart sends the
 * list again, one small payload, rather than keeping a table of who has it.
 */
function tellCommands({ botCommands }: BotServiceComponents, repo: () => BotRepository, log: Logger): (botId: number, chatId: string) => void {
  const told = new Set<string>();
  return (botId, chatId) => {
    const bot = repo().get(botId);
    if (!botCommands || !bot || told.has(chatId)) return;
    told.add(chatId);
    botCommands.sendTo(chatId, bot.commands).catch((err: unknown) => {
      told.delete(chatId);
      log.warn({ err, bot_id: botId }, 'could not send the bot\'s commands to a chat');
    });
  };
}

/** What arrived while the node was down (or between a store and its event) is read at start. */
async function catchUp(feed: UpdateFeed, botIds: readonly number[]): Promise<void> {
  await Promise.all(botIds.map(async (botId) => {
    await feed.pump(botId);
    await feed.catchUpEdits(botId);
  }));
}

const requireBot = (repo: () => BotRepository, botId: number): BotRecord => {
  const bot = repo().get(botId);
  if (!bot) throw new BotNotFoundError(`no bot with id ${botId} on this node`);
  return bot;
};

/** Inside store.write: the bot's row, and its token (only the token's hash is kept). */
function insertBot(bots: BotRepository, identity: Identity, input: CreateBotInput, now: number): string {
  const botId = bots.intId('user', identity.id);
  const secret = generateBotToken(botId);
  // The cursor starts at the present: a bot gets what is sent to it from now on.
  bots.insert({ bot_id: botId, identity_id: identity.id, username: input.username, name: input.name, token_hash: hashBotToken(secret), created_at: now, last_seq: bots.newestSeq() });
  return secret;
}

/** Updates no bot fetches would pile up: dropped at start, then every PRUNE_EVERY_MS. */
async function startPruning(store: Store, repo: () => BotRepository, now: () => number, log: Logger): Promise<NodeJS.Timeout> {
  const prune = () => store.write(() => repo().pruneOlderThan(now() - UPDATE_RETENTION_MS)).catch((err: unknown) => log.warn({ err }, 'could not drop old bot updates'));
  await prune();
  const pruner = setInterval(() => void prune(), PRUNE_EVERY_MS);
  pruner.unref();
  return pruner;
}
