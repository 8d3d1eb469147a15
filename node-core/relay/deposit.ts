import { bytesToHex } from '@noble/hashes/utils.js';
import { FrameDecodeError } from '../p2p/codec.ts';
import { createEnvelopeVerifier, decodeEnvelope, type SignedEnvelope } from '../p2p/envelope.ts';
import { errorReply, okReply } from '../wire/protocols.ts';
import { FRESHNESS_MS, refuse, type RelayContext } from './relay-context.ts';

/**
 * A peer leaves a signed envelope for an offline recipient. Only envelopes that verify, are
 * within the TTL and fit the recipient's quota are kept; the relay cannot read them.
 */
export function createDeposit(
  context: RelayContext,
): (env: Uint8Array, explicitRecipient: Uint8Array | undefined, peer: string, ttlSeconds?: number) => Promise<Uint8Array> {
  const verify = createEnvelopeVerifier();
  const { metrics, limits } = context;

  return async (env, explicitRecipient, peer, ttlSeconds) => {
    let envelope: SignedEnvelope;
    try {
      envelope = decodeEnvelope(env);
    } catch (err) {
      if (err instanceof FrameDecodeError) return refuse(context, peer, 'malformed');
      throw err;
    }
    if (!verify(envelope)) {
      metrics.refused.inc({ reason: 'bad-signature' });
      return refuse(context, peer, 'bad-signature');
    }
    const t = context.now();
    if (envelope.ts > t + FRESHNESS_MS || envelope.ts < t - limits.ttlMs) {
      metrics.refused.inc({ reason: 'stale' });
      return errorReply('stale');
    }
    const recipient = recipientOf(envelope, explicitRecipient);
    if (!recipient) return errorReply('malformed', 'recipient missing or inconsistent');
    const outcome = await context.mailbox.deposit({ recipient, envelope_id: envelope.id, envelope: env, size: env.length, stored_at: t, expires_at: keptUntil(envelope.ts, t, limits.ttlMs, ttlSeconds) }, limits);
    if (outcome === 'unknown-recipient') return errorReply('unknown-recipient', 'that identity has not chosen this relay');
    context.changed();
    if (outcome === 'quota') {
      metrics.refused.inc({ reason: 'quota' });
      return errorReply('quota', 'the recipient\'s mailbox is full');
    }
    if (outcome === 'stored') metrics.stored.inc();
    context.pushes.notify(recipient);
    return okReply();
  };
}

/**
 * Until when a deposit is kept: the relay's TTL from when the envelope was made; a depositor may
 * ask for less (a disappearing message's time left), never more. What it asks for is counted
 * from now, as the depositor reckoned it: an envelope deposited late (its sender was offline,
 * or no relay answered at first) would otherwise lose the time it waited.
 */
export function keptUntil(envelopeTs: number, now: number, ttlMs: number, ttlSeconds: number | undefined): number {
  const longest = Math.min(envelopeTs, now) + ttlMs;
  return ttlSeconds === undefined ? longest : Math.min(longest, now + ttlSeconds * 1000);
}

/** Group envelopes are addressed to a group; the depositor names the member they are for. */
function recipientOf(envelope: SignedEnvelope, explicitRecipient: Uint8Array | undefined): string | undefined {
  const key = envelope.type === 'dm' ? envelope.to : explicitRecipient;
  if (!key || (envelope.type === 'dm' && explicitRecipient && bytesToHex(explicitRecipient) !== bytesToHex(envelope.to))) return undefined;
  return bytesToHex(key);
}
