import { hexToBytes } from '@noble/hashes/utils.js';
import { z } from 'zod';
import { encodeIdentityRecord, type RelayRef, type SignedIdentityRecord } from '../wire/identity-record.ts';
import { encodeCbor } from '../p2p/codec.ts';
import type { Network } from '../p2p/network.ts';
import { assignOneTimePrekeys, currentSignedPrekey, ensurePrekeys, RELAY_SHARE } from '../sessions/prekeys.ts';
import type { OneTimePrekey } from '../crypto/x3dh.ts';
import type { LocalVault } from '../sessions/vault.ts';
import type { Store } from '../store/store.ts';
import { parseReply, PROTOCOLS } from '../wire/protocols.ts';
import { registrationStatement, subscriptionStatement, type OneTimePrekeyWire, type SignedPrekeyWire } from './statements.ts';

const subscribedReply = z.object({ ok: z.literal(true), pending: z.number(), prekeys: z.number() });
const registeredReply = z.object({ ok: z.literal(true), prekeys: z.number() });

export interface RegistrationDeps {
  readonly store: Store;
  readonly network: Network;
  readonly vault: LocalVault;
  readonly ownRecord: (identityId: string) => SignedIdentityRecord;
  readonly now: () => number;
  /** Every network wait goes through this, so a stopping client is not held up by a slow relay. */
  readonly unlessStopped: <T>(work: Promise<T>) => Promise<T>;
}

/**
 * One identity's exchange with one relay: register (our record, the signed prekey and this
 * relay's share of one-time prekeys, topped up when it handed most out), then subscribe.
 * Resolves to how much mail the relay had waiting.
 */
export async function registerAndSubscribe(deps: RegistrationDeps, relay: RelayRef, identity: string, secret: Uint8Array): Promise<number> {
  const { store, network, vault, now } = deps;
  const channel = await deps.unlessStopped(network.channels.get(network.target(relay.peer_id, relay.addresses), PROTOCOLS.relay));
  const send = async <T extends z.ZodType>(request: Record<string, unknown>, schema: T) =>
    parseReply(await deps.unlessStopped(channel.request(encodeCbor(request), 15_000)), schema);
  const record = encodeIdentityRecord(deps.ownRecord(identity));
  const parties = { relay: relay.peer_id, client: network.peerId };

  const register = async (opks: readonly OneTimePrekey[]): Promise<number> => {
    const current = currentSignedPrekey(store.repos, identity);
    const spk: SignedPrekeyWire = [current.id, current.publicKey, current.signature];
    const opksWire = opks.map((k): OneTimePrekeyWire => [k.id, k.publicKey]);
    const ts = now();
    const sig = registrationStatement.sign(secret, { ...parties, ts, record, spk, opks: opksWire });
    return (await send({ op: 'register', record, spk, opks: opksWire, ts, sig }, registeredReply)).prekeys;
  };
  const share = (topUp: boolean) =>
    store.write((repos) => {
      // A relay that handed most of its share out gets a fresh one; the keys it had count as
      // spent here (they stay usable until a session start consumes them).
      if (topUp) repos.prekeys.reassign(identity, relay.peer_id, `spent:${relay.peer_id}`);
      ensurePrekeys(repos, vault, identity, secret, now());
      const have = repos.prekeys.countAssigned(identity, relay.peer_id);
      return have >= RELAY_SHARE / 2 ? [] : assignOneTimePrekeys(repos, identity, relay.peer_id, RELAY_SHARE);
    });
  const held = await register(await share(false));
  if (held < RELAY_SHARE / 2) await register(await share(true));

  const ts = now();
  const sig = subscriptionStatement.sign(secret, { ...parties, ts });
  return (await send({ op: 'subscribe', identity: hexToBytes(identity), ts, sig }, subscribedReply)).pending;
}
