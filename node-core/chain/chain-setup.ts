import fs from 'node:fs';
import path from 'node:path';
import { bytesToHex } from '../crypto/hex.ts';
import { generateSigningKeyPair, signingPublicKey } from '../crypto/signing.ts';
import { createPrivateFileOnce, readPrivateFile } from '../util/private-files.ts';
import { GenesisError, networkGenesisSchema, parseGenesis, type Genesis, type NetworkGenesis } from './genesis.ts';

/**
 * Where a node's chains come from: the genesis file of a shared network (`dchat devnet init`
 * writes one), or — with none given — two local chains of its own, validated by this node alone,
 * made once and kept in the data directory, so a single machine has working ledgers with no
 * set-up. The validator key lives beside the node's other keys.
 */

export const VALIDATOR_KEY_FILE = 'validator-key';
export const LOCAL_GENESIS_FILE = path.join('chain', 'local-genesis.json');

/** 1 DCT = 1,000,000 units. */
export const COIN = 1_000_000;

export function loadOrCreateValidatorKey(file: string): Uint8Array {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  if (!fs.existsSync(file)) createPrivateFileOnce(file, bytesToHex(generateSigningKeyPair().secretKey));
  const text = readPrivateFile(file).toString('utf8').trim();
  if (!/^[0-9a-f]{64}$/.test(text)) throw new GenesisError(`${file} is not a validator key (64 hex digits)`);
  return Buffer.from(text, 'hex');
}

export function readNetworkGenesis(file: string): NetworkGenesis {
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new GenesisError(`chain.genesis_file ${file}: ${(err as Error).message}`);
  }
  const shape = networkGenesisSchema.safeParse(raw);
  if (!shape.success) throw new GenesisError(`chain.genesis_file ${file}: expected {"chat": <genesis>, "currency": <genesis>} (${shape.error.issues[0]?.path.join('.')}: ${shape.error.issues[0]?.message})`);
  const chat = parseGenesis(shape.data.chat);
  const currency = parseGenesis(shape.data.currency);
  if (chat.kind !== 'chat' || currency.kind !== 'currency') throw new GenesisError(`chain.genesis_file ${file}: "chat" must be a chat chain and "currency" a currency chain`);
  if (chat.chain_id === currency.chain_id) throw new GenesisError(`chain.genesis_file ${file}: the two chains need different chain ids`);
  return { chat, currency };
}

/** Defaults a devnet shares: a faucet, fees and timeouts for loopback. */
export function devnetGenesis(kind: Genesis['kind'], chainId: string, validators: Genesis['validators'], quorum: number, faults: number, time: number): Genesis {
  return parseGenesis({
    chain_id: chainId,
    kind,
    genesis_time: time,
    validators,
    quorum,
    byzantine_faults: faults,
    // The currency chain's reward pool pays relays 0.001 DCT per proved delivery.
    params: { faucet_amount: 1_000 * COIN, min_fee: COIN / 1_000, username_fee: COIN, ...(kind === 'currency' ? { relay_reward_pool: 1_000_000 * COIN, relay_reward_per_message: COIN / 1_000, min_relay_stake: 10 * COIN } : {}) },
    allocations: [],
  });
}

export function localGenesis(validatorKey: Uint8Array, time: number): NetworkGenesis {
  const publicKey = bytesToHex(signingPublicKey(validatorKey));
  const validators = [{ name: 'this node', public_key: publicKey, addresses: [] }];
  const suffix = publicKey.slice(0, 8);
  return {
    chat: devnetGenesis('chat', `local-chat-${suffix}`, validators, 1, 0, time),
    currency: devnetGenesis('currency', `local-currency-${suffix}`, validators, 1, 0, time),
  };
}

/** The shared genesis if configured, else this node's local one (made on first start). */
export function resolveGenesis(dataDir: string, genesisFile: string | undefined, validatorKey: Uint8Array): { genesis: NetworkGenesis; local: boolean } {
  if (genesisFile) return { genesis: readNetworkGenesis(path.resolve(genesisFile)), local: false };
  const file = path.join(dataDir, LOCAL_GENESIS_FILE);
  if (!fs.existsSync(file)) {
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    createPrivateFileOnce(file, JSON.stringify(localGenesis(validatorKey, Date.now()), null, 2));
  }
  return { genesis: readNetworkGenesis(file), local: true };
}
