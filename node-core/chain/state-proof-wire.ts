import type { StateProof } from './state-tree.ts';

/** A state proof as plain data (hex strings) for the API and the wire, and back with validation. */

const PATH_BITS = 256;

export interface EncodedStateProof {
  siblings: string[];
  terminal: { kind: 'empty' } | { kind: 'leaf'; path: string; value_hash: string };
}

export class StateProofFormatError extends Error {
  override readonly name = 'StateProofFormatError';
}

const HEX_HASH = /^[0-9a-f]{64}$/i;

function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

function hashFromHex(x: unknown, where: string): Uint8Array {
  if (typeof x !== 'string' || !HEX_HASH.test(x)) throw new StateProofFormatError(`${where}: expected 64 hex digits`);
  return Uint8Array.from(Buffer.from(x, 'hex'));
}

export function encodeStateProof(p: StateProof): EncodedStateProof {
  const siblings = p.siblings.map(toHex);
  if (p.terminal.kind === 'empty') return { siblings, terminal: { kind: 'empty' } };
  return { siblings, terminal: { kind: 'leaf', path: toHex(p.terminal.path), value_hash: toHex(p.terminal.valueHash) } };
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

export function decodeStateProof(x: unknown): StateProof {
  if (!isRecord(x)) throw new StateProofFormatError('proof: expected an object');
  const { siblings, terminal } = x;
  if (!Array.isArray(siblings)) throw new StateProofFormatError('siblings: expected an array');
  if (siblings.length > PATH_BITS) throw new StateProofFormatError(`siblings: at most ${PATH_BITS}`);
  const decoded = siblings.map((s: unknown, i) => hashFromHex(s, `siblings[${i}]`));
  if (!isRecord(terminal)) throw new StateProofFormatError('terminal: expected an object');
  if (terminal.kind === 'empty') return { siblings: decoded, terminal: { kind: 'empty' } };
  if (terminal.kind !== 'leaf') throw new StateProofFormatError("terminal.kind: expected 'empty' or 'leaf'");
  const path = hashFromHex(terminal.path, 'terminal.path');
  return { siblings: decoded, terminal: { kind: 'leaf', path, valueHash: hashFromHex(terminal.value_hash, 'terminal.value_hash') } };
}
