import { hexToBytes } from '@noble/hashes/utils.js';
import { peerIdFromString } from '@libp2p/peer-id';
import { encodeCbor } from '../p2p/codec.ts';
import type { Startable } from '../runtime/startable.ts';
import { mailboxReceipt, parseReply, PROTOCOLS } from '../wire/protocols.ts';
import type { RelayParts } from './relay-context.ts';
import { mailboxReceiptStatement } from './statements.ts';
import { createTasks } from './tasks.ts';

const PUSH_BATCH = 64;

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
    try {
      for (;;) {
        const batch = await mailbox.pending(identity, after, PUSH_BATCH, this.init.now());
        if (batch.length === 0 || this.tasks.stopped) return;
        after = batch[batch.length - 1]!.seq;
        const channel = await this.tasks.unlessStopped(network.channels.get(peerIdFromString(subscription.peer), PROTOCOLS.mailbox));
        const answer = await this.tasks.unlessStopped(channel.request(encodeCbor({ to, envs: batch.map((e) => e.envelope) }), 30_000));
        const reply = parseReply(answer, mailboxReceipt);
        if (!mailboxReceiptStatement.verify(to, { relay: network.peerId, ids: reply.ids }, reply.sig)) {
          log.warn({ identity }, 'a mailbox receipt was not signed by its recipient; keeping the mail');
          return;
        }
        this.init.metrics.delivered.inc(await mailbox.acknowledge(identity, reply.ids));
        this.init.changed();
      }
    } catch (err) {
      log.debug({ identity, err: (err as Error).message }, 'pushing mail failed; it stays until the recipient is back');
      this.subscriptions.delete(identity);
    }
  }
}
