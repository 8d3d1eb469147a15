import type { Logger } from 'pino';
import { MessageDeletedError, MessageNotFoundError, NotAuthorError, ValidationError } from '../domain/errors.ts';
import type { Chat, Message } from '../domain/model.ts';
import type { AfterCommit, DeliveryService, DirectContext } from '../delivery/delivery-service.ts';
import type { DirectPayload, InlineKeyboardRows } from '../delivery/payloads.ts';
import { directChatId } from '../contacts/contact-service.ts';
import type { ButtonPress } from '../domain/events.ts';
import type { EventBus } from '../events/event-bus.ts';
import type { Startable } from '../runtime/startable.ts';
import type { KeyboardRows } from '../store/repositories/keyboards.ts';
import type { Repositories, Store } from '../store/store.ts';
import type { DirectMessaging } from './direct-messaging.ts';
import { viewMessage } from './message-view.ts';

/** Presses are answered within this, or never (Telegram: "query is too old"); rows go after it. */
export const PRESS_TTL_MS = 24 * 3600_000;

/**
 * Inline keyboards in 1:1 chats (what bots put under their messages): the author sets a
 * message's buttons ('kb', apart from the message, so either may arrive first); the other side
 * presses one ('cbq', under a fresh query id); the author answers that press once ('cba'). Every
 * step is checked against who sent it: only a message's author sets its keyboard, only the chat's
 * other side presses, only data that is on the keyboard, and only the pressed side's own query is
 * answered. Presses travel as any payload does, so they reach a bot whose node is offline through
 * its relays.
 */
export interface Keyboards extends Startable {
  /** Sets (or, with no rows, removes) the keyboard of a message of ours and sends it to the chat's peer. */
  set(messageId: string, rows: KeyboardRows): Promise<void>;
  /** Presses a button of someone else's message; resolves with the query id the answer will name. */
  press(messageId: string, data: string): Promise<{ query_id: string }>;
  /** Answers a press of one of our buttons (once); false when there is no such unanswered press. */
  answer(queryId: string, text: string, alert: boolean): Promise<boolean>;
  /**
   * Runs inside the transaction that stores a press of our button, so what it writes (a bot's
   * callback_query update) commits with the press or not at all.
   */
  onPressed(hook: PressHook): void;
}

export type PressHook = (repos: Repositories, press: ButtonPress) => (() => void) | undefined;

export interface KeyboardsInit {
  readonly store: Store;
  readonly events: EventBus;
  readonly delivery: DeliveryService;
  readonly direct: Pick<DirectMessaging, 'onPayload'>;
  readonly attachments?: Parameters<typeof viewMessage>[1];
  readonly logger: Logger;
  readonly now?: () => number;
}

const toWire = (rows: KeyboardRows): InlineKeyboardRows => rows.map((row) => row.map((b) => ({ t: b.text, ...(b.data !== undefined ? { d: b.data } : {}), ...(b.url !== undefined ? { u: b.url } : {}) })));
const fromWire = (rows: InlineKeyboardRows): KeyboardRows => rows.map((row) => row.map((b) => ({ text: b.t, ...(b.d !== undefined ? { data: b.d } : {}), ...(b.u !== undefined ? { url: b.u } : {}) })));
const hasData = (rows: KeyboardRows, data: string) => rows.some((row) => row.some((b) => b.data === data));

function directChatOf(repos: Repositories, message: Message): Chat {
  const chat = repos.conversations.get(message.chat_id);
  if (!chat || chat.kind !== 'direct' || !chat.peer_identity) throw new ValidationError('buttons are for messages of 1:1 chats');
  return chat;
}

interface ReceiveDeps {
  readonly init: KeyboardsInit;
  readonly log: Logger;
  readonly hooks: readonly PressHook[];
}

/** What arriving keyboard payloads do, each checked against who sent it (see Keyboards). */
function receiveHandlers({ init, log, hooks }: ReceiveDeps) {
  const { events } = init;
  const updated = (message: Message | undefined) => message && events.emit('message.updated', message);
  return {
    kb(repos: Repositories, payload: Extract<DirectPayload, { k: 'kb' }>, context: DirectContext): AfterCommit | void {
      const message = repos.messages.get(payload.id);
      if (message && message.sender !== context.remote) return log.warn({ message_id: payload.id }, 'ignored a keyboard for a message its sender did not write');
      const chatId = message?.chat_id ?? directChatId(context.local, context.remote);
      if (!repos.keyboards.set(payload.id, chatId, context.remote, fromWire(payload.rows), payload.at) || !message) return;
      const view = viewMessage(repos, init.attachments, message);
      return () => updated(view);
    },
    cbq(repos: Repositories, payload: Extract<DirectPayload, { k: 'cbq' }>, context: DirectContext): AfterCommit | void {
      const message = repos.messages.get(payload.id);
      const keyboard = message && repos.keyboards.get(payload.id);
      const chat = message && repos.conversations.get(message.chat_id);
      const ours = message?.sender === context.local && chat?.kind === 'direct' && chat.peer_identity === context.remote && chat.identity_id === context.local;
      if (!ours || !keyboard || message.deleted_at !== null || !hasData(keyboard.rows, payload.d)) {
        return log.warn({ message_id: payload.id }, 'ignored a button press that does not match a keyboard of ours');
      }
      repos.keyboards.addPress({ query_id: payload.q, direction: 'in', local_identity: context.local, peer: context.remote, chat_id: message.chat_id, message_id: message.id, created_at: context.now });
      const press = { query_id: payload.q, chat_id: message.chat_id, message_id: message.id, from: context.remote, data: payload.d };
      const after = hooks.map((hook) => hook(repos, press));
      return () => {
        for (const run of after) run?.();
        events.emit('button.pressed', press);
      };
    },
    cba(repos: Repositories, payload: Extract<DirectPayload, { k: 'cba' }>, context: DirectContext): AfterCommit | void {
      const press = repos.keyboards.press(payload.q);
      if (!press || press.direction !== 'out' || press.peer !== context.remote || press.local_identity !== context.local) return;
      if (!repos.keyboards.answer(payload.q, context.now)) return;
      const answer = { query_id: press.query_id, chat_id: press.chat_id, message_id: press.message_id, text: payload.text ?? '', alert: payload.alert ?? false };
      return () => events.emit('button.answered', answer);
    },
  };

}

export function createKeyboards(init: KeyboardsInit): Keyboards {
  const { store, events, delivery } = init;
  const now = init.now ?? Date.now;
  const log = init.logger.child({ component: 'keyboards' });
  let pruner: NodeJS.Timeout | undefined;
  const hooks: PressHook[] = [];
  const queue = (repos: Repositories, chat: Chat, payload: DirectPayload) => delivery.queueDirect(repos, { local: chat.identity_id, remote: chat.peer_identity!, payload }, now());
  const updated = (message: Message | undefined) => message && events.emit('message.updated', message);

  const handlers = receiveHandlers({ init, log, hooks });
  // Registered at once, as groups' are: before delivery starts receiving.
  init.direct.onPayload('kb', (repos, p, c) => handlers.kb(repos, p as Extract<DirectPayload, { k: 'kb' }>, c));
  init.direct.onPayload('cbq', (repos, p, c) => handlers.cbq(repos, p as Extract<DirectPayload, { k: 'cbq' }>, c));
  init.direct.onPayload('cba', (repos, p, c) => handlers.cba(repos, p as Extract<DirectPayload, { k: 'cba' }>, c));

  return {
    start() {
      const prune = () => store.write((repos) => repos.keyboards.pruneBefore(now() - PRESS_TTL_MS)).catch((err: unknown) => log.warn({ err }, 'could not drop old button presses'));
      pruner = setInterval(() => void prune(), 3600_000);
      pruner.unref();
    },
    stop() {
      clearInterval(pruner);
    },
    onPressed: (hook) => void hooks.push(hook),
    async set(messageId, rows) {
      const view = await store.write((repos) => {
        const message = repos.messages.get(messageId);
        if (!message) throw new MessageNotFoundError(`no message ${messageId}`);
        const chat = directChatOf(repos, message);
        if (message.sender !== chat.identity_id) throw new NotAuthorError('only the author of a message sets its buttons');
        const at = now();
        repos.keyboards.set(messageId, chat.chat_id, message.sender, rows, at);
        queue(repos, chat, { k: 'kb', id: messageId, rows: toWire(rows), at });
        return viewMessage(repos, init.attachments, message);
      });
      delivery.kick();
      updated(view);
    },
    async press(messageId, data) {
      const queryId = crypto.randomUUID();
      await store.write((repos) => {
        const message = repos.messages.get(messageId);
        if (!message) throw new MessageNotFoundError(`no message ${messageId}`);
        if (message.deleted_at !== null) throw new MessageDeletedError('the message was deleted');
        const chat = directChatOf(repos, message);
        const keyboard = repos.keyboards.get(messageId);
        if (message.sender === chat.identity_id || !keyboard || keyboard.sender !== message.sender || !hasData(keyboard.rows, data)) {
          throw new ValidationError('data: the message has no button with this data');
        }
        repos.keyboards.addPress({ query_id: queryId, direction: 'out', local_identity: chat.identity_id, peer: message.sender, chat_id: chat.chat_id, message_id: messageId, created_at: now() });
        queue(repos, chat, { k: 'cbq', id: messageId, q: queryId, d: data });
      });
      delivery.kick();
      return { query_id: queryId };
    },
    async answer(queryId, text, alert) {
      const answered = await store.write((repos) => {
        const press = repos.keyboards.press(queryId);
        if (!press || press.direction !== 'in' || press.created_at < now() - PRESS_TTL_MS || !repos.keyboards.answer(queryId, now())) return false;
        const chat = repos.conversations.get(press.chat_id);
        if (!chat) return false;
        queue(repos, chat, { k: 'cba', q: queryId, ...(text ? { text } : {}), ...(alert ? { alert } : {}) });
        return true;
      });
      if (answered) delivery.kick();
      return answered;
    },
  };
}
