import { Notification } from 'electron';
import type { TFunction } from 'i18next';
import type { Message } from '../node-core/api/contract.ts';
import { mentions } from '../node-core/domain/mentions.ts';
import type { DchatNode } from '../node-core/node.ts';
import type { MainWindow } from './window.ts';

/**
 * Notifications for new messages from others, unless that chat is on screen (`focusedChat`, while
 * the window has focus) or muted — a message that mentions us (`@username`) notifies even in a
 * muted chat, as in Signal. Our own identities are kept at hand (they change rarely) rather than
 * listed for every message. Returns the function that stops notifying.
 */
export async function notifyNewMessages(node: DchatNode, t: TFunction, window: MainWindow, focusedChat: () => string | undefined): Promise<() => void> {
  let own = new Map((await node.api.call('identities.list', {})).identities.map((i) => [i.id, i.username]));

  const notify = async (message: Message) => {
    if (!Notification.isSupported() || own.has(message.sender)) return;
    if (window.current?.isFocused() && focusedChat() === message.chat_id) return;
    const chat = await node.api.call('chats.get', { chat_id: message.chat_id });
    const username = own.get(chat.identity_id);
    if (chat.muted && !(username && mentions(message.text, username))) return;
    const file = message.attachments?.[0]?.name;
    const body = message.text ? message.text.slice(0, 200) : file ? t('attachment', { name: file }) : '';
    const notification = new Notification({ title: chat.title, body });
    notification.on('click', () => {
      window.current?.show();
      window.current?.focus();
    });
    notification.show();
  };

  return node.api.subscribe((event) => {
    if (event.type === 'identity.created') own = new Map([...own, [event.data.id, event.data.username]]);
    if (event.type === 'message.created') void notify(event.data).catch(() => undefined);
  });
}

/** The first time the window closes while the tray keeps the node running, say so. */
export function explainTrayOnFirstClose(window: MainWindow, t: TFunction, hasTray: () => boolean): void {
  let told = false;
  window.onClosed(() => {
    if (told || !hasTray() || !Notification.isSupported()) return;
    told = true;
    new Notification({ title: 'dchat', body: t('noWindow') }).show();
  });
}
