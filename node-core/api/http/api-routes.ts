import type { FastifyInstance } from 'fastify';
import type { HttpContext } from './http-context.ts';
import { REST_ROUTES, restInput } from './rest-routes.ts';

/** The operator-facing REST routes (/status, /peers, /api/...), each one router method. */
export function registerRestRoutes(app: FastifyInstance, ctx: HttpContext): void {
  for (const route of REST_ROUTES) {
    app.route({
      method: route.method,
      url: route.url,
      handler: async (req, reply) => {
        const result = await ctx.requireRouter().dispatch(route.call, restInput(route, req.params, req.query, req.body));
        return reply.status(route.status ?? 200).send(result);
      },
    });
  }
}

/** One endpoint for every method: what the UI's HTTP client uses, mirroring IPC exactly. */
export function registerRpcRoute(app: FastifyInstance, ctx: HttpContext): void {
  app.post('/api/rpc/:method', async (req) => {
    const { method } = req.params as { method: string };
    return ctx.requireRouter().dispatch(method, req.body);
  });
}
