import { encodeCbor } from '../p2p/codec.ts';
import { parseReply } from '../wire/protocols.ts';
import { blockHash, decodeBlock, decodeCertificate, decodeWith, blockSchema, validatorSetHash, verifyCertificate, verifyCertificateAsync, type Certificate } from './blocks.ts';
import { decodeSnapshotChunk, type CommittedChain } from './committed-chain.ts';
import { blocksReply, headersReply, MAX_BLOCKS_PER_REQUEST, MAX_HEADERS_PER_REQUEST, snapshotReply, statusReply, type ChainRequest } from './consensus-wire.ts';
import { genesisHash, type Execution } from './ledger.ts';
import type { ValidatorSet } from './ledger-rules.ts';
import type { Mempool } from './mempool.ts';
import { stateTreeFrom } from './state-tree.ts';
import { decodeTx, type DecodedTx } from './transactions.ts';

/**
 * Catching up from peers. Block sync asks for the blocks above ours with their certificates; each
 * certificate is checked against the validator set that certifies that height and each block is
 * executed like a proposal, so a tampered block or a forged certificate is refused and the peer
 * dropped. State sync (a new node far behind) checks the chain of headers and certificates from
 * genesis to a snapshot height, then takes the snapshot only if it gives that header's state root.
 */

export class SyncRefusedError extends Error {
  override readonly name = 'SyncRefusedError';
}

export interface SyncInit {
  readonly committed: CommittedChain;
  readonly mempool: Mempool;
  ask(peer: string, request: ChainRequest): Promise<Uint8Array>;
  applied(execution: Execution, certificate: Certificate): void;
}

export interface PeerChainStatus {
  readonly height: number;
  readonly lowest: number;
  readonly snapshots: number[];
}

export function createChainSync(init: SyncInit) {
  const { committed } = init;
  const chain = committed.chain;

  async function status(peer: string): Promise<PeerChainStatus> {
    return parseReply(await init.ask(peer, { op: 'status', chain }), statusReply);
  }

  /**
   * Fetches and applies blocks from `peer` until it has none above ours; returns how many. The
   * next answer is asked for while one is checked, and an answer's signatures (transactions and
   * certificates) are verified all at once on the thread pool before its blocks are executed in
   * order; a certificate made by a validator set that changed within the answer is checked again
   * against the new set.
   */
  async function blocksFrom(peer: string, until = Number.MAX_SAFE_INTEGER): Promise<number> {
    let applied = 0;
    const request = (from: number) => {
      const answer = init.ask(peer, { op: 'blocks', chain, from, count: MAX_BLOCKS_PER_REQUEST }).then((r) => parseReply(r, blocksReply));
      answer.catch(() => undefined); // a prefetch left behind by a refusal must not go unhandled
      return answer;
    };
    let next = committed.top.height < until ? request(committed.top.height + 1) : undefined;
    while (next) {
      const reply = await next;
      next = undefined;
      if (reply.blocks.length === 0) break;
      const after = committed.top.height + reply.blocks.length;
      if (after < until) next = request(after + 1);
      // Every block of the answer is checked on the one before it, then the good ones are written
      // at once (one transaction); a bad one ends the sync with the blocks before it kept.
      let top = committed.top;
      const checked: Array<{ execution: Execution; certificate: Certificate }> = [];
      let refusal: unknown;
      try {
        const decoded = reply.blocks.map(([b, c]) => ({ block: decodeBlock(b), certificate: decodeCertificate(c) }));
        const startSet = committed.rules.set(top.tree);
        const [certificates] = await Promise.all([
          Promise.all(decoded.map(({ block, certificate }) => verifyCertificateAsync(chain, certificate, blockHash(block.header), startSet.set, startSet.quorum).then(() => undefined, (err: unknown) => err))),
          init.mempool.preverify(decoded.flatMap(({ block }) => block.txs.flatMap((t) => decodedOrNone(t)))),
        ]);
        for (const [i, { block, certificate }] of decoded.entries()) {
          const set = committed.rules.set(top.tree);
          if (block.header.height !== top.height + 1 || certificate.height !== block.header.height) throw new SyncRefusedError(`the peer sent block ${block.header.height} where ${top.height + 1} was due`);
          if (set.nonce !== startSet.nonce) verifyCertificate(chain, certificate, blockHash(block.header), set.set, set.quorum);
          else if (certificates[i]) throw certificates[i];
          const execution = committed.rules.check(top, block, init.mempool.verified);
          checked.push({ execution, certificate });
          top = { height: block.header.height, hash: execution.hash, time: block.header.time, tree: execution.tree };
        }
      } catch (err) {
        refusal = err;
        next = undefined;
      }
      committed.commitMany(checked);
      for (const { execution, certificate } of checked) init.applied(execution, certificate);
      applied += checked.length;
      if (refusal) throw refusal;
    }
    return applied;
  }

  /** A block's transaction decoded for signature checking; a malformed one is left to the block check to refuse. */
  function decodedOrNone(bytes: Uint8Array): DecodedTx[] {
    try {
      return [decodeTx(bytes, committed.genesis.params)];
    } catch {
      return [];
    }
  }

  /** Checks headers 1..height and returns the validator set and header at `height`. */
  async function verifiedHeaders(peer: string, height: number) {
    let set: ValidatorSet = committed.rules.set(committed.top.tree);
    let prev = genesisHash(committed.genesis);
    let anchor: { block: Uint8Array; certificate: Uint8Array; hash: Uint8Array; time: number; state: Uint8Array } | undefined;
    for (let from = 1; from <= height; from += MAX_HEADERS_PER_REQUEST) {
      const count = Math.min(MAX_HEADERS_PER_REQUEST, height - from + 1);
      const reply = parseReply(await init.ask(peer, { op: 'headers', chain, from, count }), headersReply);
      if (reply.headers.length !== count) throw new SyncRefusedError(`the peer sent ${reply.headers.length} headers of ${count}`);
      for (const [encodedHeader, encodedCert] of reply.headers) {
        const block = decodeWith(blockSchema, encodedHeader, 'header');
        const certificate = decodeCertificate(encodedCert);
        const h = block.header;
        const hash = blockHash(h);
        if (Buffer.compare(h.prev, prev) !== 0) throw new SyncRefusedError(`header ${h.height} does not follow the one before`);
        if (Buffer.compare(h.validators, validatorSetHash(set.set, set.quorum)) !== 0) throw new SyncRefusedError(`header ${h.height} names another validator set`);
        verifyCertificate(chain, certificate, hash, set.set, set.quorum);
        if (block.next_set) {
          if (Buffer.compare(h.next_validators, validatorSetHash(block.next_set.set, block.next_set.quorum)) !== 0) throw new SyncRefusedError(`header ${h.height} announces a set it does not commit to`);
          set = { ...block.next_set, nonce: set.nonce + 1 };
        }
        prev = hash;
        anchor = { block: encodedHeader, certificate: encodedCert, hash, time: h.time, state: h.state };
      }
    }
    if (!anchor) throw new SyncRefusedError('no headers');
    return anchor;
  }

  /** State sync to the peer's snapshot at `height`, then blocks after it. */
  async function fromSnapshot(peer: string, height: number): Promise<void> {
    const anchor = await verifiedHeaders(peer, height);
    const entries: Array<[Uint8Array, Uint8Array]> = [];
    for (let chunk = 0, chunks = 1; chunk < chunks; chunk++) {
      const reply = parseReply(await init.ask(peer, { op: 'snapshot', chain, height, chunk }), snapshotReply);
      chunks = reply.chunks;
      entries.push(...decodeSnapshotChunk(reply.data));
    }
    const tree = stateTreeFrom(entries);
    if (Buffer.compare(tree.root, anchor.state) !== 0) throw new SyncRefusedError(`the snapshot at height ${height} does not give the certified state root`);
    committed.restore(tree, { height, hash: anchor.hash, block: anchor.block, certificate: anchor.certificate, time: anchor.time });
  }

  return { status, blocksFrom, fromSnapshot };
}

export type ChainSync = ReturnType<typeof createChainSync>;

/** What a headers request answers with: a block without its transactions, and its certificate. */
export const headerOnly = (encodedBlock: Uint8Array): Uint8Array => {
  const block = decodeBlock(encodedBlock);
  return encodeCbor({ ...block, txs: [], evidence: [] });
};
