import { decode } from 'cborg';

/**
 * What a person may paste as a relay: its address (a multiaddr ending in /p2p/<peer id>), or the
 * invite of the relay's own identity (a dchat://invite/ link, or the bare invite string), from
 * which the relay's address is taken. The node checks each address again when they are saved;
 * the invite's signature is checked by the node only when it is added as a contact, so an invite
 * here is trusted as little as a pasted address is.
 */

export type RelayEntry =
  | { readonly ok: true; readonly address: string }
  | { readonly ok: false; readonly line: string; readonly problem: 'notRelay' | 'badInvite' };

const INVITE_PREFIX = 'dchat://invite/';
const PEER_ID = /^[1-9A-HJ-NP-Za-km-z]{10,128}$/;

function base64urlBytes(text: string): Uint8Array {
  const b64 = text.replace(/-/g, '+').replace(/_/g, '/');
  const binary = atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

/** Loopback and private addresses come last: a relay's invite names them too, and they work only on its own machine or network. */
const localness = (address: string) => (/^\/(ip4\/(127\.|10\.|192\.168\.|172\.(1[6-9]|2\d|3[01])\.)|ip6\/(::1|f[cd])|dns4?\/localhost\/)/i.test(address) ? 1 : 0);
const isWebSocket = (address: string) => (/\/wss?(\/|$)/.test(address) ? 1 : 0);

/** The address to reach the relay whose invite this is, or null when it is not an invite. */
export function relayAddressFromInvite(invite: string): string | null {
  const text = invite.startsWith(INVITE_PREFIX) ? invite.slice(INVITE_PREFIX.length) : invite;
  if (!/^[A-Za-z0-9_-]{16,}$/.test(text)) return null;
  let record: unknown;
  try {
    record = decode(base64urlBytes(text));
  } catch {
    return null;
  }
  // An identity record: [1, identity key, username, display name, peer id, addresses, relays, updated at, signature].
  if (!Array.isArray(record) || record[0] !== 1 || typeof record[4] !== 'string' || !PEER_ID.test(record[4]) || !Array.isArray(record[5])) return null;
  return relayAddressOf(record[4], (record[5] as unknown[]).filter((a): a is string => typeof a === 'string'));
}

/**
 * The one address to save for a relay known by its peer id and the addresses it gives (its
 * invite, or its listing in the chat chain's relay registry): public before loopback and
 * private ones, TCP before WebSocket, with the /p2p/<peer id> ending the node expects.
 */
export function relayAddressOf(peerId: string, addresses: readonly string[]): string | null {
  if (!PEER_ID.test(peerId)) return null;
  const best = addresses.filter((a) => a.startsWith('/')).sort((x, y) => localness(x) - localness(y) || isWebSocket(x) - isWebSocket(y))[0];
  if (!best) return null;
  return best.includes('/p2p/') ? best : `${best}/p2p/${peerId}`;
}

/** Reads what was pasted, one relay per line (or separated by spaces). */
export function parseRelayInput(input: string): RelayEntry[] {
  const entries: RelayEntry[] = [];
  for (const line of input.split(/\s+/).map((l) => l.trim()).filter(Boolean)) {
    if (line.startsWith('/')) entries.push({ ok: true, address: line });
    else {
      const address = relayAddressFromInvite(line);
      if (address) entries.push({ ok: true, address });
      else entries.push({ ok: false, line, problem: line.startsWith(INVITE_PREFIX) ? 'badInvite' : 'notRelay' });
    }
  }
  return entries;
}
