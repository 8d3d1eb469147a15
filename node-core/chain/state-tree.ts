/**
 * The ledger's authenticated state: a persistent compact sparse Merkle tree. Every update returns a
 * new tree and shares all untouched nodes with the old one (path copying), so a block can be
 * built on a snapshot while the committed state stays readable.
 *
 * Definition (what the root commits to; verifiers depend on it, so it never changes):
 * - keys and values are bytes; path(key) = sha256(key), 256 bits read most significant bit first.
 * - the hash of the subtree holding the set S of entries at depth d is
 *   - EMPTY (32 zero bytes) when S is empty;
 *   - sha256(0x00 || path(k) || sha256(v)) when S = {(k, v)}: a lone leaf sits at the highest
 *     position where it is alone ("compact"), whatever the depth;
 *   - otherwise sha256(0x01 || hash(left) || hash(right)) where left holds the entries whose path
 *     bit d is 0 and right those where it is 1 (one side may be EMPTY when all share bit d).
 * - root = the hash of the whole set at depth 0; it depends on the set only, not on the history.
 * A proof lists the sibling hashes from the root down to where the key's path ends: at EMPTY
 * (absent), at the key's own leaf (present) or at another key's leaf sharing that prefix (absent).
 *
 * Node hashes are computed lazily and cached in the node, so a batch of updates hashes each
 * touched node once, when the root or a proof is asked for. The tree copies the keys and values
 * it is given; what root, get() and entries() return is the tree's own copy: do not mutate it.
 */
import { hash } from 'node:crypto';

export interface StateProof {
  /** Sibling hashes from the root downwards (depth 0 first). */
  readonly siblings: Uint8Array[];
  /** What the path ends at: nothing, or a leaf (the key's own for inclusion, another key's sharing the prefix for non-inclusion). */
  readonly terminal: { readonly kind: 'empty' } | { readonly kind: 'leaf'; readonly path: Uint8Array; readonly valueHash: Uint8Array };
}

export interface StateTree {
  readonly root: Uint8Array;
  readonly size: number;
  get(key: Uint8Array): Uint8Array | undefined;
  /** A new tree with key ↦ value; this one is unchanged. */
  set(key: Uint8Array, value: Uint8Array): StateTree;
  /** A new tree without key; deleting a missing key returns an equal tree. */
  delete(key: Uint8Array): StateTree;
  /** Apply many changes at once (value undefined = delete; the last change of a key wins). */
  apply(changes: Iterable<readonly [Uint8Array, Uint8Array | undefined]>): StateTree;
  prove(key: Uint8Array): StateProof;
  /** Every entry, in path order. */
  entries(): IterableIterator<[Uint8Array, Uint8Array]>;
}


const HASH_BYTES = 32;
const PATH_BITS = 256;
const EMPTY: Buffer = Buffer.alloc(HASH_BYTES);
const LEAF_TAG = 0x00;
const BRANCH_TAG = 0x01;
/** Reused input buffer for leaf and branch hashes; hash() copies its input, so reuse is safe. */
const scratch = Buffer.alloc(1 + 2 * HASH_BYTES);

/** One-shot crypto.hash: about half the cost of createHash() per call, and hashing is the hot path. */
function sha256(data: Uint8Array): Buffer {
  return hash('sha256', data, 'buffer');
}

function hashPair(tag: number, a: Uint8Array, b: Uint8Array): Buffer {
  scratch[0] = tag;
  scratch.set(a, 1);
  scratch.set(b, 1 + HASH_BYTES);
  return sha256(scratch);
}

function bitAt(path: Uint8Array, depth: number): number {
  return ((path[depth >> 3] ?? 0) >> (7 - (depth & 7))) & 1;
}

/** Index of the first bit where two different paths differ. */
function firstDifferentBit(a: Uint8Array, b: Uint8Array): number {
  let i = 0;
  while (i < HASH_BYTES && a[i] === b[i]) i++;
  return i * 8 + Math.clz32(((a[i] ?? 0) ^ (b[i] ?? 0)) & 0xff) - 24;
}

class Leaf {
  readonly isLeaf = true;
  readonly size = 1;
  private cachedValueHash: Buffer | undefined;
  private cachedHash: Buffer | undefined;
  readonly path: Buffer;
  readonly key: Uint8Array;
  readonly value: Uint8Array;
  constructor(path: Buffer, key: Uint8Array, value: Uint8Array) {
    this.path = path;
    this.key = key;
    this.value = value;
  }
  get valueHash(): Buffer {
    return (this.cachedValueHash ??= sha256(this.value));
  }
  get hash(): Buffer {
    return (this.cachedHash ??= hashPair(LEAF_TAG, this.path, this.valueHash));
  }
}

/** Holds at least two entries: both children, or one child that is itself a branch. */
class Branch {
  readonly isLeaf = false;
  readonly size: number;
  readonly left: Node | null;
  readonly right: Node | null;
  private cachedHash: Buffer | undefined;
  constructor(left: Node | null, right: Node | null) {
    this.left = left;
    this.right = right;
    this.size = (left?.size ?? 0) + (right?.size ?? 0);
  }
  get hash(): Buffer {
    return (this.cachedHash ??= hashPair(BRANCH_TAG, hashOf(this.left), hashOf(this.right)));
  }
}

type Node = Leaf | Branch;

function hashOf(node: Node | null): Buffer {
  return node === null ? EMPTY : node.hash;
}

/** The subtree for two children, lifting a lone leaf so the tree stays compact. */
function join(left: Node | null, right: Node | null): Node | null {
  if (left === null && (right === null || right.isLeaf)) return right;
  if (right === null && left !== null && left.isLeaf) return left;
  return new Branch(left, right);
}

/** The smallest subtree holding two leaves with different paths, rooted at depth. */
function splitLeaves(a: Leaf, b: Leaf, depth: number): Node {
  const diff = firstDifferentBit(a.path, b.path);
  let node: Node = bitAt(b.path, diff) === 1 ? new Branch(a, b) : new Branch(b, a);
  for (let d = diff - 1; d >= depth; d--) node = bitAt(b.path, d) === 1 ? new Branch(null, node) : new Branch(node, null);
  return node;
}

function insert(node: Node | null, depth: number, leaf: Leaf): Node {
  if (node === null) return leaf;
  if (node.isLeaf) return node.path.equals(leaf.path) ? leaf : splitLeaves(node, leaf, depth);
  return bitAt(leaf.path, depth) === 1
    ? new Branch(node.left, insert(node.right, depth + 1, leaf))
    : new Branch(insert(node.left, depth + 1, leaf), node.right);
}

/** The subtree without path; the same node when path is not in it. */
function remove(node: Node | null, depth: number, path: Buffer): Node | null {
  if (node === null) return null;
  if (node.isLeaf) return node.path.equals(path) ? null : node;
  if (bitAt(path, depth) === 1) {
    const right = remove(node.right, depth + 1, path);
    return right === node.right ? node : join(node.left, right);
  }
  const left = remove(node.left, depth + 1, path);
  return left === node.left ? node : join(left, node.right);
}

/** First index in [lo, hi) of items sorted by path whose bit at depth is 1. */
function splitIndex(items: readonly { readonly path: Buffer }[], lo: number, hi: number, depth: number): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (bitAt((items[mid] as { path: Buffer }).path, depth) === 1) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** The subtree of leaves[lo, hi), sorted by path with distinct paths, rooted at depth. */
function build(leaves: readonly Leaf[], lo: number, hi: number, depth: number): Node | null {
  if (hi - lo <= 1) return hi > lo ? (leaves[lo] as Leaf) : null;
  const mid = splitIndex(leaves, lo, hi, depth);
  return new Branch(build(leaves, lo, mid, depth + 1), build(leaves, mid, hi, depth + 1));
}

/** A change as a leaf to put, or a path to delete. */
type Change = { readonly path: Buffer; readonly leaf: Leaf | null };

/** Applies changes[lo, hi) (sorted by path, distinct) below node; the same node when nothing changed. */
function applySorted(node: Node | null, depth: number, changes: readonly Change[], lo: number, hi: number): Node | null {
  if (lo === hi) return node;
  if (node === null || node.isLeaf) return mergeAtBottom(node, depth, changes, lo, hi);
  const mid = splitIndex(changes, lo, hi, depth);
  const left = applySorted(node.left, depth + 1, changes, lo, mid);
  const right = applySorted(node.right, depth + 1, changes, mid, hi);
  return left === node.left && right === node.right ? node : join(left, right);
}

function mergeAtBottom(existing: Leaf | null, depth: number, changes: readonly Change[], lo: number, hi: number): Node | null {
  const leaves: Leaf[] = [];
  let pending = existing;
  for (let i = lo; i < hi; i++) {
    const change = changes[i] as Change;
    if (pending !== null) {
      const order = Buffer.compare(pending.path, change.path);
      if (order < 0) leaves.push(pending);
      if (order <= 0) pending = null; // placed before this change, or replaced by it
    }
    if (change.leaf !== null) leaves.push(change.leaf);
  }
  if (pending !== null) leaves.push(pending);
  return build(leaves, 0, leaves.length, depth);
}

/** Changes sorted by path, the last change of each path kept. */
function sortedChanges(changes: Iterable<readonly [Uint8Array, Uint8Array | undefined]>): Change[] {
  const all: Change[] = [];
  for (const [key, value] of changes) {
    const path = sha256(key);
    all.push({ path, leaf: value === undefined ? null : new Leaf(path, key.slice(), value.slice()) });
  }
  all.sort((a, b) => Buffer.compare(a.path, b.path)); // stable: equal paths keep their order
  const distinct: Change[] = [];
  for (const change of all) {
    const last = distinct.at(-1);
    if (last !== undefined && last.path.equals(change.path)) distinct[distinct.length - 1] = change;
    else distinct.push(change);
  }
  return distinct;
}

function proveIn(root: Node | null, path: Buffer): StateProof {
  const siblings: Uint8Array[] = [];
  let node = root;
  for (let depth = 0; node !== null && !node.isLeaf; depth++) {
    const goRight = bitAt(path, depth) === 1;
    siblings.push(Uint8Array.from(hashOf(goRight ? node.left : node.right)));
    node = goRight ? node.right : node.left;
  }
  if (node === null) return { siblings, terminal: { kind: 'empty' } };
  return { siblings, terminal: { kind: 'leaf', path: Uint8Array.from(node.path), valueHash: Uint8Array.from(node.valueHash) } };
}

class PersistentStateTree implements StateTree {
  private readonly top: Node | null;
  private cachedRoot: Uint8Array | undefined;
  constructor(top: Node | null) {
    this.top = top;
  }

  get root(): Uint8Array {
    return (this.cachedRoot ??= Uint8Array.from(hashOf(this.top)));
  }
  get size(): number {
    return this.top?.size ?? 0;
  }
  get(key: Uint8Array): Uint8Array | undefined {
    const path = sha256(key);
    let node = this.top;
    for (let depth = 0; node !== null && !node.isLeaf; depth++) node = bitAt(path, depth) === 1 ? node.right : node.left;
    return node !== null && node.path.equals(path) ? node.value : undefined;
  }
  set(key: Uint8Array, value: Uint8Array): StateTree {
    return new PersistentStateTree(insert(this.top, 0, new Leaf(sha256(key), key.slice(), value.slice())));
  }
  delete(key: Uint8Array): StateTree {
    const top = remove(this.top, 0, sha256(key));
    return top === this.top ? this : new PersistentStateTree(top);
  }
  apply(changes: Iterable<readonly [Uint8Array, Uint8Array | undefined]>): StateTree {
    const sorted = sortedChanges(changes);
    const top = applySorted(this.top, 0, sorted, 0, sorted.length);
    return top === this.top ? this : new PersistentStateTree(top);
  }
  prove(key: Uint8Array): StateProof {
    return proveIn(this.top, sha256(key));
  }
  *entries(): IterableIterator<[Uint8Array, Uint8Array]> {
    const stack: Node[] = this.top === null ? [] : [this.top];
    for (let node = stack.pop(); node !== undefined; node = stack.pop()) {
      if (node.isLeaf) yield [node.key, node.value];
      else {
        if (node.right !== null) stack.push(node.right);
        if (node.left !== null) stack.push(node.left);
      }
    }
  }
}

export const emptyStateTree: StateTree = new PersistentStateTree(null);

/** Builds a tree in one pass (sort, then split by bits); the last entry of a repeated key wins. */
export function stateTreeFrom(entries: Iterable<readonly [Uint8Array, Uint8Array]>): StateTree {
  const leaves = sortedChanges(entries).map((change) => change.leaf as Leaf);
  return new PersistentStateTree(build(leaves, 0, leaves.length, 0));
}

function isHash(x: unknown): x is Uint8Array {
  return x instanceof Uint8Array && x.length === HASH_BYTES;
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0;
}

/** The hash the proof's terminal stands for, or undefined when it cannot show the claim. */
function terminalHash(path: Buffer, value: Uint8Array | undefined, proof: StateProof, depth: number): Buffer | undefined {
  const terminal = proof.terminal as StateProof['terminal'] | null | undefined;
  if (terminal?.kind === 'empty') return value === undefined ? EMPTY : undefined;
  if (terminal?.kind !== 'leaf' || !isHash(terminal.path) || !isHash(terminal.valueHash)) return undefined;
  if (value !== undefined) {
    if (!bytesEqual(terminal.path, path) || !bytesEqual(terminal.valueHash, sha256(value))) return undefined;
  } else if (bytesEqual(terminal.path, path) || firstDifferentBit(terminal.path, path) < depth) {
    return undefined;
  }
  return hashPair(LEAF_TAG, terminal.path, terminal.valueHash);
}

export function verifyStateProof(root: Uint8Array, key: Uint8Array, value: Uint8Array | undefined, proof: StateProof): boolean {
  try {
    const siblings: unknown = (proof as StateProof | null | undefined)?.siblings;
    if (!isHash(root) || !(key instanceof Uint8Array) || !(value === undefined || value instanceof Uint8Array)) return false;
    if (!Array.isArray(siblings) || siblings.length > PATH_BITS || !siblings.every(isHash)) return false;
    const path = sha256(key);
    let current = terminalHash(path, value, proof, siblings.length);
    for (let depth = siblings.length - 1; current !== undefined && depth >= 0; depth--) {
      const sibling = siblings[depth] as Uint8Array;
      current = bitAt(path, depth) === 1 ? hashPair(BRANCH_TAG, sibling, current) : hashPair(BRANCH_TAG, current, sibling);
    }
    return current !== undefined && bytesEqual(current, root);
  } catch {
    return false;
  }
}

// The proof's wire form (hex, for the API) lives beside the tree, re-exported for its users.
export { decodeStateProof, encodeStateProof, StateProofFormatError, type EncodedStateProof } from './state-proof-wire.ts';
