import type { Chat, Identity, Message } from './model.ts';

/** Events a node emits when its state changes; the API streams them to subscribers (WebSocket /api/events, or IPC). */
export interface NodeEvents {
  'message.created': Message;
  'message.updated': Message;
  'chat.created': Chat;
  'chat.updated': Chat;
  'identity.created': Identity;
  'identity.updated': Identity;
}

export type NodeEventName = keyof NodeEvents;

/** One event: a union discriminated by `type`, so `data` has the right type once `type` is checked. */
export type NodeEvent<E extends NodeEventName = NodeEventName> = { [K in E]: { readonly type: K; readonly data: NodeEvents[K] } }[E];
