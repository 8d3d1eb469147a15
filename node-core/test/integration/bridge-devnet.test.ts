/**
 * The bridge across real processes: a devnet of 4 validators (quorum 3) whose validators relay
 * nothing, and full nodes that do (the relayer is any node's job): a transfer that times out with
 * no relayer and is refunded; transfers both ways once a relayer runs; finality proofs a chain
 * must refuse (forged, replayed, signed by another validator set, outside the trusting period),
 * sent over the API as any peer could; a client left to expire and revived only by its
 * validators' certified recovery; a relayer killed with kill -9 in the middle of a burst and
 * another finishing it, each packet executed once; and a relay that stakes, is listed, delivers
 * offline mail and is paid for the recipient's proof of delivery.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { blockHash, certificateSchema, decodeBlock, validatorSetHash, voteStatement, type BlockHeader } from '../../chain/blocks.ts';
import { clientRecoveryStatement, type ProofHeader } from '../../chain/bridge-wire.ts';
import { decodeTx, signTx, type TxBody } from '../../chain/transactions.ts';
import { decodeCbor } from '../../p2p/codec.ts';
import { generateSigningKeyPair, signingPublicKey, type SigningKeyPair } from '../../crypto/signing.ts';
import type { BridgeHealth, BridgePacketView, RelayRegistry, Wallet } from '../../domain/chain-model.ts';
import { createDevnet, devnetPath, setGenesisParams, type Devnet } from '../helpers/devnet.ts';
import { addContact, createIdentity, json, send, sendAndWait, waitFor } from '../helpers/p2p-net.ts';
import { killAllNodes, type RunningNode } from '../helpers/spawn-node.ts';

// Long enough for the devnet to start and a relayer to come before the clients made at genesis expire.
const TRUSTING_MS = 30_000;
const NO_RELAYER = { DCHAT_BRIDGE_RELAYER: 'off' };
const RELAYER = { DCHAT_BRIDGE_RELAYER: 'on' };
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

const packets = async (node: RunningNode, identity: string) => (await json<{ packets: BridgePacketView[] }>(node.api(`/api/bridge/packets?identity_id=${identity}&limit=200`))).packets;
const wallet = (node: RunningNode, identity: string) => json<Wallet>(node.api(`/api/wallet?identity_id=${identity}`));
const transfer = (node: RunningNode, identity: string, to_chain: 'chat' | 'currency', amount: number, wait = true) =>
  json<{ chain_id: string; status: string }>(node.api('/api/bridge/transfers', { json: { identity_id: identity, to_chain, amount, wait } }));

/** Waits until `identity`'s packet `id` is settled; returns it. */
const settled = (node: RunningNode, identity: string, id: string, timeoutMs = 30_000) =>
  waitFor(`bridge packet ${id} settled`, async () => (await packets(node, identity)).find((p) => p.id === id && (p.state === 'Executed' || p.state === 'RolledBack')), timeoutMs);

/** The newest packet of `identity` sent from `chainId` (after `count` before it). */
const newest = (node: RunningNode, identity: string, chainId: string, count: number) =>
  waitFor('the new packet', async () => {
    const mine = (await packets(node, identity)).filter((p) => p.from_chain === chainId);
    return mine.length > count ? mine[0] : undefined;
  });

/** Any peer with a funded account: signs its own transactions and posts them as raw bytes. */
function outsider(node: () => RunningNode) {
  const key = generateSigningKeyPair();
  const nonces = { chat: 0, currency: 0 };
  return {
    key,
    async submit(kind: 'chat' | 'currency', chain: string, body: TxBody): Promise<Response> {
      const tx = signTx(key.secretKey, { chain, from: key.publicKey, nonce: nonces[kind], fee: body.kind === 'faucet' ? 0 : 1_000, body });
      const res = await node().api(`/api/chains/${kind}/transactions`, { json: { chain: kind, tx: hex(tx.bytes), wait: true } });
      if (res.status === 202) nonces[kind]++;
      return res;
    },
  };
}

async function refusedWith(res: Promise<Response>, code: RegExp): Promise<void> {
  const answer = await res;
  const body = (await answer.json()) as { error: string; message: string };
  assert.equal(answer.status, 422, JSON.stringify(body));
  assert.equal(body.error, 'TransactionRejected');
  assert.match(body.message, code);
}

/** A final block and its certificate as a node stored them (read-only, as an auditor would). */
function storedBlock(net: Devnet, node: string, chain: string, height: number) {
  const db = new Database(path.join(net.dir, node, 'dchat.db'), { readonly: true, fileMustExist: true });
  try {
    const row = db.prepare('SELECT block, certificate FROM chain_blocks WHERE chain = ? AND height = ?').get(chain, height) as { block: Uint8Array; certificate: Uint8Array } | undefined;
    assert.ok(row, `${node} holds ${chain} block ${height}`);
    return { block: decodeBlock(row.block), certificate: certificateSchema.parse(decodeCbor(row.certificate)) };
  } finally {
    db.close();
  }
}

const validatorKey = (net: Devnet, name: string): SigningKeyPair => {
  const secretKey = Buffer.from(fs.readFileSync(devnetPath(net, name, 'validator-key'), 'utf8').trim(), 'hex');
  return { secretKey, publicKey: signingPublicKey(secretKey) };
};

describe('the bridge on a devnet of real processes', { timeout: 420_000 }, () => {
  let net: Devnet;
  let alice: RunningNode;
  let aliceId: string;
  let chatChain: string;
  let currencyChain: string;
  const validators = ['validator-0', 'validator-1', 'validator-2', 'validator-3'];
  before(async () => {
    net = await createDevnet(4, 4);
    for (const kind of ['chat', 'currency'] as const) setGenesisParams(net, kind, { trusting_period_ms: TRUSTING_MS, empty_block_interval_ms: 1_000 });
    await Promise.all(validators.map((n) => net.start(n, NO_RELAYER)));
    // Alice's transfers give the destination 4 s: long enough with a relayer, short enough to watch one time out.
    alice = await net.start('full-2', { ...NO_RELAYER, BRIDGE_TX_TIMEOUT_SECS: '4' });
    aliceId = (await json<{ id: string }>(alice.api('/api/identities', { json: { username: 'alice' } }))).id;
    const info = await net.info('full-2');
    [chatChain, currencyChain] = [info.chat.chain_id, info.currency.chain_id];
    assert.equal((await json<{ status: string }>(alice.api('/api/wallet/faucet', { json: { identity_id: aliceId } }))).status, 'final');
  });
  after(killAllNodes);

  it('with no relayer anywhere a transfer times out, and the first relayer to come rolls it back: the funds return', async () => {
    const before = await wallet(alice, aliceId);
    await transfer(alice, aliceId, 'chat', 5_000_000);
    const sent = await newest(alice, aliceId, currencyChain, 0);
    assert.equal(sent.state, 'Initiated');
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    assert.equal((await packets(alice, aliceId))[0]!.state, 'Initiated', 'nobody relays');
    await net.start('full-0', RELAYER);
    const done = await settled(alice, aliceId, sent.id);
    assert.deepEqual([done.state, done.error, done.proved], ['RolledBack', 'timeout', null]);
    assert.equal((await wallet(alice, aliceId)).balance, before.balance - before.min_fee, 'all but the fee is back');
    const metrics = await (await alice.api('/metrics')).text();
    assert.match(metrics, /^bridge_finality_proof_timeout_total 1$/m);
    assert.match(metrics, /^bridge_packets_total\{state="rolled_back",direction="currency-to-chat"\} 1$/m);
  });

  it('moves funds to the chat chain and back through a full node relaying; every node sees the same states', async () => {
    const before = await wallet(alice, aliceId);
    await transfer(alice, aliceId, 'chat', 10_000_000);
    const out = await settled(alice, aliceId, (await newest(alice, aliceId, currencyChain, 1)).id);
    assert.equal(out.state, 'Executed', out.error ?? '');
    assert.ok(out.proved && out.finished && out.proved.time >= out.initiated.time && out.finished.time >= out.proved.time);
    assert.equal((await wallet(alice, aliceId)).chat_balance, 10_000_000);
    await transfer(alice, aliceId, 'currency', 4_000_000);
    const back = await settled(alice, aliceId, (await newest(alice, aliceId, chatChain, 0)).id);
    assert.equal(back.state, 'Executed', back.error ?? '');
    const now = await wallet(alice, aliceId);
    assert.equal(now.balance, before.balance - 10_000_000 - before.min_fee + 4_000_000);
    assert.equal(now.chat_balance, 6_000_000 - before.min_fee);
    // A validator (no relayer) tracks the same packets from its own copy of both chains.
    const seen = (await json<{ packets: BridgePacketView[] }>(net.node('validator-3').api('/api/bridge/packets?all=true&limit=100'))).packets;
    assert.deepEqual(seen.find((p) => p.id === back.id)?.state, 'Executed');
    const health = await json<BridgeHealth>(alice.api('/health/bridge'));
    assert.equal(health.status, 'healthy', health.problems.join('; '));
  });

  it('refuses finality proofs that are forged, replayed or certified by another validator set, sent by any peer', async () => {
    const attacker = outsider(() => alice);
    assert.equal((await attacker.submit('chat', chatChain, { kind: 'faucet' })).status, 202);
    const out = (await packets(alice, aliceId)).find((p) => p.from_chain === currencyChain && p.state === 'Executed')!;
    const { block } = storedBlock(net, 'validator-0', chatChain, out.proved!.height);
    const honest = block.txs.map((t) => decodeTx(t, { max_tx_bytes: 4_096, max_relay_tx_bytes: 262_144 }).tx.body).find((b) => b.kind === 'bridge_recv');
    assert.ok(honest && honest.kind === 'bridge_recv' && honest.header, 'the relayer proved the packet with a header');
    await refusedWith(attacker.submit('chat', chatChain, honest), /nothing-to-receive/);
    const [entry] = honest.packets;
    const p = entry!.packet;
    assert.equal(p.payload.app, 'transfer');
    const inflated = { ...honest, packets: [{ ...entry!, packet: { ...p, seq: p.seq, payload: { ...p.payload, amount: 10 ** 12 } } }] } as TxBody;
    await refusedWith(attacker.submit('chat', chatChain, inflated), /bad-proof/);
    // The currency block as four strangers would certify it, then a header naming them as its set.
    const strangers = Array.from({ length: 4 }, () => generateSigningKeyPair());
    const sign = (h: BlockHeader) => ({ height: h.height, round: 0, block: blockHash(h), sigs: [0, 1, 2].map((i): [number, Uint8Array] => [i, voteStatement.sign(strangers[i]!.secretKey, { chain: currencyChain, height: h.height, round: 0, type: 'precommit', value: blockHash(h) })]) });
    // A height the chat chain's client has not followed yet (it follows the relayer's headers).
    const trusted = (await json<BridgeHealth>(alice.api('/api/bridge/health'))).clients.chat.height;
    const height = await waitFor('a new currency block', async () => {
      const h = (await net.info('validator-0')).currency.final_height;
      return h > trusted ? h : undefined;
    });
    const fresh = storedBlock(net, 'validator-0', currencyChain, height);
    const forgedCert: ProofHeader = { header: fresh.block.header, cert: sign(fresh.block.header) };
    await refusedWith(attacker.submit('chat', chatChain, { kind: 'bridge_update', header: forgedCert }), /bad-certificate/);
    await refusedWith(attacker.submit('chat', chatChain, { kind: 'bridge_update', header: honest.header! }), /already-trusted/);
    const set = { set: strangers.map((s, i) => ({ name: `s${i}`, key: s.publicKey })), quorum: 3, faults: 1 };
    const theirs = { ...fresh.block.header, validators: validatorSetHash(set.set, 3), next_validators: validatorSetHash(set.set, 3) };
    await refusedWith(attacker.submit('chat', chatChain, { kind: 'bridge_update', header: { header: theirs, cert: sign(theirs), set } }), /untrusted-validators/);
  });

  it('with every relayer gone past the trusting period the clients expire; old headers are refused; only the validators revive them', async () => {
    await net.node('full-0').stop();
    const stoppedAt = Date.now();
    await transfer(alice, aliceId, 'chat', 1_000_000, false);
    await new Promise((resolve) => setTimeout(resolve, TRUSTING_MS + 4_000));
    const health = await alice.api('/health/bridge');
    assert.equal(health.status, 503);
    const degraded = (await health.json()) as BridgeHealth;
    assert.deepEqual([degraded.clients.chat.status, degraded.clients.currency.status], ['expired', 'expired']);

    const attacker = outsider(() => alice);
    assert.equal((await attacker.submit('chat', chatChain, { kind: 'faucet' })).status, 202);
    assert.equal((await attacker.submit('currency', currencyChain, { kind: 'faucet' })).status, 202);
    const info = await net.info('validator-0');
    const client = degraded.clients.chat;
    // A currency header from just after the client's last one: beyond the trusting period now.
    let old = client.height + 1;
    while (storedBlock(net, 'validator-0', currencyChain, old).block.header.time < stoppedAt) old++;
    const stale = storedBlock(net, 'validator-0', currencyChain, old);
    assert.ok(stale.block.header.time < Date.now() - TRUSTING_MS, 'the header is older than the trusting period');
    await refusedWith(attacker.submit('chat', chatChain, { kind: 'bridge_update', header: { header: stale.block.header, cert: stale.certificate } }), /outside-trusting-period/);
    const latest = storedBlock(net, 'validator-0', currencyChain, info.currency.final_height);
    const proof: ProofHeader = { header: latest.block.header, cert: latest.certificate };
    await refusedWith(attacker.submit('chat', chatChain, { kind: 'bridge_update', header: proof }), /client-expired/);

    // Certified recovery: three of the four validators approve a current header of the other chain, on each chain.
    for (const [kind, chain, other] of [['chat', chatChain, currencyChain], ['currency', currencyChain, chatChain]] as const) {
      const height = (await net.info('validator-0'))[kind === 'chat' ? 'currency' : 'chat'].final_height;
      const { block, certificate } = storedBlock(net, 'validator-0', other, height);
      const members = validators.map((n) => validatorKey(net, n));
      const theSet = { set: members.map((m, i) => ({ name: `validator-${i}`, key: m.publicKey })), quorum: 3, faults: 1 };
      const fields = { chain, client: other, height, hash: blockHash(block.header) };
      const approvals = [0, 1].map((i): [number, Uint8Array] => [i, clientRecoveryStatement.sign(members[i]!.secretKey, fields)]);
      const recovery = (list: Array<[number, Uint8Array]>): TxBody => ({ kind: 'client_recover', header: { header: block.header, cert: certificate, set: theSet }, approvals: list });
      await refusedWith(attacker.submit(kind, chain, recovery(approvals)), /not-certified/);
      approvals.push([2, clientRecoveryStatement.sign(members[2]!.secretKey, fields)]);
      assert.equal((await attacker.submit(kind, chain, recovery(approvals))).status, 202, `the ${kind} chain's client recovered`);
    }
    await net.start('full-1', RELAYER);
    // The transfer sent while nobody relayed has timed out meanwhile: it is rolled back and refunded.
    const waiting = (await packets(alice, aliceId)).find((p) => p.state === 'Initiated')!;
    const done = await settled(alice, aliceId, waiting.id);
    assert.deepEqual([done.state, done.error], ['RolledBack', 'timeout']);
    await waitFor('the bridge healthy again', async () => (await alice.api('/health/bridge')).status === 200 || undefined, 20_000);
  });

  it('a relayer killed with kill -9 in the middle of a burst: another finishes it, each packet executed once', async () => {
    // Two relayers race (the loser's transactions are refused before they are sent); one dies in the middle.
    await net.start('full-0', RELAYER);
    const before = await wallet(alice, aliceId);
    const count = (await packets(alice, aliceId)).filter((p) => p.from_chain === currencyChain).length;
    for (let i = 0; i < 20; i++) await transfer(alice, aliceId, 'chat', 100_000, false);
    const burst = await waitFor('the burst committed', async () => {
      const mine = (await packets(alice, aliceId)).filter((p) => p.from_chain === currencyChain);
      return mine.length >= count + 20 ? mine.slice(0, 20) : undefined;
    });
    await waitFor('some of the burst proved', async () => (await packets(alice, aliceId)).some((p) => burst.some((b) => b.id === p.id) && p.state !== 'Initiated') || undefined);
    await net.node('full-1').stop('SIGKILL');
    for (const p of burst) assert.equal((await settled(alice, aliceId, p.id)).state, 'Executed');
    const now = await wallet(alice, aliceId);
    assert.equal(now.chat_balance, before.chat_balance + 20 * 100_000, 'minted exactly once per packet');
    assert.equal(now.balance, before.balance - 20 * (100_000 + before.min_fee));
  });

  it('a relay stakes, is listed as staked, delivers offline mail, and is paid for the recipient\'s proof of delivery', async () => {
    const relayNode = net.node('validator-1');
    await json(relayNode.api('/api/relay', { method: 'PUT', json: { enabled: true } }));
    const relayId = (await json<{ id: string }>(relayNode.api('/api/identities', { json: { username: 'relay' } }))).id;
    await json(relayNode.api('/api/wallet/faucet', { json: { identity_id: relayId } }));
    await json(relayNode.api('/api/relays/registry', { json: { identity_id: relayId } }));
    assert.equal((await json<{ status: string }>(relayNode.api('/api/relays/stake', { json: { identity_id: relayId, amount: 20_000_000 } }))).status, 'final');
    const listed = await waitFor('the relay listed as staked', async () => (await json<RelayRegistry>(alice.api('/api/relays/registry'))).relays.find((r) => r.key === relayId && r.staked));
    assert.equal(listed.stake, 20_000_000);
    const relayAddress = listed.addresses.find((a) => a.includes('/127.0.0.1/') && !a.includes('/ws'))!;

    let bob = await net.start('full-3', { ...NO_RELAYER, DCHAT_DELIVERY_PROOF_BATCH: '5', DCHAT_HOME_RELAYS: relayAddress });
    const bobId = await createIdentity(bob, 'bob');
    await waitFor('Bob subscribed at the relay', async () => (await json<{ relays: Array<{ connected: boolean }> }>(bob.api('/api/relays'))).relays.every((r) => r.connected) || undefined);
    const chat = await addContact(alice, bob);
    await sendAndWait(alice, bob, chat, 'hello Bob');
    await bob.stop();
    for (let i = 0; i < 5; i++) await send(alice, chat, `while you were away ${i}`);
    await waitFor('the relay holding the mail', async () => ((await json<{ messages_held: number }>(relayNode.api('/api/relay'))).messages_held >= 5) || undefined, 30_000);
    bob = await net.start('full-3', { ...NO_RELAYER, DCHAT_DELIVERY_PROOF_BATCH: '5', DCHAT_HOME_RELAYS: relayAddress });
    const paid = await waitFor('the relay paid for the proved deliveries', async () => (await json<RelayRegistry>(alice.api('/api/relays/registry'))).relays.find((r) => r.key === relayId && r.deliveries_paid > 0), 60_000);
    assert.ok(paid.deliveries_paid >= 5, `${paid.deliveries_paid} deliveries paid`);
    assert.equal(paid.rewards_earned, paid.deliveries_paid * 1_000, 'the reward per message, from the pool');
    assert.ok(paid.delivered >= paid.deliveries_paid);
    const reward = await waitFor('the reward packet acknowledged', async () =>
      (await json<{ packets: BridgePacketView[] }>(alice.api('/api/bridge/packets?all=true&limit=500'))).packets.find((p) => p.app === 'reward' && p.recipient === relayId && p.state === 'Executed'),
    );
    assert.equal(reward.sender, bobId, "the proof is Bob's");
  });
});
