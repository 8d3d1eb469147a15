import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { NotReadyError } from '../errors.ts';
import type { Router } from '../router.ts';
import { buildApiInstance } from './api-instance.ts';
import { createErrorSender } from './error-reply.ts';
import type { HttpContext, HttpServerInit } from './http-context.ts';
import { baseOptions, listenOn } from './listen.ts';
import { registerProbeRoutes } from './probe-routes.ts';

export type { HttpServerInit } from './http-context.ts';
export { ListenError } from './listen.ts';

export interface HttpServer {
  start(): Promise<void>;
  /** Stops accepting, lets in-flight requests finish, closes event streams. */
  stop(): Promise<void>;
  /** Base URLs once listening, e.g. http://127.0.0.1:8080. */
  readonly apiUrl: string;
  readonly metricsUrl: string | undefined;
}

/**
 * The node's HTTP side: the API listener (routes in api-instance.ts) and, when
 * `server.metrics_port` is set, a second listener with the probes only, so scrapers and
 * orchestrators need neither the token nor access to the API port.
 */
/** How long idle and WebSocket connections get to close by themselves at shutdown before they are cut. */
const IDLE_GRACE_MS = 2000;

export function createHttpServer(init: HttpServerInit): HttpServer {
  const { config } = init;
  const log = init.logger.child({ component: 'http' });
  let api: FastifyInstance | undefined;
  let probes: FastifyInstance | undefined;
  let apiUrl = '';
  let metricsUrl: string | undefined;
  let closing = false;
  // Closing the server waits for every connection to end. Upgraded (WebSocket) connections leave
  // the HTTP server's bookkeeping, so neither its idle sweep nor the event stream's goodbye is
  // sure to reach them: at shutdown, any connection not carrying a request in flight is cut
  // after a grace period. Requests in flight still finish.
  const connections = new Set<Socket>();
  const busy = new Set<Socket>();

  const ctx: HttpContext = {
    init,
    log,
    requireRouter: (): Router => {
      const router = init.router();
      if (!router) throw new NotReadyError('the node is starting or stopping; retry shortly');
      return router;
    },
    sendError: createErrorSender({ log, metrics: init.metrics, maxSizeMb: config.messages.max_size_mb }),
    closing: () => closing,
  };

  return {
    async start() {
      api = await buildApiInstance(ctx);
      api.server.on('connection', (socket: Socket) => {
        connections.add(socket);
        socket.once('close', () => connections.delete(socket));
      });
      api.server.on('request', (req: IncomingMessage, res: ServerResponse) => {
        busy.add(req.socket);
        res.once('close', () => busy.delete(req.socket));
      });
      apiUrl = await listenOn(api, config, config.server.api_port, 'API', '--api-port / server.api_port');
      if (config.server.metrics_port === 0) return;
      probes = Fastify(baseOptions(config));
      registerProbeRoutes(probes, ctx);
      try {
        metricsUrl = await listenOn(probes, config, config.server.metrics_port, 'metrics endpoint', '--metrics-port / server.metrics_port');
      } catch (err) {
        await api.close();
        throw err;
      }
    },
    async stop() {
      closing = true;
      const cut = setTimeout(() => {
        const idle = [...connections].filter((socket) => !busy.has(socket));
        if (idle.length > 0) log.debug({ connections: idle.length }, 'cutting connections still open at shutdown with no request in flight');
        for (const socket of idle) socket.destroy();
      }, IDLE_GRACE_MS);
      try {
        await Promise.all([api?.close(), probes?.close()]);
      } finally {
        clearTimeout(cut);
      }
      api = undefined;
      probes = undefined;
    },
    get apiUrl() {
      return apiUrl;
    },
    get metricsUrl() {
      return metricsUrl;
    },
  };
}
