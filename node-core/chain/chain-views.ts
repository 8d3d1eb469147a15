import { createHash } from 'node:crypto';
import { bytesToHex } from '../crypto/hex.ts';
import type { BlockView, DirectoryRecordView, TransactionView, WalletHistoryEntry } from '../domain/chain-model.ts';
import { decodeIdentityRecord } from '../wire/identity-record.ts';
import type { Block, Certificate } from './blocks.ts';
import { blockHashHex } from './blocks.ts';
import type { DirectoryRecord } from './ledger-rules.ts';
import { decodeTx, type DecodedTx, type TxSizeLimits } from './transactions.ts';

/** Ledger data as the API shows it: hashes and keys in hex, bodies as plain fields. */

const plain = (value: unknown): unknown => {
  if (value instanceof Uint8Array) return bytesToHex(value);
  if (Array.isArray(value)) return value.map(plain);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
  return value;
};

export function txView(decoded: DecodedTx): TransactionView {
  const { tx } = decoded;
  const { kind, ...body } = tx.body;
  return { id: decoded.id, from: bytesToHex(tx.from), nonce: tx.nonce, fee: tx.fee, kind, body: plain(body) as Record<string, unknown> };
}

export function blockView(block: Block, certificate: Certificate, limits: TxSizeLimits): BlockView {
  const h = block.header;
  return {
    chain_id: h.chain,
    height: h.height,
    hash: blockHashHex(h),
    time: h.time,
    prev: bytesToHex(h.prev),
    state_root: bytesToHex(h.state),
    proposer: h.proposer,
    transactions: block.txs.map((t) => txView(decodeTx(t, limits))),
    evidence: block.evidence.map((e) => ({ validator: e.validator, height: e.height, round: e.round, type: e.type })),
    certificate: { round: certificate.round, signatures: certificate.sigs.map(([validator, sig]) => ({ validator, signature: bytesToHex(sig) })) },
  };
}

export function directoryView(record: DirectoryRecord): DirectoryRecordView {
  const identity = decodeIdentityRecord(record.record);
  return {
    username: record.username,
    identity_key: bytesToHex(record.key),
    display_name: identity.display_name,
    peer_id: identity.peer_id,
    relays: identity.relays.flatMap((r) => r.addresses.map((a) => (a.includes('/p2p/') ? a : `${a}/p2p/${r.peer_id}`))),
    prekeys_hash: bytesToHex(record.prekeys),
    profile_hash: createHash('sha256').update(record.record).digest('hex'),
    registered_height: record.registered,
    updated_height: record.updated,
    previous_keys: record.previous_keys.map(bytesToHex),
  };
}

/** A transaction as seen from one account: in, out or to itself, and the amount that moved. */
export function historyEntry(address: string, height: number, time: number, decoded: DecodedTx): WalletHistoryEntry {
  const tx = txView(decoded);
  const body = decoded.tx.body;
  const amount = 'amount' in body ? body.amount : 0;
  const to = body.kind === 'transfer' ? bytesToHex(body.to) : undefined;
  const direction = tx.from !== address ? 'in' : to === undefined || to === address ? 'self' : 'out';
  return { height, time, tx, direction, amount };
}
