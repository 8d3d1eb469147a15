import { peerIdFromString } from '@libp2p/peer-id';
import { multiaddr } from '@multiformats/multiaddr';

/**
 * A relay is reached over TCP or WebSockets at a host (IP or DNS name) and port, and is known by
 * its peer id: `/ip4/203.0.113.7/tcp/30333/p2p/12D3Koo...`, `/dns4/relay.example/tcp/30334/ws/p2p/...`.
 * Anything else (`/unix/...`, a circuit address, a peer id that does not parse) is refused where
 * it enters, with the reason, instead of failing later at dial time.
 */
const HOSTS = new Set(['ip4', 'ip6', 'dns', 'dns4', 'dns6']);

export function relayAddressProblem(address: string): string | undefined {
  let parts: Array<{ name: string; value?: string | undefined }>;
  try {
    parts = multiaddr(address).getComponents();
  } catch {
    return 'is not a multiaddr';
  }
  const names = parts.map((p) => p.name);
  if (!HOSTS.has(names[0] ?? '')) return 'must start with /ip4, /ip6, /dns, /dns4 or /dns6';
  if (names[1] !== 'tcp') return 'must name a TCP port (/tcp/<port>)';
  const rest = names.slice(2, -1);
  if (!(rest.length === 0 || (rest.length === 1 && (rest[0] === 'ws' || rest[0] === 'wss')))) {
    return 'must be a TCP or WebSocket address (/tcp/<port>[/ws|/wss]/p2p/<peer id>)';
  }
  const last = parts.at(-1);
  if (last?.name !== 'p2p' || !last.value) return 'must end in /p2p/<peer id>';
  try {
    peerIdFromString(last.value);
  } catch {
    return 'ends in a peer id that is not valid';
  }
  return undefined;
}
