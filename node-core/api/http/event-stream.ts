import type { FastifyInstance } from 'fastify';
import type { WebSocket } from 'ws';
import type { Logger } from 'pino';
import type { EventBus } from '../../events/event-bus.ts';
import type { Metrics } from '../../observability/metrics.ts';
import { NotReadyError } from '../errors.ts';

/** A client this far behind is dropped rather than letting its backlog grow without bound. */
const MAX_BUFFERED_BYTES = 8 * 1024 * 1024;
const HEARTBEAT_MS = 30_000;
const CLOSE_GRACE_MS = 1000;

export interface EventStreamInit {
  readonly events: EventBus;
  readonly metrics: Metrics;
  readonly logger: Logger;
  readonly version: string;
  /** Throws (NotReady) while the node cannot serve events yet. */
  readonly assertReady: () => void;
}

/**
 * GET /api/events (WebSocket): every API event as a JSON frame `{"type", "data"}`, preceded by a
 * `{"type":"hello"}` frame. Authentication happened on the upgrade request like any /api route.
 */
export function registerEventStream(app: FastifyInstance, init: EventStreamInit): void {
  const log = init.logger.child({ component: 'events-ws' });
  const sockets = new Set<WebSocket>();
  // Set once shutdown begins: a client reconnecting over a kept-alive connection must not get a
  // new stream then, or the server would wait for it forever.
  let closing = false;

  const heartbeat = setInterval(() => {
    for (const socket of sockets) {
      const alive = (socket as WebSocket & { dchatAlive?: boolean }).dchatAlive;
      if (alive === false) {
        socket.terminate();
        continue;
      }
      (socket as WebSocket & { dchatAlive?: boolean }).dchatAlive = false;
      socket.ping();
    }
  }, HEARTBEAT_MS);
  heartbeat.unref();
  app.addHook('onClose', async () => clearInterval(heartbeat));
  // At stop, @fastify/websocket's own preClose hook (registered first) starts the closing handshake
  // with every client; a client that has not answered within CLOSE_GRACE_MS is cut off here (ws
  // would wait up to 30 s for it, holding the shutdown).
  app.addHook('preClose', async () => {
    closing = true;
    for (const socket of sockets) {
      socket.close(1001, 'the node is shutting down'); // a no-op when the handshake already started
      const cut = setTimeout(() => socket.terminate(), CLOSE_GRACE_MS);
      socket.once('close', () => clearTimeout(cut));
    }
  });

  const assertOpen = async () => {
    if (closing) throw new NotReadyError('the node is shutting down; reconnect once it is back');
    init.assertReady();
  };

  app.get('/api/events', { websocket: true, preValidation: assertOpen }, (socket) => {
    if (closing) {
      socket.terminate();
      return;
    }
    sockets.add(socket);
    init.metrics.wsClients.set(sockets.size);
    (socket as WebSocket & { dchatAlive?: boolean }).dchatAlive = true;
    socket.on('pong', () => {
      (socket as WebSocket & { dchatAlive?: boolean }).dchatAlive = true;
    });

    const unsubscribe = init.events.subscribe((event) => {
      if (socket.readyState !== socket.OPEN) return;
      if (socket.bufferedAmount > MAX_BUFFERED_BYTES) {
        log.warn('closing a WebSocket client that stopped reading events');
        socket.close(1013, 'too far behind; reconnect and catch up with GET /api/messages?after=');
        return;
      }
      socket.send(JSON.stringify(event));
    });

    socket.on('message', () => {
      // The stream is one-way; clients have nothing to say on it.
    });
    socket.on('error', (err) => log.debug({ err }, 'WebSocket client error'));
    socket.on('close', () => {
      unsubscribe();
      sockets.delete(socket);
      init.metrics.wsClients.set(sockets.size);
    });
    socket.send(JSON.stringify({ type: 'hello', data: { version: init.version } }));
  });
}
