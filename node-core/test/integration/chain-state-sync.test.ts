/**
 * State sync across real processes: a single-validator devnet whose currency chain makes blocks
 * as fast as it can (no block or empty-block interval) runs past 10,000 blocks, with snapshots
 * every 1,000. The validator is then restarted without its key (a full node holding the whole
 * chain, which now stands still), and a new node state-syncs from it: it checks the 10,000
 * headers' certificates, takes the latest snapshot only because it gives the certified state
 * root, fetches the blocks after it, and holds none of the blocks below. With the key back the
 * chain goes on and the new node follows it.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { BlockView, ChainsInfo } from '../../domain/chain-model.ts';
import { createDevnet, keyAway, noBlockIntervals } from '../helpers/devnet.ts';
import { json, waitFor } from '../helpers/p2p-net.ts';
import { killAllNodes } from '../helpers/spawn-node.ts';

const TARGET = Number(process.env.DCHAT_TEST_SYNC_TARGET ?? 10_000);

describe('a new node state-syncs 10,000 blocks from a snapshot', { timeout: 300_000 }, () => {
  after(killAllNodes);

  it('verifies the headers, takes the snapshot, fetches the rest, and follows', { timeout: 240_000 }, async () => {
    const net = await createDevnet(1, 1);
    noBlockIntervals(net);

    await net.start('validator-0');
    const currency = async (name: string) => (await net.info(name)).currency;
    await waitFor(`the validator past ${TARGET} blocks`, async () => (await currency('validator-0')).final_height >= TARGET || undefined, 180_000);

    // The validator again, without its key: the same chain, served by a node that adds nothing.
    await net.node('validator-0').stop();
    keyAway(net, 'validator-0', true);
    await net.start('validator-0');
    const served = await currency('validator-0');
    assert.equal(served.role, 'full');
    assert.ok(served.final_height >= TARGET);

    const started = Date.now();
    await net.start('full-0');
    const synced = await waitFor('the new node at the served height', async () => {
      const info: ChainsInfo['currency'] = await currency('full-0');
      return info.final_height >= served.final_height ? info : undefined;
    }, 120_000);
    const seconds = (Date.now() - started) / 1000;
    console.log(`state sync: ${served.final_height} blocks in ${seconds.toFixed(1)} s from the node's start`);
    assert.equal(synced.final_height, served.final_height);
    assert.equal(synced.state_root, served.state_root, 'the same state root as the serving node');
    const logs = net.node('full-0').logs;
    const from = logs.find((l) => l.msg === 'state-syncing from a snapshot' && l.chain === served.chain_id);
    assert.ok(from, 'the node took a snapshot rather than every block');
    assert.equal(from.height, Math.floor(served.final_height / 1000) * 1000, 'the latest snapshot');
    const early = await net.node('full-0').api('/api/chains/currency/blocks/5');
    assert.equal(early.status, 404, 'no block below the snapshot is held');
    const last = await json<BlockView>(net.node('full-0').api(`/api/chains/currency/blocks/${served.final_height}`));
    assert.equal(last.hash, served.hash);

    await net.node('validator-0').stop();
    keyAway(net, 'validator-0', false);
    await net.start('validator-0');
    try {
      await waitFor('the synced node following new blocks', async () => (await currency('full-0')).final_height > served.final_height + 100 || undefined, 60_000);
    } catch (err) {
      if (process.env.DCHAT_TEST_DEBUG) for (const n of ['validator-0', 'full-0']) console.log(n, JSON.stringify(await currency(n)), net.node(n).logs.filter((l) => l.level !== 30 || String(l.msg).includes('sync')).slice(-15).map((l) => JSON.stringify(l).slice(0, 400)).join('\n'));
      throw err;
    }
  });
});
