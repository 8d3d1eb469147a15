import { bytesToHex } from '@noble/hashes/utils.js';
import type { MethodInput, MethodName, MethodOutput } from '../../api/contract.ts';
import { rotateConsentStatement, signTx, type TxBody } from '../../chain/transactions.ts';
import { generateSigningKeyPair } from '../../crypto/signing.ts';
import { encodeIdentityRecord, encodeInvite, signIdentityRecord, type SignedIdentityRecord } from '../../wire/identity-record.ts';

/**
 * Someone elsewhere with a username on a node's chat chain: a raw Ed25519 key whose transactions
 * are signed here and submitted as an external wallet would (chains.submit), so one node can
 * watch a contact's key change without a second person's node.
 */

type Call = <M extends MethodName>(method: M, input: MethodInput<M>) => Promise<MethodOutput<M>>;

export interface RemoteKey {
  readonly publicKey: Uint8Array;
  readonly secretKey: Uint8Array;
  readonly hex: string;
  nonce: number;
}

export const remoteKey = (): RemoteKey => {
  const pair = generateSigningKeyPair();
  return { ...pair, hex: bytesToHex(pair.publicKey), nonce: 0 };
};

export function recordOf(key: RemoteKey, displayName: string, peerId: string): SignedIdentityRecord {
  return signIdentityRecord({ identity_key: key.publicKey, username: displayName.toLowerCase().replace(/[^a-z0-9_]/g, '_'), display_name: displayName, peer_id: peerId, addresses: [], relays: [], updated_at: Date.now() }, key.secretKey);
}

export const inviteOf = (record: SignedIdentityRecord) => encodeInvite(record);

export function directoryClient(call: Call) {
  const chain = async () => (await call('chains.info', {})).chat;
  async function send(key: RemoteKey, body: TxBody): Promise<MethodOutput<'chains.submit'>> {
    const info = await chain();
    const params = { fee: body.kind === 'faucet' ? 0 : 1_000 };
    const signed = signTx(key.secretKey, { chain: info.chain_id, from: key.publicKey, nonce: key.nonce, fee: params.fee, body });
    const answer = await call('chains.submit', { chain: 'chat', tx: bytesToHex(signed.bytes), wait: true });
    if (answer.status !== 'final') throw new Error(`${body.kind} did not become final`);
    key.nonce++;
    return answer;
  }
  return {
    send,
    /** Test coins, then the username with the key's signed record. */
    async register(key: RemoteKey, username: string, record: SignedIdentityRecord) {
      await send(key, { kind: 'faucet' });
      return send(key, { kind: 'register', username, record: encodeIdentityRecord(record), prekeys: new Uint8Array(32) });
    },
    /** The rotation, signed by the old key with the new key's consent, carrying the new key's record. */
    async rotate(from: RemoteKey, to: RemoteKey, username: string, record: SignedIdentityRecord) {
      const info = await chain();
      const new_key_sig = rotateConsentStatement.sign(to.secretKey, { chain: info.chain_id, username, old_key: from.publicKey });
      return send(from, { kind: 'rotate', new_key: to.publicKey, new_key_sig, record: encodeIdentityRecord(record), prekeys: new Uint8Array(32) });
    },
    /** The new key's own record (it pays the fee, so it takes test coins first). */
    async update(key: RemoteKey, record: SignedIdentityRecord) {
      await send(key, { kind: 'faucet' });
      return send(key, { kind: 'update', record: encodeIdentityRecord(record), prekeys: new Uint8Array(32) });
    },
  };
}
