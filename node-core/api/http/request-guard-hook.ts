import { timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { DchatConfig } from '../../config/schema.ts';
import type { ApiTokenSource } from '../api-token.ts';
import { BadRequestTargetError, HostNotAllowedError, OriginNotAllowedError, UnauthorizedError } from '../errors.ts';
import { flagsOf } from './http-context.ts';
import { ambiguousTarget, hostAllowed, originAllowed } from './request-guard.ts';

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * The onRequest hook that runs before anything else looks at a request: refuses targets that
 * decode to something else than they spell, names that are not this node's (DNS rebinding),
 * pages of other origins that try to change state or listen to events, and then asks for the
 * token on every route that is not explicitly open, by the route that matched.
 */
export function createRequestGuard(config: DchatConfig, apiToken: ApiTokenSource): (req: FastifyRequest) => Promise<void> {
  const tokenMatches = (presented: string | undefined): boolean => {
    if (!presented) return false;
    const expected = Buffer.from(apiToken.current());
    const given = Buffer.from(presented);
    return given.length === expected.length && timingSafeEqual(given, expected);
  };

  return async (req) => {
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
}

function presentedToken(req: FastifyRequest): string | undefined {
  const header = req.headers.authorization;
  if (header?.startsWith('Bearer ')) return header.slice('Bearer '.length).trim();
  // Browsers cannot set headers on a WebSocket upgrade, so the event stream also takes
  // ?access_token=; decided by the route that will run, never by the spelling of the URL.
  if (req.routeOptions.url === '/api/events') {
    const query = req.query as Record<string, unknown> | undefined;
    if (typeof query?.access_token === 'string') return query.access_token;
  }
  return undefined;
}
