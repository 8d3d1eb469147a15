import { bytesToHex } from '@noble/hashes/utils.js';
import type { Logger } from 'pino';
import type { CounterMetric, Telemetry } from '../runtime/telemetry.ts';
import { FrameDecodeError } from '../p2p/codec.ts';
import { createEnvelopeVerifier, decodeEnvelope, type SignedEnvelope } from '../p2p/envelope.ts';
import type { Network } from '../p2p/network.ts';
import type { Misbehaviour } from '../p2p/peer-guard.ts';
import type { Startable } from '../runtime/startable.ts';
import { decryptDirect, DecryptFailedError } from '../sessions/direct-sessions.ts';
import type { KeyRing } from '../sessions/key-ring.ts';
import type { LocalVault } from '../sessions/vault.ts';
import type { Repositories, Store } from '../store/store.ts';
import { PROTOCOLS, type ErrorCode } from '../wire/protocols.ts';
import { decodePayload } from './payloads.ts';
import { HoldEnvelopeError, type AfterCommit, type EnvelopeHandlers, type ReceivedFrom, type ReceiveResult } from './types.ts';

/**
 * Every envelope that arrives, by whatever path: decoded, checked against the time window and
 * its signature, checked against the replay window, decrypted and handed to its handler in one
 * transaction, and only then acknowledged. Bad envelopes count against the peer that sent them.
 */

export interface InboundInit {
  readonly store: Store;
  readonly network: Network;
  readonly keyRing: KeyRing;
  readonly vault: LocalVault;
  readonly log: Logger;
  readonly telemetry: Telemetry;
  readonly handlers: EnvelopeHandlers;
  readonly maxAgeMs: number;
  readonly maxFutureSkewMs: number;
  readonly now: () => number;
}

export interface Inbound extends Startable {
  receive(bytes: Uint8Array, from: ReceivedFrom): Promise<ReceiveResult>;
}

type Outcome = { duplicate: true } | { duplicate: false; after: AfterCommit | void };

const PRUNE_INTERVAL_MS = 2000;

export class InboundVerifier implements Inbound {
  private readonly verify = createEnvelopeVerifier();
  private readonly received: CounterMetric<'via' | 'outcome'>;
  private pruneTimer: NodeJS.Timeout | undefined;
  private pruning: Promise<unknown> = Promise.resolve();

  private readonly init: InboundInit;

  constructor(init: InboundInit) {
    this.init = init;
    this.received = init.telemetry.counter({ name: 'dchat_envelopes_received_total', help: 'Envelopes received, by path and outcome', labels: ['via', 'outcome'] });
  }

  start(): void {
    this.pruneTimer ??= setInterval(() => this.pruneReplayWindow(), PRUNE_INTERVAL_MS);
    this.pruneTimer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.pruneTimer);
    this.pruneTimer = undefined;
    await this.pruning;
  }

  async receive(bytes: Uint8Array, from: ReceivedFrom): Promise<ReceiveResult> {
    const fail = (error: ErrorCode, reason: Misbehaviour | null, id?: Uint8Array): ReceiveResult => {
      this.received.inc({ via: from.via, outcome: error });
      if (reason) this.penalize(from.peer, reason);
      return id ? { ok: false, error, id } : { ok: false, error };
    };
    let envelope: SignedEnvelope;
    try {
      envelope = from.decoded ?? decodeEnvelope(bytes);
    } catch (err) {
      if (err instanceof FrameDecodeError) return fail('malformed', 'malformed');
      throw err;
    }
    const t = this.init.now();
    if (envelope.ts > t + this.init.maxFutureSkewMs || envelope.ts < t - this.init.maxAgeMs) return fail('stale', 'stale', envelope.id);
    if (!this.verify(envelope)) return fail('bad-signature', 'bad-signature', envelope.id);
    const locals = this.recipientsOf(envelope);
    if (locals.length === 0) return fail('unknown-recipient', null, envelope.id);

    let outcome: Outcome;
    try {
      outcome = await this.init.store.write((repos) => this.accept(repos, envelope, locals, t));
    } catch (err) {
      if (err instanceof HoldEnvelopeError) {
        this.init.log.debug({ err: err.message }, 'envelope held for later');
        return fail('held', null, envelope.id);
      }
      if (err instanceof DecryptFailedError) {
        this.init.log.debug({ err: err.message, from: bytesToHex(envelope.from).slice(0, 16) }, 'envelope did not decrypt');
        // Gossip reaches members whose sender key is not there yet: nobody misbehaved.
        return fail('undecryptable', from.via === 'gossip' ? null : 'bad-signature', envelope.id);
      }
      throw err;
    }
    if (outcome.duplicate) {
      this.received.inc({ via: from.via, outcome: 'replay' });
      this.penalize(from.peer, 'replay');
      return { ok: true, duplicate: true, id: envelope.id };
    }
    this.received.inc({ via: from.via, outcome: 'accepted' });
    outcome.after?.();
    return { ok: true, duplicate: false, id: envelope.id };
  }

  /** The unlocked local identities an envelope is for. */
  private recipientsOf(envelope: SignedEnvelope): string[] {
    if (envelope.type === 'dm') return [bytesToHex(envelope.to)].filter((l) => this.init.keyRing.get(l));
    return this.init.handlers.groupRecipients(this.init.store.repos, bytesToHex(envelope.to));
  }

  private accept(repos: Repositories, envelope: SignedEnvelope, locals: readonly string[], t: number): Outcome {
    const { handlers, keyRing, vault } = this.init;
    if (!repos.replayWindow.remember(envelope.id, t)) return { duplicate: true };
    if (envelope.type === 'group') return { duplicate: false, after: handlers.group(repos, envelope, t) };
    const local = locals[0]!;
    const plaintext = decryptDirect(repos, vault, { id: local, secretKey: keyRing.get(local)! }, envelope.from, envelope.body, t);
    const payload = decodePayload(plaintext);
    if (!payload) throw new DecryptFailedError('the decrypted payload is not one we understand');
    return { duplicate: false, after: handlers.direct(repos, payload, { local, remote: bytesToHex(envelope.from), envelope, now: t }) };
  }

  private penalize(peer: string | null, reason: Misbehaviour): void {
    if (peer) this.init.network.guard.penalize(peer, PROTOCOLS.envelope, reason);
  }

  /** Forgets replay-window entries older than anything we would still accept. */
  private pruneReplayWindow(): void {
    const { store, now, maxAgeMs, maxFutureSkewMs } = this.init;
    this.pruning = store.write((repos) => repos.replayWindow.forgetBefore(now() - maxAgeMs - maxFutureSkewMs)).catch(() => undefined);
  }
}
