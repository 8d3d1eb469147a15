import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SigningKeyPair } from '../../crypto/signing.ts';
import { MAX_REWARDED_PER_PROOF } from '../../chain/bridge-rules.ts';
import { bridgeKeys, clientRecoveryStatement, type Packet, type Receipt } from '../../chain/bridge-wire.ts';
import { blockHash, validatorSetHash } from '../../chain/blocks.ts';
import type { Execution } from '../../chain/ledger.ts';
import type { RelayListing } from '../../chain/ledger-rules.ts';
import type { LightClient } from '../../chain/light-client.ts';
import { validatorSetStatement, type TxBody } from '../../chain/transactions.ts';
import { certify, keys } from '../helpers/chain-fixtures.ts';
import { fund, network, type Chain } from '../helpers/two-chains.ts';

/**
 * The bridge's rules over two real ledgers (each the real rules, blocks certified with real
 * validator signatures): packets both ways, timeouts, and every proof a chain must refuse.
 */

const relayer = keys(1)[0]!;
const [alice, bob] = keys(2);


const packetAt = (source: Chain, dest: Chain, seq: number) => source.read<Packet>(bridgeKeys.packet(dest.genesis.chain_id, seq))!;
const recvBody = (source: Chain, dest: Chain, seqs: number[], header = source.header()): TxBody => ({
  kind: 'bridge_recv',
  header,
  packets: seqs.map((seq) => ({ packet: packetAt(source, dest, seq), proof: source.prove(bridgeKeys.packet(dest.genesis.chain_id, seq)) })),
});
const ackBody = (source: Chain, dest: Chain, seqs: number[]): TxBody => ({
  kind: 'bridge_ack',
  header: dest.header(),
  acks: seqs.map((seq) => ({ seq, receipt: dest.read<Receipt>(bridgeKeys.receipt(source.genesis.chain_id, seq))!, proof: dest.prove(bridgeKeys.receipt(source.genesis.chain_id, seq)) })),
});
const timeoutBody = (source: Chain, dest: Chain, seqs: number[]): TxBody => ({
  kind: 'bridge_timeout',
  header: dest.header(),
  packets: seqs.map((seq) => ({ seq, proof: dest.prove(bridgeKeys.receipt(source.genesis.chain_id, seq)) })),
});
const send = (source: Chain, from: SigningKeyPair, amount: number, timeout = source.top.time + 60_000, to = from.publicKey) =>
  source.block([source.tx(from, { kind: 'bridge_send', timeout, payload: { app: 'transfer', to, amount } })]);
/** A relaying step: the body from the relayer, in the next block of `chain`. */
const relay = (chain: Chain, body: TxBody, time?: number) => chain.block([chain.tx(relayer, body)], time);

describe('bridge: packets between the chains', () => {
  it('moves funds to the chat chain and back; escrow backs what the chat chain holds', () => {
    const { chat, currency } = network();
    fund(currency, alice!, relayer);
    fund(chat, relayer);
    const start = currency.balance(alice!);
    assert.deepEqual(send(currency, alice!, 5_000_000), []);
    assert.equal(currency.read(bridgeKeys.escrow(chat.genesis.chain_id)), 5_000_000);
    assert.deepEqual(relay(chat, recvBody(currency, chat, [1])), []);
    assert.equal(chat.balance(alice!), 5_000_000, 'minted on the chat chain');
    assert.deepEqual(relay(currency, ackBody(currency, chat, [1])), []);
    assert.deepEqual(currency.read(bridgeKeys.outcome(chat.genesis.chain_id, 1)), { state: 'executed', ok: true, height: currency.top.height });

    // Back: burned on the chat chain at the acknowledgement, released from escrow on the currency chain.
    assert.deepEqual(send(chat, alice!, 2_000_000), []);
    assert.deepEqual(relay(currency, recvBody(chat, currency, [1])), []);
    assert.deepEqual(relay(chat, ackBody(chat, currency, [1])), []);
    assert.equal(currency.balance(alice!), start - 5_000_000 - currency.genesis.params.min_fee + 2_000_000);
    assert.equal(currency.read(bridgeKeys.escrow(chat.genesis.chain_id)), 3_000_000);
    assert.equal(chat.read(bridgeKeys.escrow(currency.genesis.chain_id)), 0, 'nothing left held on the chat chain');
    assert.equal(chat.balance(alice!), 3_000_000 - chat.genesis.params.min_fee);
  });

  it('executes a packet once: a replayed proof receives nothing, a second acknowledgement settles nothing', () => {
    const { chat, currency } = network();
    fund(currency, alice!, relayer);
    fund(chat, relayer);
    send(currency, alice!, 1_000_000);
    const body = recvBody(currency, chat, [1]);
    assert.deepEqual(relay(chat, body), []);
    assert.deepEqual(relay(chat, body), ['nothing-to-receive']);
    assert.equal(chat.balance(alice!), 1_000_000);
    const ack = ackBody(currency, chat, [1]);
    assert.deepEqual(relay(currency, ack), []);
    assert.deepEqual(relay(currency, ack), ['nothing-to-acknowledge']);
  });

  it('refuses a forged packet, a forged receipt and a proof for the wrong chain', () => {
    const { chat, currency } = network();
    fund(currency, alice!, relayer);
    fund(chat, relayer);
    send(currency, alice!, 1_000_000);
    const honest = recvBody(currency, chat, [1]) as Extract<TxBody, { kind: 'bridge_recv' }>;
    const inflated = { ...honest, packets: [{ ...honest.packets[0]!, packet: { ...honest.packets[0]!.packet, payload: { app: 'transfer' as const, to: alice!.publicKey, amount: 9_000_000 } } }] };
    assert.deepEqual(relay(chat, inflated), ['bad-proof']);
    const redirected = { ...honest, packets: [{ ...honest.packets[0]!, packet: { ...honest.packets[0]!.packet, payload: { app: 'transfer' as const, to: bob!.publicKey, amount: 1_000_000 } } }] };
    assert.deepEqual(relay(chat, redirected), ['bad-proof']);
    // The currency chain's own packet shown back to it: not for this chain.
    assert.deepEqual(relay(currency, { ...honest, header: chat.header() }), ['wrong-chain']);
    assert.deepEqual(relay(chat, honest), []);
    const ack = ackBody(currency, chat, [1]) as Extract<TxBody, { kind: 'bridge_ack' }>;
    const forged = { ...ack, acks: [{ ...ack.acks[0]!, receipt: { ...ack.acks[0]!.receipt, ok: false, error: 'made-up' } }] };
    assert.deepEqual(relay(currency, forged), ['bad-proof'], 'a refusal the chat chain never wrote would refund the sender twice');
  });

  it('refuses a header certified by a validator set the client does not trust', () => {
    const { chat, currency } = network({}, 4);
    fund(currency, alice!, relayer);
    fund(chat, relayer);
    assert.deepEqual(relay(chat, { kind: 'bridge_update', header: currency.header() }), [], 'the client leaves genesis');
    send(currency, alice!, 1_000_000);
    const honest = recvBody(currency, chat, [1]);
    // The same block signed by four strangers.
    const strangers = keys(4);
    const header = currency.header();
    const { execution } = { execution: { block: { header: header.header }, hash: blockHash(header.header) } as unknown as Execution };
    const fakeCert = certify(currency.genesis.chain_id, execution, strangers, [0, 1, 2]);
    assert.deepEqual(relay(chat, { ...honest, header: { ...header, cert: fakeCert } } as TxBody), ['bad-certificate']);
    // A header naming the strangers' set: without the set, with another set, and with it (too few trusted signers).
    const strangerSet = { set: strangers.map((p, i) => ({ name: `s${i}`, key: p.publicKey })), quorum: 3, faults: 1 };
    assert.deepEqual(relay(chat, { ...honest, header: { ...header, cert: fakeCert, set: strangerSet } } as TxBody), ['bad-certificate'], 'the header names the trusted set: an included set changes nothing');
    const forgedHeader = { ...header.header, validators: validatorSetHash(strangerSet.set, 3) };
    const forgedCert = certify(currency.genesis.chain_id, { block: { header: forgedHeader }, hash: blockHash(forgedHeader) } as unknown as Execution, strangers, [0, 1, 2]);
    assert.deepEqual(relay(chat, { ...honest, header: { header: forgedHeader, cert: forgedCert } } as TxBody), ['unknown-validators']);
    assert.deepEqual(relay(chat, { ...honest, header: { header: forgedHeader, cert: forgedCert, set: { ...strangerSet, quorum: 4 } } } as TxBody), ['unknown-validators']);
    assert.deepEqual(relay(chat, { ...honest, header: { header: forgedHeader, cert: forgedCert, set: strangerSet } } as TxBody), ['untrusted-validators']);
    // Two of the three signatures a quorum needs.
    const short = { ...header, cert: { ...header.cert, sigs: header.cert.sigs.slice(0, 2) } };
    assert.deepEqual(relay(chat, { ...honest, header: short } as TxBody), ['bad-certificate']);
    assert.deepEqual(relay(chat, honest), []);
  });

  it('follows a validator set change by skipping verification (f + 1 trusted signers)', () => {
    const { chat, currency, currencyValidators } = network({}, 4);
    fund(currency, alice!, relayer);
    fund(chat, relayer);
    assert.deepEqual(relay(chat, { kind: 'bridge_update', header: currency.header() }), [], 'the client leaves genesis');
    // The currency chain replaces one validator (a certified transaction of its current quorum).
    const newcomer = keys(1)[0]!;
    const set = [...currencyValidators.slice(0, 3), newcomer].map((p, i) => ({ name: `n${i}`, key: p.publicKey }));
    const approvals = [0, 1, 2].map((i): [number, Uint8Array] => [i, validatorSetStatement.sign(currencyValidators[i]!.secretKey, { chain: currency.genesis.chain_id, set, quorum: 3, faults: 1, nonce: 0 })]);
    assert.deepEqual(currency.block([currency.tx(relayer, { kind: 'validators', set, quorum: 3, faults: 1, approvals })]), []);
    currency.useSigners([...currencyValidators.slice(0, 3), newcomer]);
    send(currency, alice!, 1_000_000);
    const body = recvBody(currency, chat, [1]) as Extract<TxBody, { kind: 'bridge_recv' }>;
    assert.deepEqual(relay(chat, body), ['unknown-validators'], 'the header names the new set; without it the client cannot check');
    const newSet = { set, quorum: 3, faults: 1 };
    assert.deepEqual(relay(chat, { ...body, header: { ...body.header!, set: newSet } }), []);
    const client = chat.read<LightClient>(bridgeKeys.client(currency.genesis.chain_id))!;
    assert.equal(Buffer.compare(client.next_hash, validatorSetHash(set, 3)), 0, 'the client now trusts the new set');
  });

  it('rolls a packet back at its timeout with a proof that no receipt exists, and refuses it after', () => {
    const { chat, currency } = network();
    fund(currency, alice!, relayer);
    fund(chat, relayer);
    const before = currency.balance(alice!);
    send(currency, alice!, 4_000_000, currency.top.time + 5_000);
    chat.block([], currency.top.time + 1_000);
    assert.deepEqual(relay(currency, timeoutBody(currency, chat, [1])), ['not-timed-out']);
    chat.block([], currency.top.time + 10_000);
    assert.deepEqual(relay(chat, recvBody(currency, chat, [1])), ['nothing-to-receive'], 'past its timeout the destination does not execute it');
    chat.block([]);
    assert.deepEqual(relay(currency, timeoutBody(currency, chat, [1])), []);
    assert.equal(currency.balance(alice!), before - currency.genesis.params.min_fee, 'the held funds are back');
    assert.equal(currency.read(bridgeKeys.escrow(chat.genesis.chain_id)), 0);
    assert.deepEqual(relay(currency, timeoutBody(currency, chat, [1])), ['nothing-to-time-out'], 'once');
  });

  it('refuses to time out a packet the destination received', () => {
    const { chat, currency } = network();
    fund(currency, alice!, relayer);
    fund(chat, relayer);
    send(currency, alice!, 1_000_000, currency.top.time + 5_000);
    relay(chat, recvBody(currency, chat, [1]), currency.top.time + 500);
    chat.block([], currency.top.time + 10_000);
    assert.deepEqual(relay(currency, timeoutBody(currency, chat, [1])), ['bad-proof']);
    assert.deepEqual(relay(currency, ackBody(currency, chat, [1])), []);
  });

  it('refuses a header outside the trusting period; an expired client revives only by a certified recovery', () => {
    const { chat, currency, chatValidators } = network({ trusting_period_ms: 30_000 });
    fund(currency, alice!, relayer);
    // A network may start long after its genesis time: a client still at genesis has not begun to expire.
    chat.block([], currency.top.time + 60_000);
    fund(chat, relayer);
    currency.block([], chat.top.time);
    assert.deepEqual(relay(chat, { kind: 'bridge_update', header: currency.header() }), []);
    send(currency, alice!, 1_000_000);
    const old = recvBody(currency, chat, [1]);
    chat.block([], currency.top.time + 40_000);
    assert.deepEqual(relay(chat, old), ['outside-trusting-period']);
    // A fresh header, but the client last trusted one beyond the trusting period.
    currency.block([], currency.top.time + 40_000);
    assert.deepEqual(relay(chat, recvBody(currency, chat, [1])), ['client-expired']);
    // Recovery: this chain's validators approve a header of the other chain.
    const header = currency.header();
    const set = { set: currency.genesis.validators.map((v) => ({ name: v.name, key: Buffer.from(v.public_key, 'hex') })), quorum: currency.genesis.quorum, faults: 0 };
    const fields = { chain: chat.genesis.chain_id, client: currency.genesis.chain_id, height: header.header.height, hash: blockHash(header.header) };
    const stranger = keys(1)[0]!;
    assert.deepEqual(relay(chat, { kind: 'client_recover', header: { ...header, set }, approvals: [[0, clientRecoveryStatement.sign(stranger.secretKey, fields)]] }), ['not-certified']);
    assert.deepEqual(relay(chat, { kind: 'client_recover', header: { ...header, set }, approvals: [[0, clientRecoveryStatement.sign(chatValidators[0]!.secretKey, fields)]] }), []);
    assert.deepEqual(relay(chat, recvBody(currency, chat, [1])), []);
  });

  it('freezes the client when shown two certified headers for one height', () => {
    const { chat, currency, currencyValidators } = network();
    fund(currency, alice!, relayer);
    fund(chat, relayer);
    send(currency, alice!, 1_000_000);
    const honest = currency.header();
    assert.deepEqual(relay(chat, { kind: 'bridge_update', header: honest }), []);
    // The currency validators sign a second block at the same height (equivocation across the bridge).
    const conflicting = { ...honest.header, time: honest.header.time + 1 };
    const cert = certify(currency.genesis.chain_id, { block: { header: conflicting }, hash: blockHash(conflicting) } as unknown as Execution, currencyValidators);
    assert.deepEqual(relay(chat, { kind: 'bridge_update', header: { header: conflicting, cert } }), []);
    assert.match(chat.read<LightClient>(bridgeKeys.client(currency.genesis.chain_id))!.frozen ?? '', /two certified headers at height/);
    assert.deepEqual(relay(chat, recvBody(currency, chat, [1])), ['client-frozen']);
  });
});

describe('bridge: staked relays and their rewards', () => {
  it('carries a stake to the registry, pays a proved delivery once, and nothing to a relay without stake', () => {
    const { chat, currency } = network({ relay_reward_pool: 1_000_000_000, relay_reward_per_message: 1_000, min_relay_stake: 10_000_000 });
    const relayKey = keys(1)[0]!;
    const unstaked = keys(1)[0]!;
    fund(currency, relayKey, relayer);
    fund(chat, relayKey, unstaked, bob!, relayer);
    for (const r of [relayKey, unstaked]) assert.deepEqual(chat.block([chat.tx(r, { kind: 'relay', peer_id: '12D3KooWRelay', addresses: [] })]), []);
    assert.deepEqual(currency.block([currency.tx(relayKey, { kind: 'relay_stake', amount: 20_000_000 })]), []);
    assert.deepEqual(relay(chat, recvBody(currency, chat, [1])), []);
    assert.deepEqual(chat.read(bridgeKeys.relayStake(relayKey.publicKey)), { staked: 20_000_000, height: chat.top.height });

    // Bob proves 12 deliveries by the staked relay and 5 by the other: two reward packets.
    const root = Buffer.alloc(32, 7);
    assert.deepEqual(chat.block([chat.tx(bob!, { kind: 'delivery', relay: relayKey.publicKey, root, count: 12 })]), []);
    assert.deepEqual(chat.block([chat.tx(bob!, { kind: 'delivery', relay: relayKey.publicKey, root, count: 12 })]), ['proof-reused']);
    assert.deepEqual(chat.block([chat.tx(bob!, { kind: 'delivery', relay: unstaked.publicKey, root, count: 5 })]), []);
    assert.deepEqual(chat.block([chat.tx(relayKey, { kind: 'delivery', relay: relayKey.publicKey, root: Buffer.alloc(32, 8), count: 5 })]), ['self-delivery']);
    const before = currency.balance(relayKey);
    assert.deepEqual(relay(currency, recvBody(chat, currency, [1, 2])), []);
    assert.equal(currency.balance(relayKey) - before, 12_000);
    assert.deepEqual(currency.read(bridgeKeys.receipt(chat.genesis.chain_id, 2)), { ok: false, error: 'not-staked', height: currency.top.height });
    assert.equal(currency.read(bridgeKeys.rewardPool), 1_000_000_000 - 12_000);
    assert.deepEqual(currency.read(bridgeKeys.relayStake(relayKey.publicKey)), { staked: 20_000_000, earned: 12_000, deliveries: 12 });
    assert.deepEqual(relay(currency, recvBody(chat, currency, [1, 2])), ['nothing-to-receive'], 'a reused proof pays nothing');
    assert.equal(chat.read<RelayListing>(`l/${Buffer.from(relayKey.publicKey).toString('hex')}`)!.delivered, 12);
    // One proof is paid for at most MAX_REWARDED_PER_PROOF messages (it is the recipient's word alone).
    assert.deepEqual(chat.block([chat.tx(bob!, { kind: 'delivery', relay: relayKey.publicKey, root: Buffer.alloc(32, 9), count: 5_000 })]), []);
    const capped = packetAt(chat, currency, 3).payload;
    assert.deepEqual(capped.app === 'reward' ? capped.count : 0, MAX_REWARDED_PER_PROOF);
  });

  it('grants a paid channel membership on the chat chain, or refunds it when there is no such channel', () => {
    const { chat, currency } = network();
    const owner = keys(1)[0]!;
    fund(currency, alice!, relayer);
    fund(chat, owner, relayer);
    assert.deepEqual(chat.block([chat.tx(owner, { kind: 'channel', name: 'news', policy: 'invite' })]), []);
    const until = currency.top.time + 30 * 86_400_000;
    const buy = (channel: string) => currency.block([currency.tx(alice!, { kind: 'bridge_send', timeout: currency.top.time + 60_000, payload: { app: 'membership', channel, member: alice!.publicKey, until, price: 7_000_000, pay_to: owner.publicKey } })]);
    assert.deepEqual(buy('news'), []);
    assert.deepEqual(buy('nowhere'), []);
    const start = currency.balance(alice!);
    relay(chat, recvBody(currency, chat, [1, 2]));
    assert.equal(chat.read(bridgeKeys.membership('news', alice!.publicKey)), until);
    relay(currency, ackBody(currency, chat, [1, 2]));
    assert.equal(currency.balance(owner), 7_000_000, 'the owner is paid once the grant is proved');
    assert.equal(currency.balance(alice!), start + 7_000_000, 'the refused purchase is refunded');
  });

  it('refuses a staking transaction on the chat chain and a membership sent from it', () => {
    const { chat } = network();
    fund(chat, alice!);
    assert.deepEqual(chat.block([chat.tx(alice!, { kind: 'relay_stake', amount: 1 })]), ['wrong-chain']);
    assert.deepEqual(chat.block([chat.tx(alice!, { kind: 'bridge_send', timeout: chat.top.time + 1_000, payload: { app: 'membership', channel: 'x', member: alice!.publicKey, until: 1, price: 1, pay_to: alice!.publicKey } })]), ['wrong-chain']);
  });
});
