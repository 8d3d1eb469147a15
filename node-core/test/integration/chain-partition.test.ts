/**
 * A 2|2 network partition of a 4-validator devnet (quorum 3), each validator a real process in
 * its own network namespace on one bridge: split in two halves neither of which has a quorum, the
 * chain halts on both sides with no block made; joined again, it goes on, the transactions sent
 * to either side during the split become final, and every height has one block on all nodes.
 * Needs root for the namespaces; elsewhere it is skipped with the reason.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { SubmittedTransaction } from '../../domain/chain-model.ts';
import { agree, allAtLeast, createDevnet, type Devnet } from '../helpers/devnet.ts';
import { createNamespaces, namespacesUnavailable, type Namespaces } from '../helpers/netns.ts';
import { json, waitFor } from '../helpers/p2p-net.ts';
import { killAllNodes } from '../helpers/spawn-node.ts';

const VALIDATORS = ['validator-0', 'validator-1', 'validator-2', 'validator-3'];
const LEFT = VALIDATORS.slice(0, 2);
const RIGHT = VALIDATORS.slice(2);
const PAYEE = 'ef'.repeat(32);

describe('a 2|2 partition of 4 validators', { timeout: 240_000 }, () => {
  let spaces: Namespaces | undefined;
  after(async () => {
    await killAllNodes();
    spaces?.cleanup();
  });

  it('halts on both sides without a fork and heals', async (t) => {
    const unavailable = namespacesUnavailable();
    if (unavailable) return t.skip(unavailable);
    const made = createNamespaces(VALIDATORS, '10.78.0');
    if (typeof made === 'string') return t.skip(made);
    spaces = made;
    const net: Devnet = await createDevnet(4, 0, {}, (name) => ({ host: made.host(name), wrapper: made.wrapper(name) }));
    await Promise.all(VALIDATORS.map((n) => net.start(n)));
    const finalHeight = async (name: string) => (await net.info(name)).currency.final_height;
    const pay = (name: string, wait: boolean) => json<SubmittedTransaction>(net.node(name).api('/api/wallet/transfer', { json: { to: PAYEE, amount: 1_000, wait } }));
    for (const side of [LEFT[0]!, RIGHT[0]!]) {
      await json(net.node(side).api('/api/identities', { json: { username: `payer_${side.replace('-', '_')}` } }));
      const gift = await json<SubmittedTransaction>(net.node(side).api('/api/wallet/faucet', { json: {} }));
      assert.equal(gift.status, 'final', `blocks are final across the namespaces (${side})`);
    }

    made.cut(LEFT, RIGHT);
    // Whatever was in flight when the link went settles first.
    await new Promise((r) => setTimeout(r, 1_500));
    const before = await Promise.all(VALIDATORS.map(finalHeight));
    const queued = await Promise.all([pay(LEFT[0]!, false), pay(RIGHT[0]!, false)]);
    assert.deepEqual(queued.map((q) => q.status), ['pending', 'pending']);
    await new Promise((r) => setTimeout(r, 6_000));
    assert.deepEqual(await Promise.all(VALIDATORS.map(finalHeight)), before, 'no side made a block without a quorum');

    made.heal();
    await waitFor('both transactions sent during the split final', async () => {
      const states = await Promise.all(queued.map(async (q, i) => {
        const history = await json<{ entries: Array<{ tx: { id: string } }> }>(net.node(i === 0 ? LEFT[0]! : RIGHT[0]!).api('/api/wallet/history?limit=10'));
        return history.entries.some((e) => e.tx.id === q.tx_id);
      }));
      return states.every(Boolean) || undefined;
    }, 90_000);
    const top = Math.min(...(await Promise.all(VALIDATORS.map(finalHeight))));
    assert.ok(top > Math.max(...before), `the chain went on after the partition healed (${Math.max(...before)} → ${top})`);
    await allAtLeast(net, VALIDATORS, top);
    await agree(net, VALIDATORS, top);
  });
});
