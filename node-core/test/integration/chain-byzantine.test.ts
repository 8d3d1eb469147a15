/**
 * Byzantine and crashing validators across real processes: a devnet of 4 validators (quorum 3,
 * f = 1) where validator 3's key is held by a test process that signs two different votes for the
 * same height, round and type over the wire (helpers/equivocator.ts). The honest validators
 * record the evidence on chain, and no height ever has two final blocks. Validator 1 is then
 * killed with SIGKILL the moment one of its votes is seen on the wire, and restarted: the sign
 * guard keeps it from signing anything that conflicts with what it signed before it died.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { after, before, describe, it } from 'node:test';
import type { BlockView, SubmittedTransaction } from '../../domain/chain-model.ts';
import { agree as agreeOn, allAtLeast, createDevnet, type Devnet } from '../helpers/devnet.ts';
import { json, waitFor } from '../helpers/p2p-net.ts';
import { killAllNodes, REPO_ROOT } from '../helpers/spawn-node.ts';

const EQUIVOCATOR = path.join(REPO_ROOT, 'node-core', 'test', 'helpers', 'equivocator.ts');
const HONEST = ['validator-0', 'validator-1', 'validator-2'];
const RUNNING = [...HONEST, 'full-0'];
const PAYEE = 'cd'.repeat(32);

interface Event {
  readonly step: string;
  readonly validator?: number;
  readonly height?: number;
  readonly round?: number;
  readonly type?: string;
}

let net: Devnet;
let rogue: ChildProcessWithoutNullStreams;
const events: Event[] = [];

const transfer = (amount: number, wait = true) => json<SubmittedTransaction>(net.node('full-0').api('/api/wallet/transfer', { json: { to: PAYEE, amount, wait } }));
const block = (name: string, height: number) => json<BlockView>(net.node(name).api(`/api/chains/currency/blocks/${height}`));
const finalHeight = async (name: string) => (await net.info(name)).currency.final_height;

const agree = (names: readonly string[], height: number) => agreeOn(net, names, height);

describe('an equivocating validator and a validator killed right after signing', { timeout: 300_000 }, () => {
  before(async () => {
    net = await createDevnet(4, 1);
    await Promise.all(RUNNING.map((n) => net.start(n)));
    await json(net.node('full-0').api('/api/identities', { json: { username: 'payer' } }));
    const gift = await json<SubmittedTransaction>(net.node('full-0').api('/api/wallet/faucet', { json: {} }));
    assert.equal(gift.status, 'final', 'three honest validators of four make blocks final');
    const manifest = JSON.parse(fs.readFileSync(path.join(net.dir, 'devnet.json'), 'utf8')) as { nodes: Array<{ name: string; p2p: string }> };
    const addrs = manifest.nodes.filter((n) => HONEST.includes(n.name)).map((n) => n.p2p);
    rogue = spawn(process.execPath, [EQUIVOCATOR, path.join(net.dir, 'genesis.json'), 'currency', addrs.join(','), '3', path.join(net.dir, 'validator-3', 'validator-key'), '3'], { stdio: ['pipe', 'pipe', 'pipe'] });
    rogue.stderr.on('data', (chunk: Buffer) => process.stderr.write(`[equivocator] ${chunk.toString()}`));
    readline.createInterface({ input: rogue.stdout }).on('line', (line) => events.push(JSON.parse(line) as Event));
    await waitFor('the equivocator connected', async () => events.some((e) => e.step === 'ready') || undefined, 20_000);
  });
  after(async () => {
    if (process.env.DCHAT_TEST_DEBUG) console.log(JSON.stringify(events));
    rogue?.kill('SIGKILL');
    await killAllNodes();
  });

  it('records the equivocation on chain, and no height has two final blocks', async () => {
    let found: BlockView['evidence'] = [];
    await waitFor('equivocation evidence in a final block', async () => {
      await transfer(1_000);
      const top = await finalHeight('full-0');
      for (let h = top; h >= 1 && found.length === 0; h--) found = (await block('full-0', h)).evidence;
      return found.length > 0 || undefined;
    }, 60_000);
    assert.ok(events.some((e) => e.step === 'equivocated'), 'the equivocator sent its conflicting votes');
    assert.ok(found.every((e) => e.validator === 3), `only the Byzantine validator is named: ${JSON.stringify(found)}`);
    assert.ok(events.some((e) => e.step === 'conflict' && e.validator === 3), 'the watcher flags a validator that signs two values (validator 3, the equivocator)');
    const metrics = await (await fetch(`${net.node('validator-0').url}/metrics`)).text();
    assert.match(metrics, /dchat_chain_evidence_total\{chain="currency"\} [1-9]/);
    const top = Math.min(...(await Promise.all(RUNNING.map(finalHeight))));
    await agree(RUNNING, top);
  });

  it('a validator killed right after a vote and restarted signs nothing conflicting', async () => {
    for (let i = 0; i < 3; i++) {
      const from = events.length;
      const pending = transfer(1_000, false);
      // The moment validator 1's vote is on the wire, kill it: the next one it signs after the
      // restart is for the same height, quite possibly the same round.
      await waitFor('a vote of validator 1', async () => events.slice(from).some((e) => e.step === 'vote' && e.validator === 1) || undefined, 20_000);
      await net.node('validator-1').stop('SIGKILL');
      await pending;
      await net.start('validator-1');
      const sent = await transfer(1_000);
      assert.equal(sent.status, 'final', `the chain goes on after restart ${i + 1}`);
    }
    const conflicts = events.filter((e) => e.step === 'conflict' && e.validator !== 3);
    assert.deepEqual(conflicts, [], 'no honest validator signed two different votes');
    const top = Math.min(...(await Promise.all(RUNNING.map(finalHeight))));
    await allAtLeast(net, RUNNING, top);
    await agree(RUNNING, top);
  });
});
