import fs from 'node:fs';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { timingSafeEqual } from 'node:crypto';
import { TextDecoder } from 'node:util';
import cors from '@fastify/cors';
import rateLimit from '@fastify/rate-limit';
import fastifyStatic from '@fastify/static';
import websocket from '@fastify/websocket';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { DchatConfig } from '../../config/schema.ts';
import type { EventBus } from '../../events/event-bus.ts';
import type { Metrics } from '../../observability/metrics.ts';
import type { ApiTokenSource } from '../api-token.ts';
import type { ApiErrorBody } from '../contract.ts';
import {
  ApiError,
  BadRequestTargetError,
  ClientClosedRequestError,
  HostNotAllowedError,
  OriginNotAllowedError,
  MalformedJsonError,
  NotFoundError,
  NotReadyError,
  PayloadTooLargeError,
  RateLimitedError,
  UnauthorizedError,
  UnsupportedMediaTypeError,
  toApiError,
  ValidationError,
} from '../errors.ts';
import type { Router } from '../router.ts';
import { downloadHeaders } from './attachment-download.ts';
import { registerEventStream } from './event-stream.ts';
import { ambiguousTarget, hostAllowed, originAllowed } from './request-guard.ts';
import { REST_ROUTES, restInput } from './rest-routes.ts';

/** The HTTP server could not start: a port in use, an unreadable certificate. */
export class ListenError extends Error {
  override readonly name = 'ListenError';
}

export interface HttpServerInit {
  readonly config: DchatConfig;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly events: EventBus;
  readonly version: string;
  readonly apiToken: ApiTokenSource;
  /** The router once the node has started; undefined while it starts. */
  readonly router: () => Router | undefined;
  /** False while starting and while draining for shutdown: /ready answers 503. */
  readonly ready: () => boolean;
  /** Why the node cannot serve even though it started (a damaged database): /ready answers 503 with it. */
  readonly readyProblem?: () => ApiErrorBody | undefined;
  /** The built web UI (dist/renderer), served at / for browsers; absent when not built. */
  readonly uiDir?: string | undefined;
  /** Where a downloadable attachment's file is (throws AttachmentNotFound otherwise). */
  readonly attachmentFile: (id: string) => { path: string; row: { name: string; mime: string; size: number } };
}

export interface HttpServer {
  start(): Promise<void>;
  /** Stops accepting, lets in-flight requests finish, closes event streams. */
  stop(): Promise<void>;
  /** Base URLs once listening, e.g. http://127.0.0.1:8080. */
  readonly apiUrl: string;
  readonly metricsUrl: string | undefined;
}

// 'self' covers ws:// and wss:// to this same host (CSP Level 3); nothing else may be reached.
const UI_CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
const pathOf = (url: string) => url.split('?', 1)[0]!;
const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Route config flags: `open` routes need no token (probes, the web UI's static files). */
interface RouteFlags {
  readonly open?: boolean;
  /** Probes answer whatever Host they are asked under (kubelets and Prometheus use pod IPs or service names). */
  readonly probe?: boolean;
}
declare module 'fastify' {
  interface FastifyContextConfig {
    readonly open?: boolean;
    readonly probe?: boolean;
  }
}
const flagsOf = (req: FastifyRequest): RouteFlags => req.routeOptions.config ?? {};
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

export function createHttpServer(init: HttpServerInit): HttpServer {
  const { config, metrics } = init;
  const log = init.logger.child({ component: 'http' });
  let api: FastifyInstance | undefined;
  let probes: FastifyInstance | undefined;
  let apiUrl = '';
  let metricsUrl: string | undefined;
  let closing = false;

  const requireRouter = (): Router => {
    const router = init.router();
    if (!router) throw new NotReadyError('the node is starting or stopping; retry shortly');
    return router;
  };

  const tokenMatches = (presented: string | undefined): boolean => {
    if (!presented) return false;
    const expected = Buffer.from(init.apiToken.current());
    const given = Buffer.from(presented);
    return given.length === expected.length && timingSafeEqual(given, expected);
  };

  const presentedToken = (req: FastifyRequest): string | undefined => {
    const header = req.headers.authorization;
    if (header?.startsWith('Bearer ')) return header.slice('Bearer '.length).trim();
    // Browsers cannot set headers on a WebSocket upgrade, so the event stream also takes
    // ?access_token=; decided by the route that will run, never by the spelling of the URL.
    if (req.routeOptions.url === '/api/events') {
      const query = req.query as Record<string, unknown> | undefined;
      if (typeof query?.access_token === 'string') return query.access_token;
    }
    return undefined;
  };

  /**
   * Runs before anything else looks at a request: refuses targets that decode to something else
   * than they spell, names that are not this node's (DNS rebinding), pages of other origins that
   * try to change state or listen to events, and then asks for the token on every route that is
   * not explicitly open, by the route that matched.
   */
  const guardRequest = async (req: FastifyRequest): Promise<void> => {
    const why = ambiguousTarget(req.raw.url ?? '');
    if (why) throw new BadRequestTargetError(why);
    const flags = flagsOf(req);
    if (flags.probe) return;
    if (!hostAllowed(req.headers.host, config.server.public_hosts)) {
      throw new HostNotAllowedError('this node does not answer to that host name; add it to server.public_hosts if clients use it');
    }
    const upgrade = req.headers.upgrade?.toLowerCase() === 'websocket';
    if ((upgrade || STATE_CHANGING.has(req.method)) && !originAllowed(req.headers.origin, req.headers.host, config.security.cors_allowed_origins)) {
      throw new OriginNotAllowedError('requests from pages of other origins are refused; list trusted ones in security.cors_allowed_origins');
    }
    if (flags.open || req.method === 'OPTIONS') return;
    if (!tokenMatches(presentedToken(req))) {
      throw new UnauthorizedError('send the API token as "Authorization: Bearer <token>" (it is in <data_dir>/api-token)');
    }
  };

  /** Maps whatever was thrown (ours, Fastify's, a plugin's) to a named API error. */
  const classify = (err: unknown): ApiError => {
    if (err instanceof ApiError) return err;
    const e = err as { code?: string; statusCode?: number; message?: string };
    switch (e.code) {
      case 'FST_ERR_CTP_BODY_TOO_LARGE':
        return new PayloadTooLargeError(`request body is over the ${config.messages.max_size_mb} MB limit (messages.max_size_mb)`);
      case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
        return new UnsupportedMediaTypeError('send the request body as application/json');
      case 'FST_ERR_CTP_EMPTY_JSON_BODY':
        return new MalformedJsonError('the request says it carries JSON but the body is empty');
      case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
        return new ValidationError('the Content-Length header does not match the body');
      case 'ECONNRESET':
      case 'ECONNABORTED':
      case 'ERR_STREAM_PREMATURE_CLOSE':
        return new ClientClosedRequestError('the client closed the connection before its request was complete');
    }
    if (e.statusCode === 429) return new RateLimitedError(e.message ?? 'too many requests');
    if (err instanceof SyntaxError || e.code === 'FST_ERR_CTP_INVALID_JSON_BODY') {
      return new MalformedJsonError(`the request body is not valid JSON: ${e.message ?? ''}`.trim());
    }
    if (e.statusCode === 400 && e.message?.includes('__proto__')) return new MalformedJsonError('the request body is not acceptable JSON');
    return toApiError(err);
  };

  const sendError = (err: unknown, req: FastifyRequest, reply: FastifyReply) => {
    const apiError = classify(err);
    if (apiError instanceof ClientClosedRequestError) {
      // Nobody is left to answer, and it is not the node's fault: no error log, no error metric.
      log.debug({ method: req.method, url: pathOf(req.url) }, apiError.message);
      return reply.status(apiError.status).send(apiError.toBody());
    }
    if (apiError.status >= 500 && apiError.status !== 503) {
      log.error({ err, method: req.method, url: pathOf(req.url) }, 'request failed');
    } else {
      log.debug({ error: apiError.name, method: req.method, url: pathOf(req.url) }, apiError.message);
    }
    metrics.errors.inc({ component: 'api', error: apiError.name });
    const body: ApiErrorBody = apiError.toBody();
    return reply.status(apiError.status).type('application/json').send(body);
  };

  const baseOptions = () => ({
    logger: false,
    bodyLimit: Math.floor(config.messages.max_size_mb * 1024 * 1024),
    requestTimeout: config.server.request_timeout_secs * 1000,
    return503OnClosing: true,
    forceCloseConnections: 'idle' as const,
  });

  /** /health, /ready and /metrics: open, not rate limited, served on the API port and the metrics port. */
  function registerProbeRoutes(app: FastifyInstance): void {
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
    if (config.observability.metrics_enabled) {
      app.get('/metrics', probe, async (_req, reply) => reply.type(metrics.contentType).send(await metrics.render()));
    }
    app.setErrorHandler((err, req, reply) => sendError(err, req, reply));
    app.setNotFoundHandler((req, reply) => sendError(new NotFoundError(`no route ${req.method} ${pathOf(req.url)}`), req, reply));
    // Responses finished while draining close their keep-alive connection, so the server can
    // finish closing as soon as the last in-flight request is answered.
    app.addHook('onSend', async (_req, reply) => {
      if (closing) reply.header('connection', 'close');
    });
    app.addHook('onResponse', async (req, reply) => {
      metrics.httpRequestDuration.observe(
        { method: req.method, route: req.routeOptions.url ?? 'unmatched', status_code: String(reply.statusCode) },
        reply.elapsedTime / 1000,
      );
    });
  }

  async function buildApi(): Promise<FastifyInstance> {
    const security = config.security;
    let https: { cert: Buffer; key: Buffer } | null = null;
    if (security.tls_enabled) {
      try {
        https = { cert: fs.readFileSync(security.tls_cert_path!), key: fs.readFileSync(security.tls_key_path!) };
      } catch (err) {
        throw new ListenError(`cannot read the TLS certificate or key (security.tls_cert_path / tls_key_path): ${(err as Error).message}`);
      }
    }
    // The HTTPS and HTTP instances differ only in their raw server type, which nothing here uses.
    const app = (https ? Fastify({ ...baseOptions(), https }) : Fastify(baseOptions())) as unknown as FastifyInstance;
    app.server.maxConnections = config.server.max_connections;
    // JSON is decoded strictly: bytes that are not UTF-8 would otherwise become U+FFFD silently,
    // and what was stored would differ from what the client sent.
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

    if (security.rate_limit_enabled) {
      await app.register(rateLimit, {
        global: true,
        max: security.rate_limit_requests_per_sec,
        timeWindow: 1000,
        allowList: (req) => flagsOf(req).probe === true,
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

    app.addHook('onRequest', guardRequest);

    registerProbeRoutes(app);

    app.get('/status', async () => requireRouter().call('node.status', {}));
    app.get('/peers', async () => requireRouter().call('node.peers', {}));

    for (const route of REST_ROUTES) {
      app.route({
        method: route.method,
        url: route.url,
        handler: async (req, reply) => {
          const result = await requireRouter().dispatch(route.call, restInput(route, req.params, req.query, req.body));
          return reply.status(route.status ?? 200).send(result);
        },
      });
    }

    // Attachments move as raw bytes over HTTP (JSON would inflate them by a third).
    app.addContentTypeParser('application/octet-stream', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
    app.post('/api/attachments', async (req, reply) => {
      if (!Buffer.isBuffer(req.body)) throw new UnsupportedMediaTypeError('send the file as application/octet-stream, with ?name= (and ?type=)');
      const query = req.query as Record<string, unknown>;
      const result = await requireRouter().dispatch('attachments.upload', {
        name: query.name,
        type: query.type ?? 'application/octet-stream',
        data: new Uint8Array(req.body),
      });
      return reply.status(201).send(result);
    });
    app.get('/api/attachments/:id', async (req, reply) => {
      const { id } = req.params as { id: string };
      await requireRouter().call('attachments.get', { id });
      const { path: file, row } = init.attachmentFile(id);
      return reply.headers(downloadHeaders(row)).send(fs.createReadStream(file));
    });

    // The web UI: the same renderer as the desktop app, talking to this node over HTTP/WebSocket.
    // It is public static files; everything it does needs the token (asked for on its login page).
    if (init.uiDir && fs.existsSync(path.join(init.uiDir, 'index.html'))) {
      const uiDir = init.uiDir;
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
    } else {
      app.get('/', { config: { open: true } satisfies RouteFlags }, async (_req, reply) =>
        reply.status(404).type('text/plain; charset=utf-8').send('The web UI is not built. Run `npm run build:ui`, then reload this page.\n'),
      );
    }

    // One endpoint for every method: what the UI's HTTP client uses, mirroring IPC exactly.
    app.post('/api/rpc/:method', async (req) => {
      const { method } = req.params as { method: string };
      return requireRouter().dispatch(method, req.body);
    });

    registerEventStream(app, {
      events: init.events,
      metrics,
      logger: init.logger,
      version: init.version,
      assertReady: () => void requireRouter(),
    });
    return app;
  }

  async function listen(app: FastifyInstance, port: number, what: string, key: string): Promise<string> {
    try {
      await app.listen({ host: config.server.host, port });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const why =
        code === 'EADDRINUSE'
          ? 'the address is already in use (is another dchat running?)'
          : code === 'EACCES'
            ? 'permission denied (ports below 1024 need privileges)'
            : code === 'EADDRNOTAVAIL'
              ? 'that address is not on this machine'
              : (err as Error).message;
      throw new ListenError(`cannot serve the ${what} on ${config.server.host}:${port} (${key}): ${why}`);
    }
    const address = app.server.address() as AddressInfo;
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    return `${what === 'API' && config.security.tls_enabled ? 'https' : 'http'}://${host}:${address.port}`;
  }

  return {
    async start() {
      api = await buildApi();
      apiUrl = await listen(api, config.server.api_port, 'API', 'server.api_port');
      if (config.server.metrics_port !== 0) {
        probes = Fastify(baseOptions());
        registerProbeRoutes(probes);
        try {
          metricsUrl = await listen(probes, config.server.metrics_port, 'metrics endpoint', 'server.metrics_port');
        } catch (err) {
          await api.close();
          throw err;
        }
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
