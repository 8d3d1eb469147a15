import { hexToBytes } from '@noble/hashes/utils.js';
import { peerIdFromString } from '@libp2p/peer-id';
import { encodeCbor } from '../p2p/codec.ts';
import type { Startable } from '../runtime/startable.ts';
import { mailboxReceipt, parseReply, PROTOCOLS } from '../wire/protocols.ts';
import type { RelayParts } from './relay-context.ts';
import { mailboxReceiptStatement } from './statements.ts';
import { createTasks } from './tasks.ts';

const PUSH_BATCH = 64;
/** After the mailbox could not be read (its database restarting), the push is tried again this soon. */
const STORE_RETRY_MS = 1000;

/**
 * Subscribed recipients and the mail pushed to them: everything pending when they subscribe,
 * and each new deposit while they stay connected. Mail is deleted only on the recipient's
 * signed receipt; a failed push leaves it for the next subscription.
 */
export interface MailboxPush extends Startable {
  /** The recipient's signed subscription arrived over this peer's connection. */
  subscribe(identity: string, peer: string): void;
  /** New mail for the recipient: pushed now if it is subscribed. */
  notify(identity: string): void;
  /** Mail may have arrived for anyone (the cluster's notifications were missed): reads every subscriber's. */
  notifyAll(): void;
  readonly subscribers: number;
  /** Forgets every subscription (relaying switched off); pushes under way finish. */
  clear(): void;
  start(): void;
  stop(): Promise<void>;
}

interface Subscription {
  readonly peer: string;
  pushing: boolean;
  again: boolean;
}

export const createMailboxPush = (init: RelayParts): MailboxPush => new Subscriptions(init);

class Subscriptions implements MailboxPush {
  private readonly init: RelayParts;
  private readonly subscriptions = new Map<string, Subscription>();
  private readonly tasks = createTasks();
  private readonly retries = new Set<NodeJS.Timeout>();
  private listening = false;

  constructor(init: RelayParts) {
    this.init = init;
  }

  get subscribers(): number {
    return this.subscriptions.size;
  }

  subscribe(identity: string, peer: string): void {
    this.subscriptions.set(identity, { peer, pushing: false, again: false });
  }

  notify(identity: string): void {
    const subscription = this.subscriptions.get(identity);
    if (!subscription || this.tasks.stopped) return;
    if (subscription.pushing) {
      subscription.again = true;
      return;
    }
    subscription.pushing = true;
    void this.tasks.run(() => this.push(identity, subscription)).finally(() => {
      subscription.pushing = false;
      if (subscription.again) {
        subscription.again = false;
        this.notify(identity);
      }
    });
  }

  notifyAll(): void {
    for (const identity of this.subscriptions.keys()) this.notify(identity);
  }

  clear(): void {
    this.subscriptions.clear();
  }

  start(): void {
    this.tasks.restart();
    if (!this.listening) this.init.network.libp2p.addEventListener('peer:disconnect', this.onDisconnect);
    this.listening = true;
  }

  async stop(): Promise<void> {
    if (this.listening) this.init.network.libp2p.removeEventListener('peer:disconnect', this.onDisconnect);
    this.listening = false;
    for (const timer of this.retries) clearTimeout(timer);
    this.retries.clear();
    await this.tasks.stop();
    this.subscriptions.clear();
  }

  // A subscription lasts as long as the recipient's connection; mail then waits for the next one.
  private readonly onDisconnect = (event: CustomEvent<{ toString(): string }>): void => {
    const peer = event.detail.toString();
    for (const [identity, sub] of this.subscriptions) if (sub.peer === peer) this.subscriptions.delete(identity);
  };

  /** Hands over everything pending for a subscribed recipient, deleting what it signs for. */
  private async push(identity: string, subscription: Subscription): Promise<void> {
    const { mailbox, network, log } = this.init;
    const to = hexToBytes(identity);
    let after = 0;
    // Whether the store (not the recipient) is being waited on.
    let reading = false;
    try {
      for (;;) {
        reading = true;
        const batch = await mailbox.pending(identity, after, PUSH_BATCH, this.init.now());
        reading = false;
        if (batch.length === 0 || this.tasks.stopped) return;
        after = batch[batch.length - 1]!.seq;
        const channel = await this.tasks.unlessStopped(network.channels.get(peerIdFromString(subscription.peer), PROTOCOLS.mailbox));
        const answer = await this.tasks.unlessStopped(channel.request(encodeCbor({ to, envs: batch.map((e) => e.envelope) }), 30_000));
        const reply = parseReply(answer, mailboxReceipt);
        if (!mailboxReceiptStatement.verify(to, { relay: network.peerId, ids: reply.ids }, reply.sig)) {
          log.warn({ identity }, 'a mailbox receipt was not signed by its recipient; keeping the mail');
          return;
        }
        reading = true;
        this.init.metrics.delivered.inc(await mailbox.acknowledge(identity, reply.ids));
        reading = false;
        this.init.changed();
      }
    } catch (err) {
      if (reading && !this.tasks.stopped) {
        // The store failed, not the recipient: it stays subscribed and the push is tried again.
        log.warn({ identity, err: (err as Error).message }, 'reading the mailbox failed; pushing again shortly');
        const timer = setTimeout(() => {
          this.retries.delete(timer);
          this.notify(identity);
        }, STORE_RETRY_MS);
        this.retries.add(timer);
        return;
      }
      log.debug({ identity, err: (err as Error).message }, 'pushing mail failed; it stays until the recipient is back');
      this.subscriptions.delete(identity);
    }
  }
}
