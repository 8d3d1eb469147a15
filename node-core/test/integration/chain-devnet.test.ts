/**
 * The ledgers across real processes on loopback: a devnet of 4 validators (quorum 3, f = 1) and 2
 * full nodes, as `dchat devnet init` writes it. Blocks become final on every node; one validator
 * killed with SIGKILL → the chain goes on; two down → it halts without a fork and, when they
 * return, they catch up and it goes on; every node holds the same block at every height.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { SubmittedTransaction } from '../../domain/chain-model.ts';
import { agree as agreeOn, allAtLeast, createDevnet, type Devnet } from '../helpers/devnet.ts';
import { json, waitFor } from '../helpers/p2p-net.ts';
import { killAllNodes } from '../helpers/spawn-node.ts';

const VALIDATORS = ['validator-0', 'validator-1', 'validator-2', 'validator-3'];
const FULL = ['full-0', 'full-1'];
const ALL = [...VALIDATORS, ...FULL];
const PAYEE = 'ab'.repeat(32);

let net: Devnet;

const transfer = (amount: number, wait = true) =>
  json<SubmittedTransaction>(net.node('full-0').api('/api/wallet/transfer', { json: { to: PAYEE, amount, wait } }));

const agree = (names: readonly string[], height: number) => agreeOn(net, names, height);

describe('a devnet of 4 validators and 2 full nodes', { timeout: 240_000 }, () => {
  before(async () => {
    net = await createDevnet(4, 2);
    await Promise.all(ALL.map((n) => net.start(n)));
    await json(net.node('full-0').api('/api/identities', { json: { username: 'payer' } }));
  });
  after(killAllNodes);

  it('makes blocks final on every node, certified by a quorum', async () => {
    const gift = await json<SubmittedTransaction>(net.node('full-0').api('/api/wallet/faucet', { json: {} }));
    assert.equal(gift.status, 'final', 'a full node sees its transaction final');
    await allAtLeast(net, ALL, gift.height!);
    await agree(ALL, gift.height!);
    const block = await json<{ certificate: { signatures: unknown[] } }>(net.node('full-1').api(`/api/chains/currency/blocks/${gift.height}`));
    assert.ok(block.certificate.signatures.length >= 3, 'a quorum of 3 of 4 signed it');
    const info = await net.info('validator-0');
    assert.deepEqual([info.currency.validators, info.currency.quorum, info.currency.byzantine_faults, info.currency.role], [4, 3, 1, 'validator']);
    assert.equal((await net.info('full-0')).currency.role, 'full');
  });

  it('goes on with one validator killed (kill -9)', async () => {
    await net.node('validator-3').stop('SIGKILL');
    let last = 0;
    for (let i = 0; i < 3; i++) {
      const sent = await transfer(1_000_000);
      assert.equal(sent.status, 'final');
      assert.ok(sent.height! > last);
      last = sent.height!;
    }
    const alive = ALL.filter((n) => n !== 'validator-3');
    await allAtLeast(net, alive, last);
    await agree(alive, last);
  });

  it('halts without a fork with two down, and catches up when they return', async () => {
    await net.node('validator-2').stop('SIGKILL');
    const alive = ALL.filter((n) => n !== 'validator-2' && n !== 'validator-3');
    const before = Math.max(...(await Promise.all(alive.map(async (n) => (await net.info(n)).currency.final_height))));
    const queued = await transfer(2_000_000, false);
    assert.equal(queued.status, 'pending');
    await new Promise((r) => setTimeout(r, 5_000));
    for (const n of alive) assert.equal((await net.info(n)).currency.final_height, before, `${n} made no block without a quorum`);
    await Promise.all(['validator-2', 'validator-3'].map((n) => net.start(n)));
    await allAtLeast(net, ALL, before + 1, 60_000);
    const height = Math.min(...(await Promise.all(ALL.map(async (n) => (await net.info(n)).currency.final_height))));
    await agree(ALL, height);
    const history = await json<{ entries: Array<{ tx: { id: string } }> }>(net.node('full-0').api('/api/wallet/history?limit=20'));
    assert.ok(history.entries.some((e) => e.tx.id === queued.tx_id), 'the transaction sent during the halt is final now');
  });
});

describe('two users on two nodes of one devnet', { timeout: 180_000 }, () => {
  let pair: Devnet;
  before(async () => {
    pair = await createDevnet(1, 1);
    await Promise.all(pair.names.map((n) => pair.start(n)));
  });
  after(killAllNodes);

  it('find each other by username, the directory proof verified, and chat', async () => {
    const alice = pair.node('validator-0');
    const bob = pair.node('full-0');
    const aliceId = (await json<{ id: string }>(alice.api('/api/identities', { json: { username: 'alice' } }))).id;
    const bobId = (await json<{ id: string }>(bob.api('/api/identities', { json: { username: 'bob' } }))).id;
    const registered = await json<SubmittedTransaction>(alice.api(`/api/identities/${aliceId}/register`, { json: { username: 'alice_dc' } }));
    assert.equal(registered.status, 'final');
    await allAtLeast(pair, pair.names, 0);
    const found = await waitFor('alice in the directory at B', async () => {
      const answer = await json<{ record: { identity_key: string } | null; verified: boolean }>(bob.api('/api/directory/alice_dc'));
      return answer.record ? answer : undefined;
    });
    assert.equal(found.verified, true);
    assert.equal(found.record!.identity_key, aliceId);
    const added = await json<{ chat_id: string; contact: { identity_key: string } }>(bob.api('/api/contacts/by-username', { json: { username: 'alice_dc' } }));
    assert.equal(added.contact.identity_key, aliceId);
    const sent = await json<{ id: string }>(bob.api('/api/messages/send', { json: { chat_id: added.chat_id, text: 'found you by name' } }));
    const at = await waitFor('the message at Alice', async () => {
      const chats = await json<{ chats: Array<{ chat_id: string; peer_identity: string | null }> }>(alice.api('/api/chats'));
      const chat = chats.chats.find((c) => c.peer_identity === bobId);
      if (!chat) return undefined;
      const page = await json<{ messages: Array<{ id: string; text: string }> }>(alice.api(`/api/messages?chat_id=${encodeURIComponent(chat.chat_id)}`));
      return page.messages.find((m) => m.id === sent.id);
    }, 30_000);
    assert.equal(at.text, 'found you by name');
  });
});
