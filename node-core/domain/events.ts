import type { Chat, Identity, Message, PrivacySettings, TypingState } from './model.ts';

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
}

export type NodeEventName = keyof NodeEvents;

/** One event: a union discriminated by `type`, so `data` has the right type once `type` is checked. */
export type NodeEvent<E extends NodeEventName = NodeEventName> = { [K in E]: { readonly type: K; readonly data: NodeEvents[K] } }[E];
