import { sha256 } from '@noble/hashes/sha2.js';
import { concatBytes } from '@noble/hashes/utils.js';

/**
 * Batch signing: many envelopes made in the same moment share one Ed25519 signature over the root
 * of a Merkle tree of their hashes, and each carries its path to that root. Each envelope stays
 * verifiable on its own (relays store them one by one), while a burst costs one signature to make
 * and, with a cache of verified roots, one to check. Leaf and node hashes are domain-separated
 * (RFC 6962 style) so a leaf can never pass for an inner node.
 */

const LEAF = new Uint8Array([0]);
const NODE = new Uint8Array([1]);

export const leafHash = (data: Uint8Array): Uint8Array => sha256(concatBytes(LEAF, data));
const nodeHash = (left: Uint8Array, right: Uint8Array): Uint8Array => sha256(concatBytes(NODE, left, right));

export interface MerkleBatch {
  readonly root: Uint8Array;
  /** For each leaf: the sibling hashes from the leaf up to the root. */
  readonly proofs: Uint8Array[][];
}

export function buildMerkleBatch(leaves: readonly Uint8Array[]): MerkleBatch {
  if (leaves.length === 0) throw new Error('a batch needs at least one leaf');
  let level = leaves.map(leafHash);
  const proofs: Uint8Array[][] = leaves.map(() => []);
  // positions[i] = index of leaf i's ancestor on the current level
  let positions = leaves.map((_, i) => i);
  while (level.length > 1) {
    const next: Uint8Array[] = [];
    for (let i = 0; i < level.length; i += 2) {
      // An odd node out is promoted unchanged (no duplication, so no second-preimage ambiguity).
      next.push(i + 1 < level.length ? nodeHash(level[i]!, level[i + 1]!) : level[i]!);
    }
    positions = positions.map((pos, leaf) => {
      const sibling = pos ^ 1;
      if (sibling < level.length) proofs[leaf]!.push(level[sibling]!);
      return pos >> 1;
    });
    level = next;
  }
  return { root: level[0]!, proofs };
}

/** Recomputes the root from a leaf, its index among `count` leaves and its proof. */
export function merkleRoot(data: Uint8Array, index: number, count: number, proof: readonly Uint8Array[]): Uint8Array | undefined {
  if (!Number.isInteger(index) || !Number.isInteger(count) || index < 0 || index >= count || count > 1 << 20) return undefined;
  let hash = leafHash(data);
  let pos = index;
  let width = count;
  let used = 0;
  while (width > 1) {
    const sibling = pos ^ 1;
    if (sibling < width) {
      const other = proof[used++];
      if (!other || other.length !== 32) return undefined;
      hash = pos & 1 ? nodeHash(other, hash) : nodeHash(hash, other);
    }
    pos >>= 1;
    width = Math.ceil(width / 2);
  }
  return used === proof.length ? hash : undefined;
}
