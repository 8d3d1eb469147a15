import type { ButtonAnswer, Chat, Identity, KeyChange, Message, PrivacySettings, TypingState } from './model.ts';

/** Events a node emits when its state changes; the API streams them to subscribers (WebSocket /api/events, or IPC). */
export interface NodeEvents {
  'message.created': Message;
  'message.updated': Message;
  /** A message is gone for good (it disappeared, or was deleted before it arrived). */
  'message.removed': { readonly id: string; readonly chat_id: string };
  'typing.changed': TypingState;
  'settings.updated': PrivacySettings;
  'chat.created': Chat;
  'chat.updated': Chat;
  'identity.created': Identity;
  'identity.updated': Identity;
  /** A contact's key changed in the chat chain's directory (a safety-number change). */
  'contact.keyChanged': KeyChange;
  /** The other side answered a button press of ours. */
  'button.answered': ButtonAnswer;
  /** Someone pressed a button of a message of ours (the bots component turns it into a callback_query). */
  'button.pressed': ButtonPress;
}

/** A press of one of our messages' buttons, as it arrived (checked: our message, our keyboard, their chat). */
export interface ButtonPress {
  readonly query_id: string;
  readonly chat_id: string;
  readonly message_id: string;
  readonly from: string;
  readonly data: string;
}

export type NodeEventName = keyof NodeEvents;

/** One event: a union discriminated by `type`, so `data` has the right type once `type` is checked. */
export type NodeEvent<E extends NodeEventName = NodeEventName> = { [K in E]: { readonly type: K; readonly data: NodeEvents[K] } }[E];
