import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Database } from 'better-sqlite3';
import { decodeCbor, encodeCbor } from '../../p2p/codec.ts';
import type { FrameContext } from '../../p2p/frame-responder.ts';
import type { Store } from '../../store/store.ts';
import { blockHash, CertificateError, decodeBlock, decodeCertificate, encodeBlock, voteStatement, type Block, type Certificate } from '../../chain/blocks.ts';
import { validatorSetStatement } from '../../chain/transactions.ts';
import { chainRequestHandler } from '../../chain/chain-protocol.ts';
import { chainRepositoryDefinition } from '../../chain/chain-repository.ts';
import { createChainSync, SyncRefusedError } from '../../chain/chain-sync.ts';
import { ChainStateMismatchError, createCommittedChain, decodeSnapshotChunk, encodeSnapshotChunk, type CommittedChain } from '../../chain/committed-chain.ts';
import type { ChainRequest } from '../../chain/consensus-wire.ts';
import { BlockInvalidError } from '../../chain/ledger.ts';
import { createMempool } from '../../chain/mempool.ts';
import { buildOn, certify, keys, testGenesis, tx } from '../helpers/chain-fixtures.ts';
import { openTempStore } from '../helpers/store.ts';

const [validator, stranger, second] = keys(3);
const [alice, bob, carol] = keys(3);
const genesis = testGenesis('currency', [validator!]);
const HEIGHT = 30;
const SNAPSHOT_INTERVAL = 10;
const stores: Store[] = [];

function chainIn(store: Store): CommittedChain {
  const chain = createCommittedChain(genesis, store.register(chainRepositoryDefinition), SNAPSHOT_INTERVAL);
  chain.load();
  return chain;
}

const freshChain = () => {
  const store = openTempStore();
  stores.push(store);
  return { store, chain: chainIn(store) };
};

/**
 * 30 real blocks: a faucet, then a transfer in every block, each certified by the validator's
 * precommit. With `growAt`, that block carries a certified change to a set of two (quorum 2), who
 * certify every block after it.
 */
function makeSource(growAt?: number): CommittedChain {
  const { chain } = freshChain();
  const grown = [validator!, second!];
  const set = grown.map((pair, i) => ({ name: `v${i}`, key: pair.publicKey }));
  for (let height = 1; height <= HEIGHT; height++) {
    const txs = height === 1 ? [tx(genesis, alice!, 0, { kind: 'faucet' }, 0)] : [tx(genesis, alice!, height - 1, { kind: 'transfer', to: bob!.publicKey, amount: height })];
    if (height === growAt) {
      const approval = validatorSetStatement.sign(validator!.secretKey, { chain: genesis.chain_id, set, quorum: 2, faults: 0, nonce: 0 });
      txs.push(tx(genesis, carol!, 0, { kind: 'faucet' }, 0), tx(genesis, carol!, 1, { kind: 'validators', set, quorum: 2, faults: 0, approvals: [[0, approval]] }));
    }
    const { execution, rejected } = buildOn(chain.rules, chain.top, txs);
    assert.deepEqual(rejected, []);
    if (height === growAt) assert.ok(execution.block.next_set, 'the set changes after this block');
    const signers = growAt !== undefined && height > growAt ? grown : [validator!];
    chain.commit(execution, certify(genesis.chain_id, execution, signers));
  }
  return chain;
}

type Reply = Record<string, unknown> & { blocks?: Array<[Uint8Array, Uint8Array]>; headers?: Array<[Uint8Array, Uint8Array]>; data?: Uint8Array };
type Tamper = (request: ChainRequest, reply: Reply) => Reply;

/** The real serving code of `source`, its answers passed through `tamper` (the hostile peer). */
function peer(source: CommittedChain, tamper: Tamper = (_request, reply) => reply) {
  const handler = chainRequestHandler(() => [source]);
  return async (_peer: string, request: ChainRequest): Promise<Uint8Array> => {
    const answer = await handler(encodeCbor(request), { peer: 'source' } as unknown as FrameContext);
    const reply = decodeCbor(answer) as Reply;
    return reply['ok'] === true ? encodeCbor(tamper(request, reply)) : answer;
  };
}

function syncer(chain: CommittedChain, ask: ReturnType<typeof peer>) {
  const mempool = createMempool(genesis.chain_id, genesis.params, (address) => chain.rules.nonce(chain.top.tree, address));
  return createChainSync({ committed: chain, mempool, ask, applied: () => {} });
}

const sameTop = (a: CommittedChain, b: CommittedChain) => {
  assert.equal(a.top.height, b.top.height);
  assert.deepEqual(Buffer.from(a.top.hash), Buffer.from(b.top.hash));
  assert.deepEqual(Buffer.from(a.top.tree.root), Buffer.from(b.top.tree.root));
};

/** Replaces the block (and/or certificate) at `height` in a blocks answer. */
const atHeight = (height: number, change: (block: Block, cert: Certificate) => { block?: Block; cert?: Certificate }): Tamper => (request, reply) => {
  if (request.op !== 'blocks' || !reply.blocks) return reply;
  const blocks = reply.blocks.map(([b, c]): [Uint8Array, Uint8Array] => {
    const block = decodeBlock(b);
    if (block.header.height !== height) return [b, c];
    const changed = change(block, decodeCertificate(c));
    return [changed.block ? encodeBlock(changed.block) : b, changed.cert ? encodeCbor(changed.cert) : c];
  });
  return { ...reply, blocks };
};

const precommit = (secretKey: Uint8Array, height: number, value: Uint8Array, round = 0) => voteStatement.sign(secretKey, { chain: genesis.chain_id, height, round, type: 'precommit', value });

describe('chain sync against a real 30-block chain', () => {
  let source: CommittedChain;
  before(() => {
    source = makeSource();
  });
  after(() => {
    for (const store of stores.splice(0)) store.stop();
  });

  it('block sync catches up to the same top hash and state root', async () => {
    const { chain } = freshChain();
    const applied = await syncer(chain, peer(source)).blocksFrom('source');
    assert.equal(applied, HEIGHT);
    sameTop(chain, source);
    assert.deepEqual(source.snapshotHeights(), [30, 20], 'two snapshots are kept');
  });

  it('state sync from the snapshot at height 20, then block sync, reaches the same top', async () => {
    const { store, chain } = freshChain();
    const sync = syncer(chain, peer(source));
    assert.deepEqual((await sync.status('source')).snapshots, [30, 20]);
    await sync.fromSnapshot('source', 20);
    assert.equal(chain.top.height, 20);
    assert.equal(chain.lowest, 20);
    assert.equal(await sync.blocksFrom('source'), 10);
    sameTop(chain, source);
    sameTop(chainIn(store), source);
    assert.equal(chainIn(store).lowest, 20, 'a restart after state sync starts from the snapshot block');
  });

  it('after a restart the chain loads the same top and root from its store, and refuses a damaged state row', async () => {
    const { store, chain } = freshChain();
    await syncer(chain, peer(source)).blocksFrom('source');
    const reloaded = createCommittedChain(genesis, store.register(chainRepositoryDefinition), SNAPSHOT_INTERVAL);
    reloaded.load();
    sameTop(reloaded, source);
    const raw = store.register({ name: 'raw-chain-db', open: (db: Database) => ({ db }) });
    const { db } = raw();
    const key = db.prepare('SELECT key FROM chain_state WHERE chain = ? ORDER BY key LIMIT 1').pluck().get(genesis.chain_id);
    const changed = db.prepare('UPDATE chain_state SET value = ? WHERE chain = ? AND key = ?').run(randomBytes(8), genesis.chain_id, key);
    assert.equal(changed.changes, 1);
    assert.throws(() => chainIn(store), ChainStateMismatchError);
  });
});

describe('chain sync refuses hostile peers', () => {
  let source: CommittedChain;
  before(() => {
    source = makeSource();
  });
  after(() => {
    for (const store of stores.splice(0)) store.stop();
  });

  /** A chain honestly synced to height 10 (the peer shows it nothing higher), then fed by `tamper`. */
  async function refusedAbove10(tamper: Tamper, expected: (err: unknown) => boolean) {
    const { chain } = freshChain();
    const capped: Tamper = (request, reply) => (reply.blocks ? { ...reply, blocks: reply.blocks.filter(([b]) => decodeBlock(b).header.height <= 10) } : reply);
    await syncer(chain, peer(source, capped)).blocksFrom('source');
    assert.equal(chain.top.height, 10);
    const top = chain.top.hash;
    await assert.rejects(syncer(chain, peer(source, tamper)).blocksFrom('source'), expected);
    assert.equal(chain.top.height, 10, 'the top does not move');
    assert.deepEqual(Buffer.from(chain.top.hash), Buffer.from(top));
    assert.equal(chain.stored(11), undefined, 'nothing of the bad block is stored');
    return chain;
  }
  const isA = (...classes: Array<new (...args: never[]) => Error>) => (err: unknown) => classes.some((c) => err instanceof c);

  it('a block whose transaction was changed', async () => {
    const other = tx(genesis, alice!, 10, { kind: 'transfer', to: bob!.publicKey, amount: 999 });
    await refusedAbove10(atHeight(11, (block) => ({ block: { ...block, txs: [other.bytes] } })), isA(BlockInvalidError));
  });

  it('a block whose state root was changed', async () => {
    await refusedAbove10(atHeight(11, (block) => ({ block: { ...block, header: { ...block.header, state: randomBytes(32) } } })), isA(CertificateError));
  });

  it('a wrong state root even when the validator itself certified it', async () => {
    await refusedAbove10(
      atHeight(11, (block, cert) => {
        const header = { ...block.header, state: randomBytes(32) };
        const hash = blockHash(header);
        return { block: { ...block, header }, cert: { ...cert, block: hash, sigs: [[0, precommit(validator!.secretKey, 11, hash)]] } };
      }),
      (err) => err instanceof BlockInvalidError && /state hash/.test(err.message),
    );
  });

  it('a certificate from the wrong validator set', async () => {
    await refusedAbove10(
      atHeight(11, (block, cert) => ({ cert: { ...cert, sigs: [[0, precommit(stranger!.secretKey, 11, cert.block)]] } })),
      (err) => err instanceof CertificateError && /does not verify/.test(err.message),
    );
    await refusedAbove10(atHeight(11, (block, cert) => ({ cert: { ...cert, sigs: [[1, precommit(stranger!.secretKey, 11, cert.block)]] } })), (err) => err instanceof CertificateError && /not in the set/.test(err.message));
  });

  it('a certificate with a bit-flipped signature', async () => {
    await refusedAbove10(
      atHeight(11, (_block, cert) => {
        const sig = Uint8Array.from(cert.sigs[0]![1]);
        sig[10]! ^= 0x01;
        return { cert: { ...cert, sigs: [[0, sig]] } };
      }),
      isA(CertificateError),
    );
  });

  it('a certificate for another block', async () => {
    const elsewhere = decodeBlock(source.stored(12)!.block).header;
    const hash = blockHash(elsewhere);
    await refusedAbove10(
      atHeight(11, (_block, cert) => ({ cert: { ...cert, block: hash, sigs: [[0, precommit(validator!.secretKey, 11, hash)]] } })),
      (err) => err instanceof CertificateError && /for another block/.test(err.message),
    );
  });

  /** State sync from a hostile peer: refused, and the empty chain stays at genesis. */
  async function snapshotRefused(tamper: Tamper, expected: (err: unknown) => boolean) {
    const { store, chain } = freshChain();
    await assert.rejects(syncer(chain, peer(source, tamper)).fromSnapshot('source', 20), expected);
    assert.equal(chain.top.height, 0);
    assert.equal(chainIn(store).top.height, 0, 'nothing was written');
  }

  it('a header chain with a broken prev link', async () => {
    await snapshotRefused(
      (request, reply) => {
        if (request.op !== 'headers' || !reply.headers) return reply;
        const headers = reply.headers.map(([h, c]): [Uint8Array, Uint8Array] => {
          const block = decodeBlock(h);
          return block.header.height === 7 ? [encodeBlock({ ...block, header: { ...block.header, prev: randomBytes(32) } }), c] : [h, c];
        });
        return { ...reply, headers };
      },
      (err) => err instanceof SyncRefusedError && /header 7 does not follow/.test(err.message),
    );
  });

  it('a snapshot whose entries were altered', async () => {
    await snapshotRefused(
      (request, reply) => {
        if (request.op !== 'snapshot' || !reply.data) return reply;
        const entries = decodeSnapshotChunk(reply.data);
        entries[0] = [entries[0]![0], encodeCbor({ balance: 1e12, nonce: 0, staked: 0, unbonding: [] })];
        return { ...reply, data: encodeSnapshotChunk(entries) };
      },
      (err) => err instanceof SyncRefusedError && /does not give the certified state root/.test(err.message),
    );
  });

  it('a snapshot with an entry dropped', async () => {
    await snapshotRefused(
      (request, reply) => (request.op === 'snapshot' && reply.data ? { ...reply, data: encodeSnapshotChunk(decodeSnapshotChunk(reply.data).slice(1)) } : reply),
      isA(SyncRefusedError),
    );
  });
});

describe('chain sync across a validator-set change', () => {
  let source: CommittedChain;
  before(() => {
    source = makeSource(5);
  });
  after(() => {
    for (const store of stores.splice(0)) store.stop();
  });

  it('block sync and state sync follow the certified change to the new set', async () => {
    const viaBlocks = freshChain().chain;
    await syncer(viaBlocks, peer(source)).blocksFrom('source');
    sameTop(viaBlocks, source);
    assert.equal(viaBlocks.validators.set.length, 2);
    const viaSnapshot = freshChain().chain;
    const sync = syncer(viaSnapshot, peer(source));
    await sync.fromSnapshot('source', 20);
    await sync.blocksFrom('source');
    sameTop(viaSnapshot, source);
  });

  it('refuses a certificate signed by the old set alone once the new set certifies', async () => {
    const { chain } = freshChain();
    const oldSetOnly = atHeight(6, (_block, cert) => ({ cert: { ...cert, sigs: cert.sigs.filter(([index]) => index === 0) } }));
    await assert.rejects(syncer(chain, peer(source, oldSetOnly)).blocksFrom('source'), (err) => err instanceof CertificateError && /fewer than the quorum of 2/.test(err.message));
    assert.equal(chain.top.height, 5);
  });
});
