import { parse as parseQuery } from 'node:querystring';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { failureOf, failureOfSchema, isRefusal, notFound, type BotApiFailure } from '../bot-api/bot-api-errors.ts';
import { botMethod } from '../bot-api/bot-api-methods.ts';
import { illFormedStringPath } from '../../util/unicode.ts';
import type { HttpContext } from './http-context.ts';

/** The Bot API's URL: Telegram's `/bot<token>/<method>`, which bot libraries build from apiRoot. */
export const BOT_API_URL = '/bot:token/:method';

const send = (reply: FastifyReply, failure: BotApiFailure) => reply.status(failure.error_code).type('application/json').send(failure);

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
    scope.setErrorHandler((err, req, reply) => {
      if (isRefusal(err)) return send(reply, failureOf(err));
      if ((err as { code?: string }).code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
        return send(reply, { ok: false, error_code: 400, description: 'Bad Request: send parameters as a query string, JSON or application/x-www-form-urlencoded (file uploads come later)' });
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
  });
}

async function handle(req: FastifyRequest, reply: FastifyReply, ctx: HttpContext, polls: Set<AbortController>): Promise<FastifyReply> {
  const { token, method } = req.params as { token: string; method: string };
  // The token first, from memory alone: a bad one costs no parsing and no database work.
  const bot = ctx.init.bots()?.authenticate(token);
  if (!bot) return send(reply, { ok: false, error_code: 401, description: 'Unauthorized' });
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
