import type { BridgeHealth } from '../../domain/chain-model.ts';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { DchatConfig } from '../../config/schema.ts';
import type { EventBus } from '../../events/event-bus.ts';
import type { Metrics } from '../../observability/metrics.ts';
import type { BotService } from '../../bots/bot-service.ts';
import type { ApiTokenSource } from '../api-token.ts';
import type { ApiErrorBody } from '../contract.ts';
import type { Router } from '../router.ts';

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
  /** The bots this node hosts, once started (the Bot API authenticates against them). */
  readonly bots: () => BotService | undefined;
  /** The bridge's health once the chains run (/health/bridge on the probe port). */
  readonly bridgeHealth?: () => BridgeHealth | undefined;
}

export type ErrorSender = (err: unknown, req: FastifyRequest, reply: FastifyReply) => FastifyReply;

/** What the route modules share: the server's dependencies and the pieces every listener uses. */
export interface HttpContext {
  readonly init: HttpServerInit;
  readonly log: Logger;
  /** Throws NotReady while the node starts or stops. */
  readonly requireRouter: () => Router;
  readonly sendError: ErrorSender;
  /** True once stop() began: answers close their connection so draining ends quickly. */
  readonly closing: () => boolean;
}

/** Route config flags: `open` routes need no token (probes, the web UI's static files). */
export interface RouteFlags {
  readonly open?: boolean;
  /** Probes answer whatever Host they are asked under (kubelets and Prometheus use pod IPs or service names). */
  readonly probe?: boolean;
  /** The Bot API: authorized by the bot token; a request with a valid one skips the per-IP limit (bots have their own). */
  readonly botApi?: boolean;
}
declare module 'fastify' {
  interface FastifyContextConfig {
    readonly open?: boolean;
    readonly probe?: boolean;
    readonly botApi?: boolean;
  }
}
export const flagsOf = (req: FastifyRequest): RouteFlags => req.routeOptions.config ?? {};

/** The path without its query: what is logged (a query may carry the event stream's token). */
export const pathOf = (url: string): string => url.split('?', 1)[0]!;
