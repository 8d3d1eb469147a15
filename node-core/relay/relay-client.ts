import type { Logger } from 'pino';
import type { RelayRef, SignedIdentityRecord } from '../wire/identity-record.ts';
import type { Network } from '../p2p/network.ts';
import type { Startable } from '../runtime/startable.ts';
import type { KeyRing } from '../sessions/key-ring.ts';
import type { LocalVault } from '../sessions/vault.ts';
import type { Store } from '../store/store.ts';
import { registerAndSubscribe, type RegistrationDeps } from './relay-registration-client.ts';
import { createTasks } from './tasks.ts';

/**
 * Keeps each unlocked identity registered and subscribed with each relay it chose: registration
 * publishes its signed record and a share of one-time prekeys (each key to one relay only);
 * subscribing makes the relay push stored mail now and new mail while we stay connected. Lost
 * connections are retried with backoff, so a relay restart or our own is invisible to users.
 */

export interface RelayClient extends Startable {
  start(): void;
  stop(): Promise<void>;
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

/** One identity at one relay. */
interface Link {
  readonly relay: RelayRef;
  readonly identity: string;
  connected: boolean;
  retryMs: number;
  timer?: NodeJS.Timeout;
  busy: boolean;
}

const FIRST_RETRY_MS = 1000;
const AFTER_DISCONNECT_MS = 500;
const MAX_RETRY_MS = 30_000;

export const createRelayClient = (init: RelayClientInit): RelayClient => new RelayLinks(init);

class RelayLinks implements RelayClient {
  private readonly links = new Map<string, Link>();
  private readonly tasks = createTasks();
  private readonly deps: RegistrationDeps;
  private readonly log: Logger;
  private readonly init: RelayClientInit;
  private running = false;
  private stopWatchingKeyRing: (() => void) | undefined;

  constructor(init: RelayClientInit) {
    this.init = init;
    this.log = init.logger.child({ component: 'relay-client' });
    this.deps = { ...init, now: init.now ?? Date.now, unlessStopped: (work) => this.tasks.unlessStopped(work) };
  }

  start(): void {
    this.running = true;
    this.tasks.restart();
    this.init.network.libp2p.addEventListener('peer:disconnect', this.onDisconnect);
    this.stopWatchingKeyRing = this.init.keyRing.onAdd(() => this.refresh());
    this.refresh();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.init.network.libp2p.removeEventListener('peer:disconnect', this.onDisconnect);
    this.stopWatchingKeyRing?.();
    this.stopWatchingKeyRing = undefined;
    for (const link of this.links.values()) clearTimeout(link.timer);
    await this.tasks.stop();
  }

  refresh(): void {
    if (!this.running) return;
    const wanted = new Set<string>();
    for (const relay of this.init.relays()) {
      for (const identity of this.init.keyRing.ids()) {
        const key = `${relay.peer_id}/${identity}`;
        wanted.add(key);
        let link = this.links.get(key);
        if (!link) {
          link = { relay, identity, connected: false, retryMs: FIRST_RETRY_MS, busy: false };
          this.links.set(key, link);
        }
        if (!link.connected) this.attempt(link);
      }
    }
    for (const [key, link] of this.links) {
      if (!wanted.has(key)) {
        clearTimeout(link.timer);
        this.links.delete(key);
      }
    }
  }

  status(): Array<{ peer_id: string; addresses: readonly string[]; connected: boolean }> {
    const byRelay = new Map<string, { peer_id: string; addresses: readonly string[]; connected: boolean }>();
    for (const link of this.links.values()) {
      const entry = byRelay.get(link.relay.peer_id) ?? { peer_id: link.relay.peer_id, addresses: link.relay.addresses, connected: false };
      entry.connected ||= link.connected;
      byRelay.set(link.relay.peer_id, entry);
    }
    return [...byRelay.values()];
  }

  private readonly onDisconnect = (event: CustomEvent<{ toString(): string }>): void => {
    const peer = event.detail.toString();
    for (const link of this.links.values()) {
      if (link.relay.peer_id === peer && link.connected) {
        link.connected = false;
        link.retryMs = AFTER_DISCONNECT_MS;
        this.schedule(link);
      }
    }
  };

  private attempt(link: Link): void {
    void this.tasks.run(() => this.connect(link));
  }

  private schedule(link: Link): void {
    if (!this.running) return;
    clearTimeout(link.timer);
    link.timer = setTimeout(() => this.attempt(link), link.retryMs);
    link.timer.unref();
    link.retryMs = Math.min(MAX_RETRY_MS, link.retryMs * 2);
  }

  private async connect(link: Link): Promise<void> {
    if (link.busy || !this.running) return;
    const secret = this.init.keyRing.get(link.identity);
    if (!secret) return;
    link.busy = true;
    try {
      const pending = await registerAndSubscribe(this.deps, link.relay, link.identity, secret);
      link.connected = true;
      link.retryMs = FIRST_RETRY_MS;
      this.log.info({ relay: link.relay.peer_id, identity: link.identity.slice(0, 16), pending }, 'subscribed to relay');
    } catch (err) {
      link.connected = false;
      this.log.debug({ relay: link.relay.peer_id, err: (err as Error).message }, 'relay not reachable; retrying');
      this.schedule(link);
    } finally {
      link.busy = false;
    }
  }
}
