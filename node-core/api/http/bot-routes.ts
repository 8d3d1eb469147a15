import { parse as parseQuery } from 'node:querystring';
import fs from 'node:fs';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { BotActions } from '../../bots/bot-actions.ts';
import { failureOf, failureOfSchema, isRefusal, notFound, type BotApiFailure } from '../bot-api/bot-api-errors.ts';
import { botMethod } from '../bot-api/bot-api-methods.ts';
import { illFormedStringPath } from '../../util/unicode.ts';
import { downloadHeaders } from './attachment-download.ts';
import { parseBotMultipart } from './bot-multipart.ts';
import type { HttpContext } from './http-context.ts';

/** The Bot API's URL: Telegram's `/bot<token>/<method>`, which bot libraries build from apiRoot. */
export const BOT_API_URL = '/bot:token/:method';
/** Where getFile's file_path is downloaded from, as Telegram's `/file/bot<token>/<file_path>`. */
export const BOT_FILE_URL = '/file/bot:token/*';

const send = (reply: FastifyReply, failure: BotApiFailure) => reply.status(failure.error_code).type('application/json').send(failure);

/**
 * Errors Fastify raises before any route runs (a path parameter over maxParamLength, a URL that
 * does not decode). Under /bot they are a bad token, answered 401 in Telegram's shape like any
 * other bad token (a flood of 300-character tokens gets what a flood of short ones gets);
 * elsewhere Fastify's own answer.
 */
export function frameworkErrors(err: Error & { statusCode?: number; code?: string }, req: FastifyRequest, reply: FastifyReply): void {
  if (req.raw.url?.startsWith('/bot')) {
    void send(reply, { ok: false, error_code: 401, description: 'Unauthorized' });
    return;
  }
  const statusCode = err.statusCode ?? 400;
  void reply.status(statusCode).send({ error: 'Bad Request', code: err.code, message: err.message, statusCode });
}

/**
 * The Bot API on the node's API port. No node token: the bot token in the path authorizes, and
 * the route is marked open for the request guard (Host and Origin checks still apply). Lives in
 * its own Fastify scope so its form parser and its Telegram-shaped errors stay out of /api.
 * Long polls end (with no updates) as soon as the server begins to close, so a shutdown never
 * waits 50 s for a bot.
 */
export function registerBotRoutes(app: FastifyInstance, ctx: HttpContext): void {
  const polls = new Set<AbortController>();
  app.addHook('preClose', (done) => {
    for (const poll of polls) poll.abort();
    done();
  });
  void app.register(async (scope) => {
    scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => done(null, parseQuery(body as string)));
    const fileBytes = Math.floor(ctx.init.config.messages.max_size_mb * 1024 * 1024);
    scope.addContentTypeParser('multipart/form-data', (req, _payload, done) => void parseBotMultipart(req.raw, { fileBytes }).then((params) => done(null, params), (err: Error) => done(err)));
    // The token before the body (after the per-address limiter's onRequest): a request with a bad one is answered before anything is parsed.
    scope.addHook('preParsing', async (req, reply, payload) => {
      const bot = ctx.init.bots()?.authenticate((req.params as { token?: string }).token ?? '');
      if (!bot) return send(reply, { ok: false, error_code: 401, description: 'Unauthorized' });
      authenticated.set(req, bot);
      return payload;
    });
    scope.setErrorHandler((err, req, reply) => {
      if (isRefusal(err)) return send(reply, failureOf(err));
      if ((err as { code?: string }).code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
        return send(reply, { ok: false, error_code: 400, description: 'Bad Request: send parameters as a query string, JSON, application/x-www-form-urlencoded or multipart/form-data' });
      }
      const apiError = (err as { statusCode?: number }).statusCode;
      // The per-address limiter (security.rate_limit_requests_per_sec, a one-second window) caught bad tokens from this address.
      if (apiError === 429) return send(reply, { ok: false, error_code: 429, description: 'Too Many Requests: retry after 1', parameters: { retry_after: 1 } });
      // Transport failures (bad JSON, an unsupported body type, a node still starting) in Telegram's shape.
      if (apiError && apiError < 500) return send(reply, { ok: false, error_code: 400, description: `Bad Request: ${(err as Error).message}` });
      ctx.log.error({ err, url: '/bot<token>/' + ((req.params as { method?: string }).method ?? '') }, 'bot API request failed');
      return send(reply, { ok: false, error_code: 500, description: 'Internal Server Error' });
    });
    scope.route({
      method: ['GET', 'POST'],
      url: BOT_API_URL,
      config: { open: true, botApi: true },
      handler: (req, reply) => handle(req, reply, ctx, polls),
    });
    scope.route({
      method: ['GET', 'HEAD'],
      url: BOT_FILE_URL,
      config: { open: true, botApi: true },
      handler: (req, reply) => {
        const file = authenticated.get(req)!.download((req.params as { '*': string })['*']);
        return reply.headers(downloadHeaders(file.row)).send(fs.createReadStream(file.path));
      },
    });
  });
}

/** Each request's bot, authenticated once in onRequest, from memory alone (a bad token costs no parsing and no database work). */
const authenticated = new WeakMap<FastifyRequest, BotActions>();

async function handle(req: FastifyRequest, reply: FastifyReply, ctx: HttpContext, polls: Set<AbortController>): Promise<FastifyReply> {
  const { method } = req.params as { method: string };
  const bot = authenticated.get(req)!;
  const definition = botMethod(method);
  if (!definition) return send(reply, notFound());
  const raw: unknown = req.method === 'GET' ? req.query : (req.body ?? req.query ?? {});
  if (illFormedStringPath(raw) !== undefined) return send(reply, { ok: false, error_code: 400, description: 'Bad Request: strings must be valid UTF-8' });
  const parsed = definition.schema.safeParse(raw ?? {});
  if (!parsed.success) return send(reply, failureOfSchema(parsed.error));
  const poll = new AbortController();
  const hungUp = () => poll.abort();
  reply.raw.once('close', hungUp);
  polls.add(poll);
  try {
    const result = await definition.handle(bot, parsed.data, poll.signal);
    return reply.send({ ok: true, result });
  } catch (err) {
    if (isRefusal(err)) return send(reply, failureOf(err));
    throw err;
  } finally {
    polls.delete(poll);
    reply.raw.off('close', hungUp);
  }
}
