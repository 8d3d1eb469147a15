import { createHmac } from 'node:crypto';
import { signingPublicKey } from '../crypto/signing.ts';
import { bytesToHex, hexToBytes } from '../crypto/hex.ts';
import type { DirectoryAnswer, SubmittedTransaction, Wallet, WalletHistoryEntry } from '../domain/chain-model.ts';
import { BlockNotFoundError, ChainUnavailableError, IdentityLockedError, UsernameNotFoundError, IdentityNotFoundError, NoIdentityError, TransactionRejectedError, UsernameTakenError, ValidationError } from '../domain/errors.ts';
import type { RotatedUsername } from '../domain/model.ts';
import type { Store } from '../store/store.ts';
import type { Block } from './blocks.ts';
import { blockView, directoryView, historyEntry, txView } from './chain-views.ts';
import { nextNonce, refusalOf, type ChainNode } from './chain-node.ts';
import type { Chains } from './chains-service.ts';
import { COIN } from './chain-setup.ts';
import { readAccount, TxRejectedError, type DirectoryRecord } from './ledger-rules.ts';
import { MempoolError } from './mempool.ts';
import { verifyStateProof, encodeStateProof } from './state-tree.ts';
import { keyBytes, StateView } from './state-view.ts';
import { decodeTx, feeExempt, rotateConsentStatement, signTx, TxFormatError, type DecodedTx, type TxBody } from './transactions.ts';

/**
 * What a person does with the ledgers through the API: their wallet on the currency chain (the
 * account is their identity key), transfers, stakes, the devnet faucet, and their username in the
 * chat chain's directory. Transactions are signed with the identity's key, held by the key ring.
 */

export interface WalletInit {
  readonly chains: Chains;
  readonly store: Store;
  /** The unlocked secret key of a local identity. */
  secretKey(identityId: string): Uint8Array | undefined;
  /** This identity's signed identity record and the hash of its signed prekey, for the directory. */
  directoryEntry(identityId: string): { record: Uint8Array; prekeys: Uint8Array };
}

const FINAL_WAIT_MS = 30_000;

/** What a submitter hears: pending at once, or (waiting) final with its height, pending if it is not final in time. */
/** `wait`: false answers at once, true waits up to FINAL_WAIT_MS for finality, a number waits that many ms. */
export type FinalWait = boolean | number;

async function outcome(node: ChainNode, id: string, wait: FinalWait): Promise<SubmittedTransaction> {
  const answer = { tx_id: id, chain_id: node.committed.chain };
  if (wait === false || wait === 0) return { ...answer, status: 'pending', height: null };
  const height = await node.finalized(id, wait === true ? FINAL_WAIT_MS : wait).catch(() => null);
  return { ...answer, status: height === null ? 'pending' : 'final', height };
}

export function createWalletService(init: WalletInit) {
  const { chains, store } = init;

  const identity = (identityId?: string): string => {
    if (identityId) {
      if (!store.repos.identities.get(identityId)) throw new IdentityNotFoundError(`no local identity with id ${identityId}`);
      return identityId;
    }
    const fallback = store.repos.identities.getDefault();
    if (!fallback) throw new NoIdentityError('create an identity first (POST /api/identities)');
    return fallback.id;
  };

  const secretOf = (id: string): Uint8Array => {
    const secret = init.secretKey(id);
    if (!secret) throw new IdentityLockedError('unlock the identity first (POST /api/identities/:id/unlock)');
    return secret;
  };

  /** `body` may depend on the nonce (an order's id is its buyer's and nonce's hash). */
  async function submit(node: ChainNode, identityId: string | undefined, body: TxBody | ((nonce: number) => TxBody), fee: number | undefined, wait: FinalWait): Promise<SubmittedTransaction & { nonce: number }> {
    const id = identity(identityId);
    return submitWith(node, secretOf(id), hexToBytes(id), body, fee, wait);
  }

  async function submitWith(node: ChainNode, secret: Uint8Array, from: Uint8Array, bodyOf: TxBody | ((nonce: number) => TxBody), fee: number | undefined, wait: FinalWait): Promise<SubmittedTransaction & { nonce: number }> {
    const params = node.committed.genesis.params;
    const nonce = nextNonce(node, bytesToHex(from));
    const body = typeof bodyOf === 'function' ? bodyOf(nonce) : bodyOf;
    const signed = signTx(secret, { chain: node.committed.chain, from, nonce, fee: fee ?? (feeExempt({ from, body }) ? 0 : params.min_fee), body });
    refuseEarly(node, signed);
    try {
      node.submit(signed.bytes);
    } catch (err) {
      throw asDomainError(err);
    }
    return { ...(await outcome(node, signed.id, wait)), nonce: signed.tx.nonce };
  }

  /** What the chain's rules would say now (after the sender's waiting transactions): a refusal is named at once instead of never becoming final. */
  function refuseEarly(node: ChainNode, signed: DecodedTx, nonceMayWait = false): void {
    const refused = refusalOf(node, signed);
    if (refused && !(nonceMayWait && refused.code === 'bad-nonce')) throw asDomainError(refused);
  }

  function wallet(identityId?: string): Wallet {
    const id = identity(identityId);
    const node = chains.currency;
    const account = readAccount(new StateView(node.committed.top.tree), hexToBytes(id));
    const params = node.committed.genesis.params;
    return {
      address: id,
      identity_id: id,
      balance: account.balance,
      staked: account.staked,
      unbonding: account.unbonding.map(([amount, release_height]) => ({ amount, release_height })),
      nonce: account.nonce,
      pending: node.mempool.pendingFor(id).map(txView),
      min_fee: params.min_fee,
      faucet_amount: params.faucet_amount,
      chain_id: node.committed.chain,
      final_height: node.committed.top.height,
      decimals: Math.log10(COIN),
      symbol: 'DCT',
      chat_balance: readAccount(new StateView(chains.chat.committed.top.tree), hexToBytes(id)).balance,
      chat_chain_id: chains.chat.committed.chain,
      chat_min_fee: chains.chat.committed.genesis.params.min_fee,
    };
  }

  function history(identityId: string | undefined, limit: number): WalletHistoryEntry[] {
    const id = identity(identityId);
    const node = chains.currency;
    const max = node.committed.genesis.params;
    const blocks = new Map<number, Block | undefined>();
    const out: WalletHistoryEntry[] = [];
    for (const { height, position } of node.committed.accountTxs(hexToBytes(id), limit)) {
      if (!blocks.has(height)) blocks.set(height, node.committed.block(height)?.block);
      const block = blocks.get(height);
      const encoded = block?.txs[position];
      if (block && encoded) out.push(historyEntry(id, height, block.header.time, decodeTx(encoded, max)));
    }
    return out;
  }

  function lookup(username: string): DirectoryAnswer {
    const committed = chains.chat.committed;
    const top = committed.top;
    const key = keyBytes(`n/${username}`);
    const value = top.tree.get(key);
    const proof = top.tree.prove(key);
    const record = value === undefined ? undefined : new StateView(top.tree).read<DirectoryRecord>(`n/${username}`);
    return {
      username,
      record: record ? directoryView(record) : null,
      height: top.height,
      state_root: bytesToHex(top.tree.root),
      block_hash: bytesToHex(top.hash),
      proof: encodeStateProof(proof),
      verified: verifyStateProof(top.tree.root, key, value, proof),
    };
  }

  /** The signed identity record a username names, from a proof-checked directory answer. */
  function resolve(username: string): Uint8Array {
    const answer = lookup(username);
    if (!answer.verified) throw new ChainUnavailableError('the directory answer did not verify against the final state root');
    const record = answer.record ? new StateView(chains.chat.committed.top.tree).read<DirectoryRecord>(`n/${username}`) : undefined;
    if (!record) throw new UsernameNotFoundError(`nobody registered ${username} on ${chains.chat.committed.chain} (final height ${answer.height})`);
    return record.record;
  }

  async function submitSigned(kind: 'chat' | 'currency', bytes: Uint8Array, wait: boolean): Promise<SubmittedTransaction> {
    const node = chains.byKind(kind);
    let entry;
    try {
      // Refused by name now if it cannot apply; one whose nonce follows others still on their way is judged when they are in.
      refuseEarly(node, decodeTx(bytes, node.committed.genesis.params), true);
      entry = await node.submitAsync(bytes);
    } catch (err) {
      throw asDomainError(err);
    }
    return outcome(node, entry.id, wait);
  }

  return {
    /** Any transaction signed by a local identity, checked against the chain's rules first (the bridge's path). */
    async submitAs(kind: 'chat' | 'currency', identityId: string | undefined, body: TxBody | ((nonce: number) => TxBody), wait: FinalWait): Promise<SubmittedTransaction & { nonce: number }> {
      const id = identity(identityId);
      if (kind === 'chat') await ensureChatFunds(id, chains.chat.committed.genesis.params.min_fee);
      return submit(chains.byKind(kind), id, body, undefined, wait);
    },
    identity,
    /**
     * A key only this identity can derive again, for one purpose named by `label` (an order's
     * one-time rating key): HMAC-SHA-256 of the identity's secret key, so nothing new is stored.
     */
    derivedKey: (identityId: string, label: string): Uint8Array => createHmac('sha256', secretOf(identity(identityId))).update(label).digest(),
    /** A transaction signed by a key that is not an identity (its own account: an anonymous rating). */
    submitWithKey: (kind: 'chat' | 'currency', secret: Uint8Array, body: TxBody, wait: boolean) => submitWith(chains.byKind(kind), secret, signingPublicKey(secret), body, undefined, wait),
    /** A transaction on the chat chain signed by a local identity (the relay registry's announcements); a devnet's faucet pays its fee. */
    async submitChat(identityId: string | undefined, body: TxBody, wait: boolean): Promise<SubmittedTransaction> {
      const id = identity(identityId);
      await ensureChatFunds(id, chains.chat.committed.genesis.params.min_fee);
      return submit(chains.chat, id, body, undefined, wait);
    },
    wallet,
    history,
    resolve,
    submitSigned,
    transfer: (i: { identity_id?: string | undefined; to: string; amount: number; fee?: number | undefined; memo?: string | undefined; wait: boolean }) =>
      submit(chains.currency, i.identity_id, { kind: 'transfer', to: hexToBytes(i.to), amount: i.amount, ...(i.memo ? { memo: i.memo } : {}) }, i.fee, i.wait),
    stake: (i: { identity_id?: string | undefined; amount: number; fee?: number | undefined; wait: boolean }) => submit(chains.currency, i.identity_id, { kind: 'stake', amount: i.amount }, i.fee, i.wait),
    unstake: (i: { identity_id?: string | undefined; amount: number; fee?: number | undefined; wait: boolean }) => submit(chains.currency, i.identity_id, { kind: 'unstake', amount: i.amount }, i.fee, i.wait),
    faucet: (i: { identity_id?: string | undefined; wait: boolean }) => submit(chains.currency, i.identity_id, { kind: 'faucet' }, 0, i.wait),
    lookup,
    async register(i: { id: string; username: string; wait: boolean }) {
      const entry = init.directoryEntry(identity(i.id));
      const fee = chains.chat.committed.genesis.params.min_fee;
      // The chat chain's fee and the username fee come from the chat chain's faucet on a devnet.
      await ensureChatFunds(i.id, fee + chains.chat.committed.genesis.params.username_fee);
      const result = await submit(chains.chat, i.id, { kind: 'register', username: i.username, record: entry.record, prekeys: entry.prekeys }, fee, i.wait);
      return { ...result, username: i.username };
    },
    rotate,
    block(kind: 'chat' | 'currency', height: number) {
      const node = chains.byKind(kind);
      const found = node.committed.block(height);
      if (!found) throw new BlockNotFoundError(`${node.committed.chain} has no final block ${height} here (final height ${node.committed.top.height})`);
      return blockView(found.block, found.certificate, node.committed.genesis.params);
    },
  };

  /**
   * Moves the username `i.id` holds to the local identity `i.to`: the old key signs the rotation,
   * the new key its consent, and the rotation carries the new key's own signed record.
   */
  async function rotate(i: { id: string; to: string; wait: boolean }): Promise<RotatedUsername> {
    const from = identity(i.id);
    const to = identity(i.to);
    if (from === to) throw new ValidationError('to: the username can only move to another identity', [{ path: 'to', message: 'the same identity' }]);
    const newSecret = init.secretKey(to);
    if (!newSecret) throw new IdentityLockedError('unlock the new identity first (POST /api/identities/:id/unlock): it signs its consent');
    const node = chains.chat;
    const username = new StateView(node.committed.top.tree).read<string>(`k/${from}`);
    if (!username) throw new UsernameNotFoundError(`identity ${from} holds no username on ${node.committed.chain}`);
    const fee = node.committed.genesis.params.min_fee;
    await ensureChatFunds(from, fee);
    await ensureChatFunds(to, fee);
    const new_key_sig = rotateConsentStatement.sign(newSecret, { chain: node.committed.chain, username, old_key: hexToBytes(from) });
    const entry = init.directoryEntry(to);
    const rotated = await submit(node, from, { kind: 'rotate', new_key: hexToBytes(to), new_key_sig, record: entry.record, prekeys: entry.prekeys }, fee, i.wait);
    return { username, identity_id: to, previous_identity_id: from, rotate: { tx_id: rotated.tx_id, status: rotated.status, height: rotated.height } };
  }

  async function ensureChatFunds(identityId: string, needed: number): Promise<void> {
    const node = chains.chat;
    const account = readAccount(new StateView(node.committed.top.tree), hexToBytes(identityId));
    if (account.balance >= needed || node.committed.genesis.params.faucet_amount === 0) return;
    await submit(node, identityId, { kind: 'faucet' }, 0, true);
  }
}

export type WalletService = ReturnType<typeof createWalletService>;

function asDomainError(err: unknown): Error {
  if (err instanceof TxRejectedError) {
    if (err.code === 'username-taken') return new UsernameTakenError(err.message);
    return new TransactionRejectedError(`${err.code}: ${err.message}`);
  }
  if (err instanceof MempoolError) return new TransactionRejectedError(`${err.code}: ${err.message}`);
  if (err instanceof TxFormatError) return new TransactionRejectedError(`malformed: ${err.message}`);
  return err as Error;
}
