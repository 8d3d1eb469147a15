import { BotNotFoundError, UsernameTakenError } from '../domain/errors.ts';
import type { CreateBotInput } from '../domain/inputs.ts';
import type { Bot, BotCredentials } from '../domain/model.ts';
import type { Startable } from '../runtime/startable.ts';
import { botActions, type BotActions } from './bot-actions.ts';
import type { BotRuntime, BotServiceComponents } from './bot-runtime.ts';
import { BOT_REPOSITORY, type BotRecord } from './bot-repository.ts';
import { botIdOfToken, botTokenMatches, generateBotToken, hashBotToken } from './bot-token.ts';
import { createSendLimits, type SendLimits } from './rate-limits.ts';
import { createUpdateFeed } from './update-feed.ts';

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
}

export interface BotServiceInit {
  readonly now?: () => number;
}


export function createBots(components: BotServiceComponents, init: BotServiceInit = {}): BotService {
  const { store, events, telemetry } = components;
  const log = components.logger.child({ component: 'bots' });
  const now = init.now ?? Date.now;
  const repo = store.register(BOT_REPOSITORY);
  const appended = telemetry.counter<'kind'>({ name: 'dchat_bot_updates_total', help: 'Updates stored for bots, by kind', labels: ['kind'] });
  const refused = telemetry.counter<'reason'>({ name: 'dchat_bot_auth_failures_total', help: 'Bot API requests refused for their token', labels: ['reason'] });
  const feed = createUpdateFeed({ store, bots: repo, logger: log, now, onAppended: (kind) => appended.inc({ kind }) });
  // The token hashes, by bot id, for authenticate(); loaded at start, kept in step with every change.
  const hashes = new Map<number, Uint8Array>();
  const byIdentity = new Map<string, number>();
  const sendLimits = new Map<number, SendLimits>();
  const limits = (botId: number) => sendLimits.get(botId) ?? sendLimits.set(botId, createSendLimits()).get(botId)!;
  const runtime: BotRuntime = { components, repo, feed, limits, now, polling: new Map() };
  const remember = (bot: BotRecord) => {
    hashes.set(bot.bot_id, bot.token_hash);
    byIdentity.set(bot.identity_id, bot.bot_id);
  };
  const known = (token: string): number | undefined => {
    const botId = botIdOfToken(token);
    const hash = botId === undefined ? undefined : hashes.get(botId);
    return hash && botTokenMatches(token, hash) ? botId : undefined;
  };
  let unsubscribe: (() => void) | undefined;
  let pruner: NodeJS.Timeout | undefined;

  const requireBot = (botId: number): BotRecord => {
    const bot = repo().get(botId);
    if (!bot) throw new BotNotFoundError(`no bot with id ${botId} on this node`);
    return bot;
  };
  const credentials = (bot: BotRecord, token: string): BotCredentials => ({ bot_id: bot.bot_id, username: bot.username, identity_id: bot.identity_id, token, invite: components.invite(bot.identity_id) });
  const prune = () => store.write(() => repo().pruneOlderThan(now() - UPDATE_RETENTION_MS)).catch((err: unknown) => log.warn({ err }, 'could not drop old bot updates'));

  return {
    async start() {
      for (const bot of repo().list()) remember(bot);
      unsubscribe = events.subscribe((event) => {
        if (event.type !== 'message.created' && event.type !== 'message.updated') return;
        // Every message event of the node passes here: a node hosting no bot looks nothing up.
        if (byIdentity.size === 0) return;
        const chat = store.repos.conversations.get(event.data.chat_id);
        const botId = chat && byIdentity.get(chat.identity_id);
        if (botId === undefined || event.data.sender === chat?.identity_id) return;
        void (event.type === 'message.created' ? feed.pump(botId) : feed.edited(botId, event.data));
      });
      // What arrived while the node was down (or between a store and its event) is read now.
      await Promise.all([...hashes.keys()].map(async (botId) => {
        await feed.pump(botId);
        await feed.catchUpEdits(botId);
      }));
      await prune();
      pruner = setInterval(() => void prune(), PRUNE_EVERY_MS);
      pruner.unref();
    },
    async stop() {
      unsubscribe?.();
      clearInterval(pruner);
      feed.wakeAll();
      // Whatever a pump was writing is committed before the store closes.
      await Promise.all([...hashes.keys()].map((botId) => feed.pump(botId)));
      hashes.clear();
      byIdentity.clear();
    },

    async create(input) {
      // The network knows the bot by the lowercase form (identity records carry lowercase names).
      const handle = input.username.toLowerCase();
      if (repo().byUsername(input.username) || store.repos.identities.getByUsername(handle)) {
        throw new UsernameTakenError(`the username "${input.username}" is already taken on this node`);
      }
      const identity = await components.createIdentity({ username: handle, display_name: input.name, bio: '', avatar: null, make_default: false, bot: true });
      const token = await store.write(() => {
        const bots = repo();
        const botId = bots.intId('user', identity.id);
        const secret = generateBotToken(botId);
        // The cursor starts at the present: a bot gets what is sent to it from now on.
        bots.insert({ bot_id: botId, identity_id: identity.id, username: input.username, name: input.name, token_hash: hashBotToken(secret), created_at: now(), last_seq: bots.newestSeq() });
        return secret;
      });
      const bot = requireBot(botIdOfToken(token)!);
      remember(bot);
      log.info({ bot_id: bot.bot_id, username: bot.username }, 'bot created');
      return credentials(bot, token);
    },
    list: () => repo().list().map((bot) => ({ bot_id: bot.bot_id, username: bot.username, name: bot.name, identity_id: bot.identity_id, created_at: bot.created_at, pending_updates: repo().pending(bot.bot_id) })),
    async remove(botId) {
      const bot = requireBot(botId);
      // Forgotten in memory first: its token stops working before the row goes.
      hashes.delete(botId);
      byIdentity.delete(bot.identity_id);
      sendLimits.delete(botId);
      await store.write(() => repo().remove(botId));
      return { deleted: true };
    },
    async rotateToken(botId) {
      const bot = requireBot(botId);
      const token = generateBotToken(botId);
      const hash = hashBotToken(token);
      await store.write(() => repo().setTokenHash(botId, hash));
      // The old token stops at once: authenticate() only knows the new hash from here on.
      hashes.set(botId, hash);
      return credentials(bot, token);
    },
    knows: (token) => known(token) !== undefined,
    authenticate(token) {
      const botId = known(token);
      if (botId === undefined) {
        refused.inc({ reason: botIdOfToken(token) === undefined ? 'malformed' : 'unknown' });
        return undefined;
      }
      return botActions(runtime, botId);
    },
  };
}
