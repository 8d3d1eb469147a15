import type { NodeEvent, NodeEventName, NodeEvents } from '../domain/events.ts';

export type EventListener = (event: NodeEvent) => void;

/** In-process fan-out of API events to subscribers (WebSocket clients, IPC, tests). */
export interface EventBus {
  emit<E extends NodeEventName>(type: E, data: NodeEvents[E]): void;
  /** Returns an unsubscribe function. */
  subscribe(listener: EventListener): () => void;
  readonly subscriberCount: number;
}

export function createEventBus(onListenerError: (err: unknown) => void): EventBus {
  const listeners = new Set<EventListener>();
  return {
    emit(type, data) {
      const event = { type, data } as NodeEvent;
      for (const listener of listeners) {
        // One broken subscriber must not stop delivery to the others, nor fail the write.
        try {
          listener(event);
        } catch (err) {
          onListenerError(err);
        }
      }
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    get subscriberCount() {
      return listeners.size;
    },
  };
}
