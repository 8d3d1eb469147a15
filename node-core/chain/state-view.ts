import { decodeCbor, encodeCbor } from '../p2p/codec.ts';
import type { StateTree } from './state-tree.ts';

/**
 * Pending changes over a committed state tree: what executing transactions reads and writes.
 * A block's execution happens in one view; committing applies its changes to the tree, and a
 * view can be forked so a failed transaction leaves nothing behind.
 */

export const keyBytes = (key: string): Uint8Array => Buffer.from(key, 'utf8');

export class StateView {
  private readonly writes = new Map<string, Uint8Array | undefined>();
  private readonly base: StateTree;
  private readonly parent: StateView | undefined;

  constructor(base: StateTree, parent?: StateView) {
    this.base = base;
    this.parent = parent;
  }

  get(key: string): Uint8Array | undefined {
    if (this.writes.has(key)) return this.writes.get(key);
    return this.parent ? this.parent.get(key) : this.base.get(keyBytes(key));
  }

  read<T>(key: string): T | undefined {
    const value = this.get(key);
    return value === undefined ? undefined : (decodeCbor(value) as T);
  }

  write(key: string, value: unknown): void {
    this.writes.set(key, encodeCbor(value));
  }

  delete(key: string): void {
    this.writes.set(key, undefined);
  }

  /** A child view: its writes reach this one only on merge(). */
  fork(): StateView {
    return new StateView(this.base, this);
  }

  merge(child: StateView): void {
    for (const [key, value] of child.writes) this.writes.set(key, value);
  }

  changes(): Array<[Uint8Array, Uint8Array | undefined]> {
    return [...this.writes].map(([key, value]) => [keyBytes(key), value]);
  }

  get size(): number {
    return this.writes.size;
  }
}
