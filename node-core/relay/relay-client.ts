import { hexToBytes } from '@noble/hashes/utils.js';
import type { Logger } from 'pino';
import { z } from 'zod';
import { encodeIdentityRecord, type RelayRef, type SignedIdentityRecord } from '../wire/identity-record.ts';
import { encodeCbor } from '../p2p/codec.ts';
import type { Network } from '../p2p/network.ts';
import { assignOneTimePrekeys, currentSignedPrekey, ensurePrekeys, RELAY_SHARE } from '../sessions/prekeys.ts';
import type { OneTimePrekey } from '../crypto/x3dh.ts';
import type { KeyRing } from '../sessions/key-ring.ts';
import type { LocalVault } from '../sessions/vault.ts';
import type { Store } from '../store/store.ts';
import { parseReply, PROTOCOLS } from '../wire/protocols.ts';
import { registrationStatement, subscriptionStatement, type OneTimePrekeyWire, type SignedPrekeyWire } from './statements.ts';

/**
 * Keeps each unlocked identity registered and subscribed with each relay it chose: registration
 * publishes its signed record and a share of one-time prekeys (each key to one relay only);
 * subscribing makes the relay push stored mail now and new mail while we stay connected. Lost
 * connections are retried with backoff, so a relay restart or our own is invisible to users.
 */

export interface RelayClient {
  start(): void;
  stop(): void;
  /** Re-reads the chosen relays and unlocked identities (after a change). */
  refresh(): void;
  /** Relays we chose and whether each is currently subscribed. */
  status(): Array<{ peer_id: string; addresses: readonly string[]; connected: boolean }>;
}

export interface RelayClientInit {
  readonly store: Store;
  readonly network: Network;
  readonly keyRing: KeyRing;
  readonly vault: LocalVault;
  readonly logger: Logger;
  readonly relays: () => readonly RelayRef[];
  readonly ownRecord: (identityId: string) => SignedIdentityRecord;
  readonly now?: () => number;
}

const subscribedReply = z.object({ ok: z.literal(true), pending: z.number(), prekeys: z.number() });
const registeredReply = z.object({ ok: z.literal(true), prekeys: z.number() });

export function createRelayClient(init: RelayClientInit): RelayClient {
  const { store, network, keyRing, vault } = init;
  const log = init.logger.child({ component: 'relay-client' });
  const now = init.now ?? Date.now;
  const links = new Map<string, { relay: RelayRef; identity: string; connected: boolean; retryMs: number; timer?: NodeJS.Timeout; busy: boolean }>();
  let stopped = false;

  const key = (relay: RelayRef, identity: string) => `${relay.peer_id}/${identity}`;

  async function connect(link: { relay: RelayRef; identity: string; connected: boolean; retryMs: number; busy: boolean }): Promise<void> {
    if (link.busy || stopped) return;
    link.busy = true;
    const { relay, identity } = link;
    try {
      const secret = keyRing.get(identity);
      if (!secret) return;
      const channel = await network.channels.get(network.target(relay.peer_id, relay.addresses), PROTOCOLS.relay);
      const record = encodeIdentityRecord(init.ownRecord(identity));
      const send = async <T extends z.ZodType>(request: Record<string, unknown>, schema: T) => parseReply(await channel.request(encodeCbor(request), 15_000), schema);

      // Register: our record, the signed prekey, and this relay's share of one-time prekeys.
      const register = async (opks: readonly OneTimePrekey[]): Promise<number> => {
        const spk = currentSignedPrekey(store.repos, identity);
        const spkWire: SignedPrekeyWire = [spk.id, spk.publicKey, spk.signature];
        const opksWire = opks.map((k): OneTimePrekeyWire => [k.id, k.publicKey]);
        const ts = now();
        const registerSig = registrationStatement.sign(secret, { relay: relay.peer_id, client: network.peerId, ts, record, spk: spkWire, opks: opksWire });
        return (await send({ op: 'register', record, spk: spkWire, opks: opksWire, ts, sig: registerSig }, registeredReply)).prekeys;
      };
      const share = (topUp: boolean) =>
        store.write((repos) => {
          // A relay that handed most of its share out gets a fresh one; the keys it had count as
          // spent here (they stay usable until a session start consumes them).
          if (topUp) repos.prekeys.reassign(identity, relay.peer_id, `spent:${relay.peer_id}`);
          ensurePrekeys(repos, vault, identity, secret, now());
          const have = repos.prekeys.countAssigned(identity, relay.peer_id);
          return have >= RELAY_SHARE / 2 ? [] : assignOneTimePrekeys(repos, identity, relay.peer_id, RELAY_SHARE);
        });
      const held = await register(await share(false));
      if (held < RELAY_SHARE / 2) await register(await share(true));

      const subscribeTs = now();
      const subscribeSig = subscriptionStatement.sign(secret, { relay: relay.peer_id, client: network.peerId, ts: subscribeTs });
      const reply = await send({ op: 'subscribe', identity: hexToBytes(identity), ts: subscribeTs, sig: subscribeSig }, subscribedReply);
      link.connected = true;
      link.retryMs = 1000;
      log.info({ relay: relay.peer_id, identity: identity.slice(0, 16), pending: reply.pending }, 'subscribed to relay');
    } catch (err) {
      link.connected = false;
      log.debug({ relay: relay.peer_id, err: (err as Error).message }, 'relay not reachable; retrying');
      schedule(link);
    } finally {
      link.busy = false;
    }
  }

  function schedule(link: { retryMs: number; timer?: NodeJS.Timeout; relay: RelayRef; identity: string; connected: boolean; busy: boolean }): void {
    if (stopped) return;
    clearTimeout(link.timer);
    link.timer = setTimeout(() => void connect(link), link.retryMs);
    link.timer.unref();
    link.retryMs = Math.min(30_000, link.retryMs * 2);
  }

  function refresh(): void {
    const wanted = new Set<string>();
    for (const relay of init.relays()) {
      for (const identity of keyRing.ids()) {
        const k = key(relay, identity);
        wanted.add(k);
        let link = links.get(k);
        if (!link) {
          link = { relay, identity, connected: false, retryMs: 1000, busy: false };
          links.set(k, link);
        }
        if (!link.connected) void connect(link);
      }
    }
    for (const [k, link] of links) {
      if (!wanted.has(k)) {
        clearTimeout(link.timer);
        links.delete(k);
      }
    }
  }

  const onDisconnect = (event: CustomEvent<{ toString(): string }>) => {
    const peer = event.detail.toString();
    for (const link of links.values()) {
      if (link.relay.peer_id === peer && link.connected) {
        link.connected = false;
        link.retryMs = 500;
        schedule(link);
      }
    }
  };

  return {
    start() {
      network.libp2p.addEventListener('peer:disconnect', onDisconnect);
      keyRing.onAdd(() => refresh());
      refresh();
    },
    stop() {
      stopped = true;
      network.libp2p.removeEventListener('peer:disconnect', onDisconnect);
      for (const link of links.values()) clearTimeout(link.timer);
    },
    refresh,
    status() {
      const byRelay = new Map<string, { peer_id: string; addresses: readonly string[]; connected: boolean }>();
      for (const link of links.values()) {
        const entry = byRelay.get(link.relay.peer_id) ?? { peer_id: link.relay.peer_id, addresses: link.relay.addresses, connected: false };
        entry.connected ||= link.connected;
        byRelay.set(link.relay.peer_id, entry);
      }
      return [...byRelay.values()];
    },
  };
}
