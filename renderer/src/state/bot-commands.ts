import type { Contact } from '../../../node-core/api/contract.ts';
import type { BotCommand } from '../screens/messages/CommandMenu.tsx';
import { useApp } from './store.ts';

/** A contact as the node describes a bot: flagged by its identity record, with the commands it sent ('cmds'). */
type MaybeBot = Contact & { readonly bot?: boolean; readonly bot_commands?: readonly BotCommand[] };

const NONE: readonly BotCommand[] = [];

/** The bot's commands in a chat with a bot (none listed yet: an empty list), or null when the chat is not with a bot. */
export function useBotCommands(chatId: string): readonly BotCommand[] | null {
  return useApp((s) => {
    const chat = s.chats.find((c) => c.chat_id === chatId);
    if (!chat || chat.kind !== 'direct' || !chat.peer_identity) return null;
    const contact = s.contacts.find((c) => c.identity_key === chat.peer_identity && c.local_identity === chat.identity_id) as MaybeBot | undefined;
    return contact?.bot ? (contact.bot_commands ?? NONE) : null;
  });
}
