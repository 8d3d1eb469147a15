import type { Logger } from 'pino';
import type { BotCommand } from '../domain/model.ts';
import type { DeliveryService, DirectContext } from '../delivery/delivery-service.ts';
import type { DirectPayload } from '../delivery/payloads.ts';
import { directChatId } from '../contacts/contact-service.ts';
import type { EventBus } from '../events/event-bus.ts';
import type { Store } from '../store/store.ts';
import type { DirectMessaging } from './direct-messaging.ts';

/**
 * A bot's command list, end to end: the bot's node sends it ('cmds') to a chat when the bot sets
 * its commands and when a chat with it starts; the person's node keeps it on the chat, which
 * marks the chat as a bot's (Chat.bot_commands) for the composer's "/" menu. It only drives a
 * menu, so a peer calling itself a bot gains nothing but that menu.
 */
export interface BotCommandSync {
  /** Sends our identity's commands to one of its direct chats. */
  sendTo(chatId: string, commands: readonly BotCommand[]): Promise<void>;
  /** Sends them to every direct chat of that identity (after setMyCommands). */
  sendToAll(identityId: string, commands: readonly BotCommand[]): Promise<void>;
}

export interface BotCommandSyncInit {
  readonly store: Store;
  readonly events: EventBus;
  readonly delivery: DeliveryService;
  readonly direct: Pick<DirectMessaging, 'onPayload'>;
  readonly logger: Logger;
  readonly now?: () => number;
}

const toWire = (commands: readonly BotCommand[]) => commands.map((c) => ({ c: c.command, d: c.description }));

export function createBotCommandSync(init: BotCommandSyncInit): BotCommandSync {
  const { store, events, delivery } = init;
  const now = init.now ?? Date.now;
  const log = init.logger.child({ component: 'bot-commands' });

  init.direct.onPayload('cmds', (repos, payload, context: DirectContext) => {
    const { list } = payload as Extract<DirectPayload, { k: 'cmds' }>;
    const chatId = directChatId(context.local, context.remote);
    const chat = repos.conversations.get(chatId);
    // Only for a chat we have with them (a bot answers a person who wrote or added it first).
    if (!chat || chat.kind !== 'direct' || chat.peer_identity !== context.remote) return log.warn({ chat_id: chatId }, 'ignored a command list for a chat we do not have');
    repos.conversations.setBotCommands(chatId, list.map((c) => ({ command: c.c, description: c.d })));
    const updated = repos.conversations.get(chatId)!;
    return () => events.emit('chat.updated', updated);
  });

  const queue = (chatIds: readonly string[], commands: readonly BotCommand[]) =>
    store.write((repos) => {
      for (const chatId of chatIds) {
        const chat = repos.conversations.get(chatId);
        if (!chat || chat.kind !== 'direct' || !chat.peer_identity) continue;
        delivery.queueDirect(repos, { local: chat.identity_id, remote: chat.peer_identity, payload: { k: 'cmds', list: toWire(commands) } }, now());
      }
    });

  return {
    async sendTo(chatId, commands) {
      await queue([chatId], commands);
      delivery.kick();
    },
    async sendToAll(identityId, commands) {
      const chats = store.repos.contacts.list(identityId).map((c) => directChatId(identityId, c.identity_key));
      await queue(chats, commands);
      delivery.kick();
    },
  };
}
