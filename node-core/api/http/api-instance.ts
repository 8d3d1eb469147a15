import fs from 'node:fs';
import { TextDecoder } from 'node:util';
import cors from '@fastify/cors';
import rateLimit from '@fastify/rate-limit';
import websocket from '@fastify/websocket';
import Fastify, { type FastifyInstance } from 'fastify';
import type { DchatConfig } from '../../config/schema.ts';
import { ValidationError } from '../errors.ts';
import { registerRestRoutes, registerRpcRoute } from './api-routes.ts';
import { registerAttachmentRoutes } from './attachment-routes.ts';
import { frameworkErrors, registerBotRoutes } from './bot-routes.ts';
import { registerEventStream } from './event-stream.ts';
import { flagsOf, type HttpContext } from './http-context.ts';
import { baseOptions, ListenError } from './listen.ts';
import { registerProbeRoutes } from './probe-routes.ts';
import { createRequestGuard } from './request-guard-hook.ts';
import { registerWebUi } from './web-ui.ts';

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/** The API listener: every route, behind the request guard, over TLS when configured. */
export async function buildApiInstance(ctx: HttpContext): Promise<FastifyInstance> {
  const { init } = ctx;
  const https = readTls(init.config);
  // The HTTPS and HTTP instances differ only in their raw server type, which nothing here uses.
  const options = { ...baseOptions(init.config), frameworkErrors };
  const app = (https ? Fastify({ ...options, https }) : Fastify(options)) as unknown as FastifyInstance;
  app.server.maxConnections = init.config.server.max_connections;
  parseJsonStrictly(app);
  await registerPlugins(app, ctx);
  app.addHook('onRequest', createRequestGuard(init.config, init.apiToken));

  registerProbeRoutes(app, ctx);
  registerRestRoutes(app, ctx);
  registerAttachmentRoutes(app, ctx);
  registerBotRoutes(app, ctx);
  await registerWebUi(app, init.uiDir);
  registerRpcRoute(app, ctx);
  registerEventStream(app, {
    events: init.events,
    metrics: init.metrics,
    logger: init.logger,
    version: init.version,
    assertReady: () => void ctx.requireRouter(),
  });
  return app;
}

function readTls(config: DchatConfig): { cert: Buffer; key: Buffer } | null {
  if (!config.security.tls_enabled) return null;
  try {
    return { cert: fs.readFileSync(config.security.tls_cert_path!), key: fs.readFileSync(config.security.tls_key_path!) };
  } catch (err) {
    throw new ListenError(`cannot read the TLS certificate or key (security.tls_cert_path / tls_key_path): ${(err as Error).message}`);
  }
}

/**
 * JSON is decoded strictly: bytes that are not UTF-8 would otherwise become U+FFFD silently,
 * and what was stored would differ from what the client sent.
 */
function parseJsonStrictly(app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (req, body, done) => {
    let text: string;
    try {
      text = utf8.decode(body as Buffer);
    } catch {
      done(new ValidationError('the request body is not valid UTF-8'), undefined);
      return;
    }
    // The default parser answers through `done`; its return value carries nothing.
    void parseJson(req, text, done);
  });
}

async function registerPlugins(app: FastifyInstance, ctx: HttpContext): Promise<void> {
  const config = ctx.init.config;
  const security = config.security;
  if (security.rate_limit_enabled) {
    await app.register(rateLimit, {
      global: true,
      max: security.rate_limit_requests_per_sec,
      timeWindow: 1000,
      // A bot with a valid token has Telegram's per-bot limits instead; bad tokens still count
      // against their address here, so a flood of them is cut off without touching a real bot.
      allowList: (req) => flagsOf(req).probe === true || (flagsOf(req).botApi === true && validBotToken(ctx, req.params)),
      errorResponseBuilder: (_req, context) => ({
        statusCode: 429,
        message: `over ${context.max} requests per second (security.rate_limit_requests_per_sec); retry in ${context.after}`,
      }),
    });
  }
  if (security.cors_allowed_origins.length > 0) {
    await app.register(cors, {
      origin: security.cors_allowed_origins,
      methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
      allowedHeaders: ['Authorization', 'Content-Type'],
      maxAge: 600,
    });
  }
  await app.register(websocket, { options: { maxPayload: 64 * 1024 } });
}

function validBotToken(ctx: HttpContext, params: unknown): boolean {
  const token = (params as { token?: unknown } | undefined)?.token;
  return typeof token === 'string' && ctx.init.bots()?.knows(token) === true;
}
