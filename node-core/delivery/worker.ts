import { bytesToHex } from '@noble/hashes/utils.js';
import type { Logger } from 'pino';
import type { Startable } from '../runtime/startable.ts';
import type { OutboxRow } from '../store/repositories/outbox.ts';
import type { Store } from '../store/store.ts';
import type { OutboxSealer } from './outbox-sealing.ts';
import { retryAt, type Deliver } from './routing.ts';

/**
 * The loop that empties the outbox: each round takes the rows that are due, seals them and hands
 * each recipient's share to routing. Rounds overlap: while one round waits for acknowledgements,
 * the next is already encrypted and on the wire behind it (same stream per peer, so order holds).
 * Queued mail wakes it (`kick`), and so does a timer for rows whose retry time has come.
 */

const MAX_IN_FLIGHT = 4000;
const ROUND_ROWS = 2000;
const WAKE_INTERVAL_MS = 2000;

export interface DeliveryWorkerInit {
  readonly store: Store;
  readonly log: Logger;
  readonly seal: OutboxSealer;
  readonly deliver: Deliver;
  readonly now: () => number;
}

export class DeliveryWorker implements Startable {
  private running = false;
  private stopped = false;
  /** Set when work arrived during a round, so the round goes on instead of ending. */
  private again = false;
  private round: Promise<void> | undefined;
  private wakeTimer: NodeJS.Timeout | undefined;
  private readonly inFlight = new Set<string>();
  private readonly deliveries = new Set<Promise<void>>();

  private readonly init: DeliveryWorkerInit;

  constructor(init: DeliveryWorkerInit) {
    this.init = init;
  }

  start(): void {
    this.running = true;
    this.stopped = false;
    this.wakeTimer ??= setInterval(() => this.kick(), WAKE_INTERVAL_MS);
    this.wakeTimer.unref();
    this.kick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.running = false;
    clearInterval(this.wakeTimer);
    this.wakeTimer = undefined;
    await this.round;
    await Promise.allSettled([...this.deliveries]);
  }

  /** Asks for a round soon; mail queued before start goes out when the worker starts. */
  kick(): void {
    if (!this.running) return;
    if (this.round) {
      this.again = true;
      return;
    }
    this.round = this.runRounds();
  }

  private async runRounds(): Promise<void> {
    // Let the caller's burst of kicks (one per queued message) become one round.
    await new Promise((resolve) => setImmediate(resolve));
    try {
      do {
        this.again = false;
        if (this.inFlight.size >= MAX_IN_FLIGHT) {
          await Promise.race(this.deliveries);
          this.again = true;
          continue;
        }
        const due = this.init.store.repos.outbox.due(this.init.now(), MAX_IN_FLIGHT + ROUND_ROWS).filter((r) => !this.inFlight.has(bytesToHex(r.id))).slice(0, ROUND_ROWS);
        if (due.length === 0) break;
        await this.oneRound(due);
        // A full round may have left more behind.
        this.again ||= due.length === ROUND_ROWS;
      } while (this.again && !this.stopped);
    } catch (err) {
      this.init.log.error({ err }, 'outbox round failed');
    } finally {
      this.round = undefined;
    }
  }

  private async oneRound(due: OutboxRow[]): Promise<void> {
    const current = await this.init.seal(due);
    const byRecipient = new Map<string, OutboxRow[]>();
    for (const row of current.filter((r) => r.stage === 'sealed')) {
      const key = `${row.local_identity}:${row.recipient}`;
      const list = byRecipient.get(key) ?? [];
      list.push(row);
      byRecipient.set(key, list);
    }
    for (const rows of byRecipient.values()) this.startDelivery(rows);
    // Rows of this round that could not be encrypted (no prekey bundle reachable) wait a while.
    const stuck = current.filter((r) => r.stage === 'plain');
    if (stuck.length > 0) {
      await this.init.store.write((repos) => {
        for (const row of stuck) repos.outbox.retryLater(row.id, retryAt(row.attempts, this.init.now()), 'no prekey bundle reachable');
      });
    }
  }

  private startDelivery(rows: OutboxRow[]): void {
    const ids = rows.map((r) => bytesToHex(r.id));
    ids.forEach((id) => this.inFlight.add(id));
    const delivery: Promise<void> = this.init
      .deliver(rows[0]!.recipient, rows[0]!.local_identity, rows)
      .catch((err: Error) => this.init.log.error({ err }, 'delivery failed'))
      .finally(() => {
        ids.forEach((id) => this.inFlight.delete(id));
        this.deliveries.delete(delivery);
        this.kick();
      });
    this.deliveries.add(delivery);
  }
}
