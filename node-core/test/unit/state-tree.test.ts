import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import {
  decodeStateProof, emptyStateTree, encodeStateProof, stateTreeFrom, StateProofFormatError, verifyStateProof,
  type StateProof, type StateTree,
} from '../../chain/state-tree.ts';

// --- A seeded generator, so a failing sequence can be replayed from its seed. ---
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const pick = <T>(rnd: () => number, items: readonly T[]): T => items[Math.floor(rnd() * items.length)] as T;
const bytes = (rnd: () => number, n: number) => Uint8Array.from({ length: n }, () => Math.floor(rnd() * 256));

// --- The reference model: a Map and the definition computed directly from the sorted entries. ---
const sha = (...parts: Uint8Array[]) => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
};
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const bitString = (b: Uint8Array) => Array.from(b, (x) => x.toString(2).padStart(8, '0')).join('');
type Model = Map<string, Uint8Array>; // hex key → value
interface RefEntry { readonly bits: string; readonly path: Uint8Array; readonly value: Uint8Array }

function refEntries(model: Model): RefEntry[] {
  const list = [...model].map(([k, value]) => {
    const path = sha(Buffer.from(k, 'hex'));
    return { bits: bitString(path), path, value };
  });
  return list.sort((a, b) => (a.bits < b.bits ? -1 : a.bits > b.bits ? 1 : 0));
}
function refHash(list: readonly RefEntry[], depth: number): Uint8Array {
  if (list.length === 0) return new Uint8Array(32);
  const [only] = list;
  if (list.length === 1 && only) return sha(Uint8Array.of(0), only.path, sha(only.value));
  const left = list.filter((e) => e.bits[depth] === '0');
  const right = list.filter((e) => e.bits[depth] === '1');
  return sha(Uint8Array.of(1), refHash(left, depth + 1), refHash(right, depth + 1));
}
const refRoot = (model: Model) => hex(refHash(refEntries(model), 0));

// --- Keys whose paths share long prefixes, found by bucketing many small keys by their first bits. ---
function keyPool(): Uint8Array[] {
  const byPrefix = new Map<string, Uint8Array[]>();
  for (let i = 0; i < 1 << 17; i++) {
    const key = new Uint8Array(4);
    new DataView(key.buffer).setUint32(0, i);
    const prefix = hex(sha(key).subarray(0, 3));
    byPrefix.set(prefix, [...(byPrefix.get(prefix) ?? []), key]);
  }
  const buckets = [...byPrefix.values()];
  const share24 = buckets.filter((b) => b.length >= 2).slice(0, 8).flat();
  const share16 = new Map<string, Uint8Array[]>();
  for (const [prefix, keys] of byPrefix) share16.set(prefix.slice(0, 4), [...(share16.get(prefix.slice(0, 4)) ?? []), ...keys]);
  const long16 = [...share16.values()].filter((b) => b.length >= 5).slice(0, 6).flat();
  const sameByte = [...byPrefix].filter(([p]) => p.startsWith('ab')).slice(0, 24).flatMap(([, keys]) => keys);
  const rnd = random(7);
  const plain = Array.from({ length: 30 }, (_, i) => bytes(rnd, i === 0 ? 0 : 1 + (i % 40)));
  assert.ok(share24.length >= 16 && long16.length >= 30 && sameByte.length >= 24, 'pool has prefix-sharing keys');
  return [...share24, ...long16, ...sameByte, ...plain];
}
const POOL = keyPool();

function assertMatches(tree: StateTree, model: Model, note: string): void {
  assert.equal(hex(tree.root), refRoot(model), `${note}: root`);
  assert.equal(tree.size, model.size, `${note}: size`);
  for (const key of POOL) assert.deepEqual(tree.get(key), model.get(hex(key)), `${note}: get ${hex(key)}`);
}
function assertProofs(tree: StateTree, model: Model, note: string): void {
  for (const key of POOL) {
    const value = model.get(hex(key));
    assert.ok(verifyStateProof(tree.root, key, value, tree.prove(key)), `${note}: proof for ${hex(key)} (${value ? 'in' : 'absent'})`);
  }
}

describe('state tree against the reference model', () => {
  it('random set/delete/apply sequences: root, get, size, proofs; old trees unchanged', () => {
    for (let seed = 1; seed <= 40; seed++) {
      const rnd = random(seed);
      let tree = emptyStateTree;
      const model: Model = new Map();
      const history: { tree: StateTree; root: string; model: Model }[] = [];
      for (let step = 0; step < 80; step++) {
        const note = `seed ${seed} step ${step}`;
        const roll = rnd();
        if (roll < 0.5) {
          const key = pick(rnd, POOL), value = bytes(rnd, Math.floor(rnd() * 5));
          tree = tree.set(key, value);
          model.set(hex(key), value);
        } else if (roll < 0.75) {
          const present = [...model.keys()];
          const key = present.length > 0 && rnd() < 0.8 ? Buffer.from(pick(rnd, present), 'hex') : pick(rnd, POOL);
          tree = tree.delete(key);
          model.delete(hex(key));
        } else {
          const changes = Array.from({ length: 1 + Math.floor(rnd() * 12) }, () =>
            [pick(rnd, POOL), rnd() < 0.35 ? undefined : bytes(rnd, 3)] as const);
          tree = tree.apply(changes);
          for (const [k, v] of changes) if (v === undefined) model.delete(hex(k)); else model.set(hex(k), v);
        }
        assertMatches(tree, model, note);
        if (step % 10 === 9) assertProofs(tree, model, note);
        history.push({ tree, root: hex(tree.root), model: new Map(model) });
      }
      for (const [i, past] of history.entries()) {
        if (i % 8 === 0) assertMatches(past.tree, past.model, `seed ${seed} snapshot ${i}`);
        else assert.equal(hex(past.tree.root), past.root, `seed ${seed} snapshot ${i} root`);
      }
    }
  });

  it('the root depends only on the set: any insertion order, one batch or a bulk build', () => {
    const rnd = random(99);
    const entries = POOL.map((k) => [k, bytes(rnd, 4)] as const);
    const expected = refRoot(new Map(entries.map(([k, v]) => [hex(k), v])));
    for (let round = 0; round < 5; round++) {
      const shuffled = [...entries].sort(() => rnd() - 0.5);
      const incremental = shuffled.reduce<StateTree>((t, [k, v]) => t.set(k, v), emptyStateTree);
      assert.equal(hex(incremental.root), expected);
      assert.equal(hex(emptyStateTree.apply(shuffled).root), expected);
      const bulk = stateTreeFrom(shuffled);
      assert.equal(hex(bulk.root), expected);
      assert.deepEqual([...bulk.entries()], [...incremental.entries()]);
    }
  });

  it('entries come in path order; repeated keys: the last one wins in apply and stateTreeFrom', () => {
    const [a, b] = POOL as [Uint8Array, Uint8Array];
    const one = Uint8Array.of(1), two = Uint8Array.of(2);
    const built = stateTreeFrom([[a, one], [b, one], [a, two]]);
    assert.deepEqual(built.get(a), two);
    assert.equal(built.size, 2);
    const applied = emptyStateTree.apply([[a, one], [a, undefined], [b, one], [b, undefined], [b, two]]);
    assert.equal(applied.get(a), undefined);
    assert.deepEqual(applied.get(b), two);
    const tree = stateTreeFrom(POOL.map((k) => [k, k] as const));
    const model: Model = new Map(POOL.map((k) => [hex(k), k]));
    assert.deepEqual([...tree.entries()].map(([k]) => hex(k)), refEntries(model).map((e) => hex(e.value)));
  });

  it('deleting a missing key or applying nothing gives an equal tree; the tree keeps its own copies', () => {
    const tree = stateTreeFrom(POOL.slice(0, 20).map((k) => [k, k] as const));
    for (const missing of POOL.slice(20, 40)) assert.deepEqual(tree.delete(missing).root, tree.root);
    assert.deepEqual(tree.apply([]).root, tree.root);
    assert.deepEqual(emptyStateTree.delete(Uint8Array.of(1)).root, new Uint8Array(32));
    const value = Uint8Array.of(5);
    const withValue = tree.set(Uint8Array.of(9), value);
    const rootBefore = hex(withValue.root);
    value[0] = 6;
    assert.deepEqual(withValue.get(Uint8Array.of(9)), Uint8Array.of(5));
    assert.equal(hex(withValue.root), rootBefore);
  });
});

describe('state proofs', () => {
  const rnd = random(5);
  const present = POOL.filter((_, i) => i % 2 === 0);
  const absent = POOL.filter((_, i) => i % 2 === 1);
  const tree = stateTreeFrom(present.map((k) => [k, bytes(rnd, 6)] as const));
  const valueOf = (k: Uint8Array) => tree.get(k) as Uint8Array;
  const flipped = (b: Uint8Array, i: number) => Uint8Array.from(b, (x, j) => (j === i ? x ^ 1 : x));

  it('the empty tree and a one-entry tree prove with no siblings', () => {
    const key = Uint8Array.of(1);
    const proof = emptyStateTree.prove(key);
    assert.deepEqual(proof, { siblings: [], terminal: { kind: 'empty' } });
    assert.ok(verifyStateProof(emptyStateTree.root, key, undefined, proof));
    const single = emptyStateTree.set(key, key);
    assert.ok(verifyStateProof(single.root, key, key, single.prove(key)));
    assert.equal(single.prove(key).siblings.length, 0);
    assert.ok(verifyStateProof(single.root, Uint8Array.of(2), undefined, single.prove(Uint8Array.of(2))));
    assert.equal(verifyStateProof(single.root, key, undefined, single.prove(key)), false);
  });

  it('fail for a wrong value, another root, a changed sibling, fewer or more siblings', () => {
    const otherRoot = tree.set(Uint8Array.of(1, 2, 3), Uint8Array.of(4)).root;
    for (const key of present) {
      const value = valueOf(key), proof = tree.prove(key);
      assert.ok(proof.siblings.length > 0);
      assert.equal(verifyStateProof(tree.root, key, Uint8Array.of(...value, 0), proof), false, 'wrong value');
      assert.equal(verifyStateProof(otherRoot, key, value, proof), false, 'another root');
      for (const [i, s] of proof.siblings.entries()) {
        const siblings = proof.siblings.map((x, j) => (j === i ? flipped(s, (i * 7) % 32) : x));
        assert.equal(verifyStateProof(tree.root, key, value, { ...proof, siblings }), false, `sibling ${i} changed`);
      }
      const extra = new Uint8Array(32);
      for (const siblings of [proof.siblings.slice(1), proof.siblings.slice(0, -1), [...proof.siblings, extra], [extra, ...proof.siblings]]) {
        assert.equal(verifyStateProof(tree.root, key, value, { ...proof, siblings }), false, 'siblings cut or added');
      }
    }
  });

  it('an inclusion proof does not show absence, a non-inclusion proof does not show presence, nor for another key', () => {
    for (const key of absent) {
      const proof = tree.prove(key);
      assert.ok(verifyStateProof(tree.root, key, undefined, proof));
      assert.equal(verifyStateProof(tree.root, key, Uint8Array.of(0), proof), false, 'absence as presence');
      if (proof.terminal.kind === 'leaf') {
        assert.equal(verifyStateProof(tree.root, key, undefined, { ...proof, terminal: { kind: 'empty' } }), false, 'leaf → empty');
      }
    }
    for (const [i, key] of present.entries()) {
      const value = valueOf(key), proof = tree.prove(key);
      assert.equal(verifyStateProof(tree.root, key, undefined, proof), false, 'presence as absence');
      assert.equal(verifyStateProof(tree.root, key, value, { ...proof, terminal: { kind: 'empty' } }), false, 'empty terminal for a value');
      const other = present[(i + 1) % present.length] as Uint8Array;
      assert.equal(verifyStateProof(tree.root, other, valueOf(other), proof), false, 'proof of another key');
      assert.equal(verifyStateProof(tree.root, other, undefined, proof), false, 'proof of another key, as absence');
      if (proof.terminal.kind === 'leaf') {
        const terminal = { ...proof.terminal, valueHash: flipped(proof.terminal.valueHash, 0) };
        assert.equal(verifyStateProof(tree.root, key, value, { ...proof, terminal }), false, 'value hash changed');
      }
    }
  });

  it('never throws on malformed input', () => {
    const key = present[0] as Uint8Array;
    const proof = tree.prove(key);
    const bad: unknown[] = [
      null, undefined, 7, {}, { siblings: proof.siblings }, { siblings: 'x', terminal: proof.terminal },
      { siblings: [...proof.siblings.slice(1), 'ab'], terminal: proof.terminal },
      { siblings: [new Uint8Array(31), ...proof.siblings.slice(1)], terminal: proof.terminal },
      { siblings: Array.from({ length: 257 }, () => new Uint8Array(32)), terminal: { kind: 'empty' } },
      { siblings: proof.siblings, terminal: null }, { siblings: proof.siblings, terminal: { kind: 'other' } },
      { siblings: proof.siblings, terminal: { kind: 'leaf', path: 'x', valueHash: 3 } },
    ];
    for (const p of bad) assert.equal(verifyStateProof(tree.root, key, valueOf(key), p as StateProof), false);
    assert.equal(verifyStateProof(tree.root.slice(1), key, valueOf(key), proof), false, 'short root');
    assert.equal(verifyStateProof(tree.root, 'key' as unknown as Uint8Array, valueOf(key), proof), false, 'key not bytes');
    assert.equal(verifyStateProof(tree.root, key, 'v' as unknown as Uint8Array, proof), false, 'value not bytes');
  });

  it('encode/decode round-trip through JSON', () => {
    for (const key of [...present.slice(0, 10), ...absent.slice(0, 10)]) {
      const proof = tree.prove(key);
      const decoded = decodeStateProof(JSON.parse(JSON.stringify(encodeStateProof(proof))));
      assert.deepEqual(decoded, proof);
      assert.ok(verifyStateProof(tree.root, key, tree.get(key), decoded));
    }
    const empty = emptyStateTree.prove(Uint8Array.of(1));
    assert.deepEqual(decodeStateProof(encodeStateProof(empty)), empty);
  });

  it('decode rejects junk with StateProofFormatError', () => {
    const h = 'ab'.repeat(32);
    const leaf = { kind: 'leaf', path: h, value_hash: h };
    const junk: unknown[] = [
      null, 'proof', [], 3, {}, { siblings: h, terminal: leaf }, { siblings: [h] },
      { siblings: [h.slice(2)], terminal: leaf }, { siblings: [`${h}00`], terminal: leaf }, { siblings: ['zz'.repeat(32)], terminal: leaf },
      { siblings: [7], terminal: leaf }, { siblings: [null], terminal: leaf },
      { siblings: Array.from({ length: 257 }, () => h), terminal: { kind: 'empty' } },
      { siblings: [], terminal: { kind: 'other' } }, { siblings: [], terminal: 'empty' },
      { siblings: [], terminal: { kind: 'leaf', path: h } }, { siblings: [], terminal: { kind: 'leaf', path: 1, value_hash: h } },
      { siblings: [], terminal: { kind: 'leaf', path: h, value_hash: h.slice(1) } },
    ];
    for (const x of junk) assert.throws(() => decodeStateProof(x), StateProofFormatError, JSON.stringify(x));
    assert.equal(decodeStateProof({ siblings: Array.from({ length: 256 }, () => h), terminal: leaf }).siblings.length, 256);
  });
});

describe('state tree speed (printed, not asserted)', () => {
  it('sets 10,000 keys one by one and builds from 100,000 entries', () => {
    const key = (i: number) => Buffer.from(`account/${i}`);
    let started = performance.now();
    let tree = emptyStateTree;
    for (let i = 0; i < 10_000; i++) tree = tree.set(key(i), key(i));
    const root = tree.root;
    const setMs = performance.now() - started;
    started = performance.now();
    const built = stateTreeFrom(Array.from({ length: 100_000 }, (_, i) => [key(i), key(i)] as const));
    assert.equal(built.root.length, 32);
    const buildMs = performance.now() - started;
    started = performance.now();
    const updated = built.apply(Array.from({ length: 10_000 }, (_, i) => [key(i * 7), Buffer.from(`v${i}`)] as const));
    assert.notDeepEqual(updated.root, built.root);
    const applyMs = performance.now() - started;
    assert.equal(root.length, 32);
    console.log(`state tree: 10k sets + root ${setMs.toFixed(0)} ms; build 100k + root ${buildMs.toFixed(0)} ms; apply 10k to 100k + root ${applyMs.toFixed(0)} ms`);
  });
});
