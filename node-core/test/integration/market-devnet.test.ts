/**
 * The marketplace across real processes: a devnet of one validator and three full nodes — the
 * seller, the buyer and the moderator each on their own node. Orders are read from the currency
 * chain by every node alike: list → buy → deliver → confirm; the seller offline at purchase and
 * delivering after it is back; the written timeout rules (refund if undelivered, payout if
 * delivered); disputes decided as a refund and as a split; and the refusals (a forged listing, a
 * listing edited by someone else, a second outcome for one escrow, a rating without a purchase).
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { decodeBlock } from '../../chain/blocks.ts';
import { decodeTx, signTx, type TxBody } from '../../chain/transactions.ts';
import { generateSigningKeyPair } from '../../crypto/signing.ts';
import type { ListingView, OrderView, Wallet } from '../../domain/chain-model.ts';
import { createDevnet, type Devnet } from '../helpers/devnet.ts';
import { json, waitFor } from '../helpers/p2p-net.ts';
import { killAllNodes, type RunningNode } from '../helpers/spawn-node.ts';

const ESCROW_SECS = 12;
const ENV = { DCHAT_MARKETPLACE_ESCROW_TIMEOUT_SECS: String(ESCROW_SECS) };

interface Party {
  node: RunningNode;
  id: string;
}

const post = <T>(p: Party, url: string, body: Record<string, unknown> = {}) => json<T>(p.node.api(url, { json: { identity_id: p.id, ...body } }));
const order = (p: Party, id: string) => json<OrderView>(p.node.api(`/api/marketplace/orders/${id}?identity_id=${p.id}`));
const act = (p: Party, id: string, action: string, body: Record<string, unknown> = {}) => post<{ status: string }>(p, `/api/marketplace/orders/${id}/${action}`, body);
const balance = async (p: Party) => (await json<Wallet>(p.node.api(`/api/wallet?identity_id=${p.id}`))).balance;
/** Waits until `p`'s node shows the order in `state` (each node reads it from its own copy of the chain). */
const seen = (p: Party, id: string, state: string) =>
  waitFor(`order ${id.slice(0, 8)} ${state} at ${p.id.slice(0, 8)}`, async () => {
    const res = await p.node.api(`/api/marketplace/orders/${id}?identity_id=${p.id}`);
    if (res.status !== 200) return undefined;
    const o = (await res.json()) as OrderView;
    return o.state === state ? o : undefined;
  }, 30_000);

async function refused(res: Promise<Response>, code: RegExp): Promise<void> {
  const answer = await res;
  const body = (await answer.json()) as { error: string; message: string };
  assert.equal(answer.status, 422, JSON.stringify(body));
  assert.match(body.message, code);
}

describe('the marketplace on a devnet of real processes', { timeout: 240_000 }, () => {
  let net: Devnet;
  let seller: Party;
  let buyer: Party;
  let moderator: Party;
  let listing: ListingView;
  const buy = async () => (await post<{ order_id: string; status: string }>(buyer, '/api/marketplace/orders', { listing_id: listing.id, moderator: moderator.id })).order_id;

  before(async () => {
    net = await createDevnet(1, 3);
    await Promise.all(net.names.map((n) => net.start(n, ENV)));
    const party = async (name: string, username: string): Promise<Party> => {
      const node = net.node(name);
      const id = (await json<{ id: string }>(node.api('/api/identities', { json: { username } }))).id;
      await json(node.api('/api/wallet/faucet', { json: { identity_id: id } }));
      return { node, id };
    };
    [seller, buyer, moderator] = await Promise.all([party('full-0', 'seller'), party('full-1', 'buyer'), party('full-2', 'moderator')]);
    await post(moderator, '/api/marketplace/moderators', { fee_fixed: 100_000, fee_bp: 200, description: 'fair' });
    const sold = await post<{ listing_id: string }>(seller, '/api/marketplace/listings', { type: 'sticker_pack', title: 'Cats, vol. 1', description: 'twelve cats', price: 5_000_000, preview: 'ab'.repeat(32), content: 'cd'.repeat(32), license: 'personal use' });
    listing = await waitFor('the listing at the buyer', async () => (await json<{ listings: ListingView[] }>(buyer.node.api('/api/marketplace/listings?q=cats&type=sticker_pack'))).listings.find((l) => l.id === sold.listing_id));
  });
  after(killAllNodes);

  it('list → buy → deliver → confirm, each party on its own node; the seller is paid less the network fee', async () => {
    const start = await balance(seller);
    const id = await buy();
    const atSeller = await seen(seller, id, 'PAID');
    assert.deepEqual(atSeller.actions, ['deliver', 'cancel', 'dispute']);
    await act(seller, id, 'deliver');
    const atBuyer = await seen(buyer, id, 'DELIVERED');
    assert.deepEqual(atBuyer.actions, ['confirm', 'dispute']);
    await act(buyer, id, 'confirm');
    const done = await seen(seller, id, 'COMPLETED');
    assert.deepEqual(done.paid, { buyer: 0, seller: 4_950_000, moderator: 0, fee: 50_000 });
    assert.equal(await balance(seller), start + 4_950_000 - 1_000, 'paid, less its own delivery fee');
    await refused(seller.node.api(`/api/marketplace/orders/${id}/confirm`, { json: { identity_id: seller.id } }), /not-buyer|wrong-state/);
    await refused(buyer.node.api(`/api/marketplace/orders/${id}/confirm`, { json: { identity_id: buyer.id } }), /wrong-state/);
    const rated = await post<{ status: string }>(buyer, `/api/marketplace/orders/${id}/rating`, { scores: { overall: 5, quality: 5, description: 4, delivery: 5 }, text: 'lovely' });
    assert.equal(rated.status, 'final');
    await refused(moderator.node.api(`/api/marketplace/orders/${id}/rating`, { json: { identity_id: moderator.id, scores: { overall: 1, quality: 1, description: 1, delivery: 1 } } }), /not-buyer/);
    const stats = await waitFor('the creator statistics at the moderator', async () => {
      const s = await json<{ sales: number; rating: number | null }>(moderator.node.api(`/api/marketplace/creators/${seller.id}`));
      return s.rating !== null ? s : undefined;
    });
    assert.deepEqual([stats.sales, stats.rating], [1, 5]);
  });

  it('the seller offline at purchase delivers once it is back: the order waits on the chain', async () => {
    await seller.node.stop();
    const id = await buy();
    assert.equal((await order(buyer, id)).state, 'PAID');
    seller = { ...seller, node: await net.start('full-0', ENV) };
    await seen(seller, id, 'PAID');
    await act(seller, id, 'deliver');
    await act(buyer, id, 'confirm');
    await seen(seller, id, 'COMPLETED');
  });

  it('timeouts by the written rule: undelivered → REFUNDED, delivered → PAYMENT_FINALIZED', async () => {
    const undelivered = await buy();
    const delivered = await buy();
    await seen(seller, delivered, 'PAID');
    await act(seller, delivered, 'deliver');
    await refused(moderator.node.api(`/api/marketplace/orders/${undelivered}/timeout`, { json: { identity_id: moderator.id } }), /not-timed-out/);
    await new Promise((resolve) => setTimeout(resolve, ESCROW_SECS * 1000 + 1_500));
    await act(moderator, undelivered, 'timeout');
    await act(moderator, delivered, 'timeout');
    assert.equal((await seen(buyer, undelivered, 'REFUNDED')).paid?.buyer, 5_000_000);
    assert.equal((await seen(seller, delivered, 'PAYMENT_FINALIZED')).paid?.seller, 4_950_000);
    await refused(buyer.node.api(`/api/marketplace/orders/${undelivered}/rating`, { json: { identity_id: buyer.id, scores: { overall: 1, quality: 1, description: 1, delivery: 1 } } }), /no-purchase/);
  });

  it('disputes decided by the moderator: a refund and a split, each accepted by a party; the moderator is paid its fee', async () => {
    const refund = await buy();
    const split = await buy();
    await seen(seller, split, 'PAID');
    await act(seller, split, 'deliver');
    await act(buyer, refund, 'dispute', { claim: 'it never came' });
    await seen(seller, split, 'DELIVERED');
    await act(seller, split, 'dispute', { claim: 'the buyer does not confirm' });
    await seen(moderator, refund, 'DISPUTED');
    const fee = 100_000 + 5_000_000 * 0.02;
    await refused(moderator.node.api(`/api/marketplace/orders/${refund}/decide`, { json: { identity_id: moderator.id, buyer: 5_000_000, seller: 0 } }), /bad-split/);
    await act(moderator, refund, 'decide', { buyer: 5_000_000 - fee, seller: 0 });
    await seen(moderator, split, 'DISPUTED');
    await act(moderator, split, 'decide', { buyer: 2_400_000, seller: 2_400_000 });
    await seen(seller, refund, 'DECIDED');
    await act(seller, refund, 'accept');
    await seen(buyer, split, 'DECIDED');
    await act(buyer, split, 'accept');
    assert.deepEqual((await seen(buyer, refund, 'RESOLVED')).paid, { buyer: 4_800_000, seller: 0, moderator: fee, fee: 0 });
    assert.deepEqual((await seen(seller, split, 'RESOLVED')).paid, { buyer: 2_400_000, seller: 2_376_000, moderator: fee, fee: 24_000 });
  });

  it('refuses a forged listing and a listing edited by someone else', async () => {
    await refused(buyer.node.api(`/api/marketplace/listings/${listing.id}`, { method: 'PUT', json: { identity_id: buyer.id, type: 'sticker_pack', title: 'mine now', price: 1, preview: 'ab'.repeat(32), content: 'cd'.repeat(32) } }), /not-seller/);
    // The buyer's honest order, from the currency chain as the validator stored it, re-signed by a peer with a lower price.
    const id = await buy();
    const paid = await seen(buyer, id, 'PAID');
    const db = new Database(path.join(net.dir, 'validator-0', 'dchat.db'), { readonly: true });
    const chain = (await json<{ currency: { chain_id: string } }>(buyer.node.api('/api/chains'))).currency.chain_id;
    const row = db.prepare('SELECT block FROM chain_blocks WHERE chain = ? AND height = ?').get(chain, paid.funded.height) as { block: Uint8Array };
    db.close();
    const honest = decodeBlock(row.block).txs.map((t) => decodeTx(t, { max_tx_bytes: 4_096, max_relay_tx_bytes: 262_144 }).tx.body).find((b) => b.kind === 'order_fund');
    assert.ok(honest && honest.kind === 'order_fund');
    const peer = generateSigningKeyPair();
    const submit = async (nonce: number, body: TxBody) => {
      const tx = signTx(peer.secretKey, { chain, from: peer.publicKey, nonce, fee: nonce === 0 ? 0 : 1_000, body });
      return buyer.node.api('/api/chains/currency/transactions', { json: { chain: 'currency', tx: Buffer.from(tx.bytes).toString('hex'), wait: true } });
    };
    assert.equal((await submit(0, { kind: 'faucet' })).status, 202);
    await refused(submit(1, { ...honest, listing: { ...honest.listing, price: 1 } }), /bad-listing/);
    await refused(submit(1, { ...honest, listing: { ...honest.listing, seller: peer.publicKey } }), /bad-listing|own-listing/);
  });
});
