import { bytesToHex, randomBytes } from '@noble/hashes/utils.js';
import { decodeCbor, encodeCbor } from '../p2p/codec.ts';
import type { EnvelopeCore } from '../p2p/envelope.ts';
import type { LocalVault } from '../sessions/vault.ts';
import type { OutboxRow } from '../store/repositories/outbox.ts';
import type { Repositories } from '../store/store.ts';
import { encodePayload } from './payloads.ts';
import type { QueueDirectInput } from './types.ts';

/**
 * How mail waits in the outbox before it is sealed. A 1:1 payload is plaintext until its session
 * exists, so it is kept sealed by the local vault under a label bound to its row; a group copy is
 * already end-to-end encrypted (sender key) and only waits for its signature.
 */

/** Binds a queued payload's vault seal to its row, so rows cannot be swapped. */
export const outboxSealLabel = (id: Uint8Array): string => `outbox/${bytesToHex(id)}`;

export function queueDirect(repos: Repositories, vault: LocalVault, input: QueueDirectInput, at: number): void {
  const id = randomBytes(16);
  repos.outbox.insert({
    id,
    recipient: input.remote,
    local_identity: input.local,
    kind: 'direct',
    stage: 'plain',
    group_id: input.groupId ?? null,
    message_id: input.messageId ?? null,
    envelope: vault.seal(outboxSealLabel(id), encodePayload(input.payload)),
    next_attempt_at: at,
    created_at: at,
    ephemeral: input.ephemeral ? 1 : 0,
    expires_at: input.expiresAt ?? null,
  });
}

export function queueGroupCopy(repos: Repositories, core: EnvelopeCore, recipient: string, local: string, groupId: string, messageId: string | null, at: number, expiresAt: number | null = null): void {
  repos.outbox.insert({
    id: randomBytes(16),
    recipient,
    local_identity: local,
    kind: 'group',
    stage: 'plain',
    group_id: groupId,
    message_id: messageId,
    envelope: encodeCbor([core.type, core.id, core.from, core.to, core.ts, core.body]),
    next_attempt_at: at,
    created_at: at,
    ephemeral: 0,
    expires_at: expiresAt,
  });
}

/** The unsigned core a queued group copy carries. */
export function groupCopyCore(row: OutboxRow): EnvelopeCore {
  const [type, id, from, to, ts, body] = decodeCbor(row.envelope) as [EnvelopeCore['type'], Uint8Array, Uint8Array, Uint8Array, number, Uint8Array];
  return { type, id, from, to, ts, body };
}
