import { bytesToHex } from '../crypto/hex.ts';
import type { RelayRegistry, SubmittedTransaction } from '../domain/chain-model.ts';
import { NetworkDisabledError } from '../domain/errors.ts';
import type { Chains } from './chains-service.ts';
import { RELAY_INDEX, relayKey, type RelayListing } from './ledger-rules.ts';
import type { RelayStake } from './bridge-rules.ts';
import { bridgeKeys } from './bridge-wire.ts';
import { StateView } from './state-view.ts';
import type { TxBody } from './transactions.ts';

/**
 * The chat chain's relay registry as the API offers it: the listed relays with their uptime
 * attestations and proved deliveries (the bridge brings their stakes), and announcing this node
 * as a relay, signed by a local identity.
 */

export interface RelayRegistryInit {
  readonly chains: Chains;
  /** Signs and submits a chat-chain transaction as a local identity (the wallet's path). */
  submit(identityId: string | undefined, body: TxBody, wait: boolean): Promise<SubmittedTransaction>;
  /** This node's libp2p peer id and the addresses others can dial, or undefined with p2p off. */
  self(): { peerId: string; addresses: string[] } | undefined;
}

export type RelayRegistryService = ReturnType<typeof createRelayRegistry>;

const MAX_ADDRESSES = 8;

export function createRelayRegistry(init: RelayRegistryInit) {
  return {
    list(): RelayRegistry {
      const node = init.chains.chat;
      const view = new StateView(node.committed.top.tree);
      const keys = view.read<Uint8Array[]>(RELAY_INDEX) ?? [];
      const height = node.committed.top.height;
      const periodBlocks = node.committed.genesis.params.attestation_period_blocks;
      const period = Math.floor((height + 1) / periodBlocks);
      const currency = new StateView(init.chains.currency.committed.top.tree);
      const minStake = init.chains.currency.committed.genesis.params.min_relay_stake;
      const relays = keys.flatMap((key) => {
        const reported = view.read<{ staked: number }>(bridgeKeys.relayStake(key))?.staked ?? 0;
        const paid = currency.read<RelayStake>(bridgeKeys.relayStake(key));
        const listing = view.read<RelayListing>(relayKey(key));
        if (!listing) return [];
        return [{
          key: bytesToHex(listing.key),
          peer_id: listing.peer_id,
          addresses: listing.addresses,
          registered_height: listing.registered,
          updated_height: listing.updated,
          attestations: listing.attestations,
          period_attestations: listing.period === period ? listing.period_attestations : 0,
          delivered: listing.delivered,
          stake: reported,
          staked: reported >= minStake,
          rewards_earned: paid?.earned ?? 0,
          deliveries_paid: paid?.deliveries ?? 0,
        }];
      });
      // Staked relays first (most stake first), then by proved deliveries: the list a user picks from.
      relays.sort((a, b) => Number(b.staked) - Number(a.staked) || b.stake - a.stake || b.delivered - a.delivered);
      return { relays, height, period, period_blocks: periodBlocks, min_stake: minStake };
    },
    announce(i: { identity_id?: string | undefined; wait: boolean }): Promise<SubmittedTransaction> {
      const self = init.self();
      if (!self) throw new NetworkDisabledError('a relay is reached over peer-to-peer networking: it must be on (server.p2p_enabled)');
      const addresses = self.addresses.filter((a) => !/\/ip[46]\/(0\.0\.0\.0|::)\//.test(a)).slice(0, MAX_ADDRESSES);
      return init.submit(i.identity_id, { kind: 'relay', peer_id: self.peerId, addresses }, i.wait);
    },
  };
}
