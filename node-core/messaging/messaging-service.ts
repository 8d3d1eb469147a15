import { chatMethods } from './chat-methods.ts';
import { chatSettingMethods } from './chat-settings.ts';
import { messageMethods } from './message-methods.ts';
import { messagingContext, type MessagingService, type MessagingServiceInit } from './messaging-context.ts';
import { sendMessage } from './send-message.ts';

export type { MessagingService, MessagingServiceInit, Outbound } from './messaging-context.ts';

/** Chats and messages of this node's identities; holds no timers (expiry is its own component). */
export function createMessagingService(init: MessagingServiceInit): MessagingService {
  const context = messagingContext(init);
  return { ...chatMethods(context), ...chatSettingMethods(context), send: sendMessage(context), ...messageMethods(context) };
}
