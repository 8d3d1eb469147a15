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
export function createHttpServer(init: HttpServerInit): HttpServer {
  const { config } = init;
  const log = init.logger.child({ component: 'http' });
  let api: FastifyInstance | undefined;
  let probes: FastifyInstance | undefined;
  let apiUrl = '';
  let metricsUrl: string | undefined;
  let closing = false;

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
      apiUrl = await listenOn(api, config, config.server.api_port, 'API', 'server.api_port');
      if (config.server.metrics_port === 0) return;
      probes = Fastify(baseOptions(config));
      registerProbeRoutes(probes, ctx);
      try {
        metricsUrl = await listenOn(probes, config, config.server.metrics_port, 'metrics endpoint', 'server.metrics_port');
      } catch (err) {
        await api.close();
        throw err;
      }
    },
    async stop() {
      closing = true;
      await Promise.all([api?.close(), probes?.close()]);
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
