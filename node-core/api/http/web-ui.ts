import fs from 'node:fs';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import type { RouteFlags } from './http-context.ts';

// 'self' covers ws:// and wss:// to this same host (CSP Level 3); nothing else may be reached.
const UI_CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/**
 * The web UI: the same renderer as the desktop app, talking to this node over HTTP/WebSocket.
 * It is public static files; everything it does needs the token (asked for on its login page).
 */
export async function registerWebUi(app: FastifyInstance, uiDir: string | undefined): Promise<void> {
  if (!uiDir || !fs.existsSync(path.join(uiDir, 'index.html'))) {
    app.get('/', { config: { open: true } satisfies RouteFlags }, async (_req, reply) =>
      reply.status(404).type('text/plain; charset=utf-8').send('The web UI is not built. Run `npm run build:ui`, then reload this page.\n'),
    );
    return;
  }
  // In its own context, so the page's headers are added to its files only, not to every API answer.
  await app.register(async (ui) => {
    ui.addHook('onRoute', (route) => {
      route.config = { ...route.config, open: true };
    });
    ui.addHook('onSend', async (_req, reply) => {
      reply.header('content-security-policy', UI_CSP);
      reply.header('x-content-type-options', 'nosniff');
      reply.header('referrer-policy', 'no-referrer');
    });
    await ui.register(fastifyStatic, { root: uiDir, prefix: '/', index: ['index.html'], wildcard: false, cacheControl: false });
  });
}
