import type { Logger } from 'pino';
import type { ButtonPress } from '../domain/events.ts';
import type { Message } from '../domain/model.ts';
import type { Repositories, Store } from '../store/store.ts';
import type { BotRecord, BotRepository } from './bot-repository.ts';
import { toTgMessage, UPDATE_KINDS, type TgChat, type TgMedia, type TgMessage, type TgUser, type UpdateKind } from './telegram-objects.ts';

/**
 * Turns messages to a bot's identity into its updates, durably. The feed never trusts an event
 * alone: an event only wakes the pump, which reads the messages table after the bot's cursor
 * (bots.last_seq) and appends updates and the new cursor in one transaction. A message stored
 * while the node went down is picked up by the pump at start, and one already turned into an
 * update is never turned again.
 */
export interface UpdateFeed {
  /** Reads what arrived for this bot since its cursor. Calls for one bot run one after another. */
  pump(botId: number): Promise<void>;
  /** An edit of a message the bot was already told about becomes an edited_message update. */
  edited(botId: number, message: Message): Promise<void>;
  /** At start: edits that were stored but not turned into updates when the node went down. */
  catchUpEdits(botId: number): Promise<void>;
  /** Resolves when the bot gets a new update, or when `signal` aborts. */
  wait(botId: number, signal: AbortSignal): Promise<void>;
  /** Wakes every waiter (stop). */
  wakeAll(): void;
  /** Inside the transaction that stored a press of the bot's button: its callback_query update; returns what wakes the bot. */
  callbackQuery(repos: Repositories, botId: number, press: ButtonPress): (() => void) | undefined;
}

export interface FeedInit {
  readonly store: Store;
  readonly bots: () => BotRepository;
  readonly logger: Logger;
  readonly onAppended: (kind: UpdateKind) => void;
  readonly mediaOf: MediaOf;
  readonly now?: () => number;
}

/** At most this many messages per transaction while catching up. */
const PUMP_BATCH = 256;

/** The Telegram User for a dchat identity, as this node knows it (a contact, or one of ours). */
export function userOf(repos: Repositories, bots: BotRepository, localIdentity: string, identityKey: string): TgUser {
  const bot = bots.list().find((b) => b.identity_id === identityKey);
  if (bot) return { id: bot.bot_id, is_bot: true, first_name: bot.name, username: bot.username };
  const contact = repos.contacts.get(localIdentity, identityKey);
  const profile = contact ? undefined : repos.profiles.get(identityKey);
  const username = contact?.username ?? repos.identities.get(identityKey)?.username;
  return {
    id: bots.intId('user', identityKey),
    is_bot: false,
    first_name: contact?.display_name || profile?.display_name || username || identityKey.slice(0, 8),
    ...(username ? { username } : {}),
  };
}

/** The Telegram Chat for one of the bot's direct chats: private, named after the other side. */
export function chatOf(repos: Repositories, bots: BotRepository, bot: BotRecord, chatId: string): TgChat | undefined {
  const chat = repos.conversations.get(chatId);
  if (!chat || chat.identity_id !== bot.identity_id || chat.kind !== 'direct' || !chat.peer_identity) return undefined;
  const peer = userOf(repos, bots, bot.identity_id, chat.peer_identity);
  return { id: bots.intId('chat', chatId), type: 'private', first_name: peer.first_name, ...(peer.username ? { username: peer.username } : {}) };
}

/** A message of one of the bot's chats as Telegram's Message (ids given here if new: call inside store.write). */
/** A message's first file as Telegram's photo or document (bot-files.ts), or undefined. */
export type MediaOf = (repos: Repositories, messageId: string) => TgMedia | undefined;

export function renderMessage(repos: Repositories, bots: BotRepository, bot: BotRecord, message: Message, mediaOf: MediaOf, withReply = true): TgMessage | undefined {
  const chat = chatOf(repos, bots, bot, message.chat_id);
  if (!chat) return undefined;
  const from = userOf(repos, bots, bot.identity_id, message.sender);
  const original = withReply && message.reply_to ? repos.messages.get(message.reply_to) : undefined;
  const replyTo = original && original.chat_id === message.chat_id ? renderMessage(repos, bots, bot, original, mediaOf, false) : undefined;
  const keyboard = message.sender === bot.identity_id ? repos.keyboards.get(message.id) : undefined;
  const markup = keyboard && keyboard.rows.length > 0 ? { inline_keyboard: keyboard.rows.map((row) => row.map((b) => ({ text: b.text, ...(b.data !== undefined ? { callback_data: b.data } : {}), ...(b.url !== undefined ? { url: b.url } : {}) }))) } : undefined;
  return toTgMessage(message, { chat, from, replyTo, media: mediaOf(repos, message.id), keyboard: markup });
}

const allows = (bot: BotRecord, kind: UpdateKind) => (bot.allowed_updates.length === 0 ? UPDATE_KINDS : bot.allowed_updates).includes(kind);

export function createUpdateFeed(init: FeedInit): UpdateFeed {
  const { store } = init;
  const now = init.now ?? Date.now;
  const chains = new Map<number, Promise<void>>();
  const waiters = createWaiters();
  const log = init.logger;

  // One bot's writes in order: a pump and an edit never interleave their cursor reads.
  const serial = (botId: number, work: () => Promise<boolean>): Promise<void> => {
    const next = (chains.get(botId) ?? Promise.resolve()).then(work).then(
      (appended) => void (appended && waiters.wake(botId)),
      (err: unknown) => log.error({ err, bot_id: botId }, 'could not store a bot update'),
    );
    chains.set(botId, next);
    return next;
  };
  const append: Append = (repos, bot, kind, message) => {
    init.bots().appendUpdate(bot.bot_id, kind, JSON.stringify({ [kind]: message }), now());
    init.onAppended(kind);
  };

  const edited = (botId: number, message: Message) =>
    serial(botId, () =>
      store.write((repos) => {
        const bots = init.bots();
        const bot = bots.get(botId);
        // Not told about the message yet: the pump will send it with its new text.
        if (!bot || message.edited_at === null || message.seq > bot.last_seq || message.sender === bot.identity_id) return false;
        if ((bots.editSeen(botId, message.seq) ?? 0) >= message.edited_at) return false;
        bots.setEditSeen(botId, message.seq, message.edited_at);
        const current = repos.messages.getBySeq(message.seq);
        const rendered = current && allows(bot, 'edited_message') ? renderMessage(repos, bots, bot, current, init.mediaOf) : undefined;
        if (rendered) append(repos, bot, 'edited_message', rendered);
        return rendered !== undefined;
      }),
    );

  return {
    edited,
    async catchUpEdits(botId) {
      const bot = init.bots().get(botId);
      if (!bot) return;
      for (const seq of init.bots().editsUnseen(botId, bot.identity_id, bot.last_seq)) {
        const message = store.repos.messages.getBySeq(seq);
        if (message) await edited(botId, message);
      }
    },
    pump: (botId) =>
      serial(botId, async () => {
        let total = 0;
        for (;;) {
          const { appended, more } = await pumpBatch(init, append, botId);
          total += appended;
          if (!more) return total > 0;
        }
      }),
    wait: waiters.wait,
    wakeAll: waiters.wakeAll,
    callbackQuery(repos, botId, press) {
      const bots = init.bots();
      const bot = bots.get(botId);
      const message = repos.messages.get(press.message_id);
      const rendered = bot && message && allows(bot, 'callback_query') ? renderMessage(repos, bots, bot, message, init.mediaOf) : undefined;
      if (!bot || !rendered) return undefined;
      const query = { id: press.query_id, from: userOf(repos, bots, bot.identity_id, press.from), message: rendered, chat_instance: String(rendered.chat.id), data: press.data };
      bots.appendUpdate(botId, 'callback_query', JSON.stringify({ callback_query: query }), now());
      init.onAppended('callback_query');
      return () => waiters.wake(botId);
    },
  };
}

type Append = (repos: Repositories, bot: BotRecord, kind: UpdateKind, message: TgMessage) => void;

/** One batch of the pump: its updates and the moved cursor commit together, so no message is turned twice or lost. */
function pumpBatch(init: FeedInit, append: Append, botId: number): Promise<{ appended: number; more: boolean }> {
  return init.store.write((repos) => {
    const bots = init.bots();
    const bot = bots.get(botId);
    if (!bot) return { appended: 0, more: false };
    const seqs = bots.incomingSince(bot.identity_id, bot.last_seq, PUMP_BATCH);
    let appended = 0;
    for (const seq of seqs) {
      const message = repos.messages.getBySeq(seq);
      const rendered = message && !message.deleted_at && allows(bot, 'message') ? renderMessage(repos, bots, bot, message, init.mediaOf) : undefined;
      if (rendered) {
        append(repos, bot, 'message', rendered);
        appended++;
      }
      // Sent with its edited text: that edit is not news any more (catchUpEdits must not repeat it).
      if (message?.edited_at) bots.setEditSeen(botId, seq, message.edited_at);
    }
    if (seqs.length > 0) bots.setLastSeq(botId, seqs.at(-1)!);
    return { appended, more: seqs.length === PUMP_BATCH };
  });
}

/** The long polls waiting on each bot's next update: woken by the feed, or let go by their signal. */
function createWaiters(): Pick<UpdateFeed, 'wait' | 'wakeAll'> & { wake(botId: number): void } {
  const waiters = new Map<number, Set<() => void>>();
  const wake = (botId: number) => {
    for (const resolve of waiters.get(botId) ?? []) resolve();
    waiters.delete(botId);
  };
  return {
    wake,
    wait: (botId, signal) =>
      new Promise<void>((resolve) => {
        if (signal.aborted) return resolve();
        const set = waiters.get(botId) ?? new Set();
        const done = () => {
          set.delete(done);
          signal.removeEventListener('abort', done);
          resolve();
        };
        set.add(done);
        waiters.set(botId, set);
        signal.addEventListener('abort', done, { once: true });
      }),
    wakeAll() {
      for (const botId of [...waiters.keys()]) wake(botId);
    },
  };
}
