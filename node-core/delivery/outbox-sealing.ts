import { hexToBytes } from '@noble/hashes/utils.js';
import { encodeEnvelope, signEnvelopes, type EnvelopeCore, type SignedEnvelope } from '../p2p/envelope.ts';
import { encryptDirect, NoSessionError } from '../sessions/direct-sessions.ts';
import type { KeyRing } from '../sessions/key-ring.ts';
import type { LocalVault } from '../sessions/vault.ts';
import type { OutboxRow } from '../store/repositories/outbox.ts';
import type { Repositories, Store } from '../store/store.ts';
import { encodeIdentityRecord, type SignedIdentityRecord } from '../wire/identity-record.ts';
import { groupCopyCore, outboxSealLabel } from './outbox-queue.ts';
import { decodePayload, encodePayload } from './payloads.ts';
import type { SessionStarter } from './session-start.ts';

/**
 * Turns queued ('plain') outbox rows into sealed envelopes: 1:1 payloads are encrypted with their
 * pair's session, group copies already are; each identity's batch is signed with one signature,
 * and the sealed envelope replaces the row's content in the same transaction.
 */

export type Signer = (local: string, cores: EnvelopeCore[]) => SignedEnvelope[];

export function createSigner(keyRing: KeyRing): Signer {
  return (local, cores) => {
    const secret = keyRing.get(local);
    if (!secret) throw new Error(`identity ${local} is locked`);
    return signEnvelopes(cores, secret);
  };
}

export interface OutboxSealerInit {
  readonly store: Store;
  readonly keyRing: KeyRing;
  readonly vault: LocalVault;
  readonly sign: Signer;
  readonly startSessions: SessionStarter;
  readonly ownRecord: (local: string) => SignedIdentityRecord;
  readonly now: () => number;
}

interface Item {
  readonly row: OutboxRow;
  readonly core: EnvelopeCore;
}

/** Seals what it can of `rows`; returns the rows as they now are in the outbox. */
export type OutboxSealer = (rows: OutboxRow[]) => Promise<OutboxRow[]>;

export function createOutboxSealer(init: OutboxSealerInit): OutboxSealer {
  return async (rows) => {
    // A locked identity's mail waits until it is unlocked again.
    const plain = rows.filter((r) => r.stage === 'plain' && init.keyRing.get(r.local_identity));
    if (plain.length === 0) return rows;
    await init.startSessions(plain);
    const sealed = await init.store.write((repos) => sealInTransaction(init, repos, plain));
    return rows.map((row) => {
      const envelope = sealed.get(row);
      return envelope ? { ...row, stage: 'sealed' as const, envelope } : row;
    });
  };
}

function sealInTransaction(init: OutboxSealerInit, repos: Repositories, plain: readonly OutboxRow[]): Map<OutboxRow, Uint8Array> {
  const coreOf = directCoreMaker(init, repos);
  const byLocal = new Map<string, Item[]>();
  for (const row of plain) {
    const core = row.kind === 'group' ? groupCopyCore(row) : coreOf(row);
    if (!core) continue;
    const list = byLocal.get(row.local_identity) ?? [];
    list.push({ row, core });
    byLocal.set(row.local_identity, list);
  }
  const envelopes = new Map<OutboxRow, Uint8Array>();
  for (const [local, items] of byLocal) {
    const signed = init.sign(local, items.map((i) => i.core));
    items.forEach((item, i) => {
      const envelope = encodeEnvelope(signed[i]!);
      repos.outbox.seal(item.row.id, envelope);
      envelopes.set(item.row, envelope);
    });
  }
  return envelopes;
}

/** Encrypts 1:1 rows into envelope cores; undefined for a pair that has no session yet. */
function directCoreMaker(init: OutboxSealerInit, repos: Repositories): (row: OutboxRow) => EnvelopeCore | undefined {
  const { vault, now } = init;
  // Whether each pair's session still waits for its first answer: one lookup per pair.
  const startingSessions = new Map<string, boolean>();
  const isStarting = (row: OutboxRow): boolean => {
    const pair = `${row.local_identity}:${row.recipient}`;
    let starting = startingSessions.get(pair);
    if (starting === undefined) startingSessions.set(pair, (starting = Boolean(repos.sessions.latest(row.local_identity, row.recipient)?.pending_init)));
    return starting;
  };
  return (row) => {
    let body: Uint8Array;
    try {
      const payloadBytes = vault.open(outboxSealLabel(row.id), row.envelope);
      // A session-starting message carries our record so the other side can answer us.
      const payload = isStarting(row) ? decodePayload(payloadBytes) : undefined;
      const finalPayload = payload?.k === 'msg' ? encodePayload({ ...payload, rec: encodeIdentityRecord(init.ownRecord(row.local_identity)) }) : payloadBytes;
      body = encryptDirect(repos, vault, row.local_identity, row.recipient, finalPayload, now());
    } catch (err) {
      if (err instanceof NoSessionError) return undefined;
      throw err;
    }
    return { type: 'dm', id: row.id, from: hexToBytes(row.local_identity), to: hexToBytes(row.recipient), ts: now(), body };
  };
}
