import type { BotCommand } from '../screens/messages/CommandMenu.tsx';
import { useApp } from './store.ts';

/**
 * The bot's commands in a chat with a bot, or null when the chat is not a bot's. The node marks
 * a bot's chat with the command list the bot sent (Chat.bot_commands, possibly empty), and a
 * chat.updated event brings a new list.
 */
export function useBotCommands(chatId: string): readonly BotCommand[] | null {
  return useApp((s) => s.chats.find((c) => c.chat_id === chatId)?.bot_commands ?? null);
}
