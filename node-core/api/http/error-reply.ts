import type { Logger } from 'pino';
import type { Metrics } from '../../observability/metrics.ts';
import type { ApiErrorBody } from '../contract.ts';
import {
  ApiError,
  ClientClosedRequestError,
  MalformedJsonError,
  PayloadTooLargeError,
  RateLimitedError,
  toApiError,
  UnsupportedMediaTypeError,
  ValidationError,
} from '../errors.ts';
import { pathOf, type ErrorSender } from './http-context.ts';

/** Maps whatever was thrown (ours, Fastify's, a plugin's) to a named API error. */
export function classifyError(err: unknown, maxSizeMb: number): ApiError {
  if (err instanceof ApiError) return err;
  const e = err as { code?: string; statusCode?: number; message?: string };
  switch (e.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new PayloadTooLargeError(`request body is over the ${maxSizeMb} MB limit (messages.max_size_mb)`);
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
}

/**
 * Answers with the JSON error body. Only the node's own failures are logged as errors and
 * counted; a client's mistakes are debug lines, and a client that hung up is not counted at all.
 */
export function createErrorSender(deps: { readonly log: Logger; readonly metrics: Metrics; readonly maxSizeMb: number }): ErrorSender {
  const { log, metrics } = deps;
  return (err, req, reply) => {
    const apiError = classifyError(err, deps.maxSizeMb);
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
}
