import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { DchatConfig } from '../../config/schema.ts';
import { listenReason } from '../../util/listen-reasons.ts';

/** The HTTP server could not start: a port in use, an unreadable certificate. */
export class ListenError extends Error {
  override readonly name = 'ListenError';
}

/** Options both listeners share: limits from the config, and a drain that answers 503 to newcomers. */
export const baseOptions = (config: DchatConfig) => ({
  logger: false,
  bodyLimit: Math.floor(config.messages.max_size_mb * 1024 * 1024),
  requestTimeout: config.server.request_timeout_secs * 1000,
  return503OnClosing: true,
  forceCloseConnections: 'idle' as const,
});

const whyNot = (err: unknown): string => listenReason((err as NodeJS.ErrnoException).code, '--api-host / server.host') ?? (err as Error).message;

/**
 * Listens on `[server] host` and the given port; returns the base URL. A failure names the
 * config key to change, since it is nearly always an operator's choice of port or address.
 */
export async function listenOn(app: FastifyInstance, config: DchatConfig, port: number, what: string, key: string): Promise<string> {
  try {
    await app.listen({ host: config.server.host, port });
  } catch (err) {
    throw new ListenError(`cannot serve the ${what} on ${config.server.host}:${port} (${key}): ${whyNot(err)}`);
  }
  const address = app.server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `${what === 'API' && config.security.tls_enabled ? 'https' : 'http'}://${host}:${address.port}`;
}
