import { listenReason } from '../util/listen-reasons.ts';

/**
 * libp2p could not listen on a configured address: a port in use, a privileged port, an address
 * that is not on this machine. Nearly always an operator's choice, so the message names the flag
 * and the config key to change, and the CLI prints it as one line (no stack trace), exit 1.
 */
export class P2pListenError extends Error {
  override readonly name = 'P2pListenError';
}

/** The setting behind each of our listen addresses (libp2p-options.ts listens on these two). */
const SETTINGS = {
  tcp: '--p2p-port / server.p2p_port',
  ws: '--p2p-ws-port / server.p2p_ws_port',
} as const;


/** "/ip4/0.0.0.0/tcp/30333/ws" -> "0.0.0.0:30333" and which setting chose it. */
function describeAddress(address: string): string {
  const host = /^\/(?:ip4|ip6|dns4|dns6|dns)\/([^/]+)/.exec(address)?.[1] ?? address;
  const port = /\/tcp\/(\d+)/.exec(address)?.[1];
  const setting = /\/ws(\/|$)/.test(address) ? SETTINGS.ws : SETTINGS.tcp;
  const where = port === undefined ? host : host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
  return `${where} (${setting})`;
}

/**
 * Reads libp2p's listen failure back into the settings to change. libp2p (3.x, transport manager)
 * reports it as an UnsupportedListenAddressesError whose only record of what failed is its text,
 * one "  <multiaddr>: <the socket's error message>" line per address, so that is what is parsed.
 * Anything else is not a listen failure: undefined, and the caller rethrows the original.
 */
export function p2pListenErrorFrom(err: unknown): P2pListenError | undefined {
  if ((err as Error | undefined)?.name !== 'UnsupportedListenAddressesError') return undefined;
  // reason -> the addresses that failed for it (both ports taken: one reason, said once)
  const failures = new Map<string, string[]>();
  for (const line of (err as Error).message.split('\n')) {
    const match = /^\s+(\/\S+?):\s+(.*)$/.exec(line);
    if (!match) continue;
    const [, address, detail] = match as unknown as [string, string, string];
    const code = /\b(E[A-Z]+)\b/.exec(detail)?.[1];
    const reason = listenReason(code, 'server.p2p_host') ?? detail;
    failures.set(reason, [...(failures.get(reason) ?? []), describeAddress(address)]);
  }
  if (failures.size === 0) return undefined;
  const clauses = [...failures].map(([reason, addresses]) => `${addresses.join(' and ')}: ${reason}`);
  return new P2pListenError(`cannot listen for peers on ${clauses.join('; and on ')}`, { cause: err });
}
