import type { FastifyInstance } from 'fastify';
import type { ApiErrorBody } from '../contract.ts';
import { NotFoundError } from '../errors.ts';
import { pathOf, type HttpContext, type RouteFlags } from './http-context.ts';

/**
 * /health, /ready and /metrics: open, not rate limited, served on the API port and the metrics
 * port; with them, what every listener does for every answer (errors, draining, timing).
 */
export function registerProbeRoutes(app: FastifyInstance, ctx: HttpContext): void {
  const { init } = ctx;
  const probe = { config: { open: true, probe: true } satisfies RouteFlags };
  app.get('/health', probe, async () => ({ status: 'healthy', version: init.version }));
  app.get('/ready', probe, async (_req, reply) => {
    if (!init.ready()) {
      return reply.status(503).send({ error: 'NotReady', message: 'the node is starting or stopping' } satisfies ApiErrorBody);
    }
    const problem = init.readyProblem?.();
    if (problem) return reply.status(503).send(problem);
    return { status: 'ready', version: init.version };
  });
  // The runbook's `curl dchat-api:9001/health/bridge`: 200 when both light clients are active and nothing is overdue, 503 otherwise.
  app.get('/health/bridge', probe, async (_req, reply) => {
    const health = init.bridgeHealth?.();
    if (!health) return reply.status(503).send({ error: 'NotReady', message: 'the chains are not running on this node yet' } satisfies ApiErrorBody);
    return reply.status(health.status === 'healthy' ? 200 : 503).send(health);
  });
  if (init.config.observability.metrics_enabled) {
    app.get('/metrics', probe, async (_req, reply) => reply.type(init.metrics.contentType).send(await init.metrics.render()));
  }
  registerAnswerHooks(app, ctx);
}

function registerAnswerHooks(app: FastifyInstance, ctx: HttpContext): void {
  app.setErrorHandler((err, req, reply) => ctx.sendError(err, req, reply));
  app.setNotFoundHandler((req, reply) => ctx.sendError(new NotFoundError(`no route ${req.method} ${pathOf(req.url)}`), req, reply));
  // Responses finished while draining close their keep-alive connection, so the server can
  // finish closing as soon as the last in-flight request is answered.
  app.addHook('onSend', async (_req, reply) => {
    if (ctx.closing()) reply.header('connection', 'close');
  });
  app.addHook('onResponse', async (req, reply) => {
    ctx.init.metrics.httpRequestDuration.observe(
      { method: req.method, route: req.routeOptions.url ?? 'unmatched', status_code: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
  });
}
