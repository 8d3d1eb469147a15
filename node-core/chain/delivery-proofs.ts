import type { Logger } from 'pino';
import type { SubmittedTransaction } from '../domain/chain-model.ts';
import type { Startable } from '../runtime/startable.ts';
import type { Chains } from './chains-service.ts';
import { RELAY_INDEX, relayKey, type RelayListing } from './ledger-rules.ts';
import { stateTreeFrom } from './state-tree.ts';
import { StateView } from './state-view.ts';
import type { TxBody } from './transactions.ts';

/**
 * Recipients' proofs of delivery: mail a registered relay delivered to a local identity is
 * counted, and every `batch` messages (or after `flushMs` with some) the identity signs a
 * `delivery` transaction on the chat chain naming the relay, the count and the Merkle root of the
 * envelope ids (a sparse Merkle tree, as the chain state uses: any one id can be shown to be in
 * it). The chat chain turns it into a reward packet the currency chain pays the relay for. Relays
 * not in the registry earn nothing, so their mail is not counted.
 */

export interface DeliveryProofsInit {
  readonly chains: Chains;
  readonly logger: Logger;
  submit(identityId: string, body: TxBody): Promise<SubmittedTransaction>;
  /** Subscribes to mail our relays delivered (delivery.onRelayed); returns the unsubscribe. */
  subscribe(listener: (recipient: string, relayPeer: string, ids: readonly Uint8Array[]) => void): () => void;
  readonly batch?: number;
  readonly flushMs?: number;
}

export interface DeliveryProofs extends Startable {
  /** Proves what is counted now (tests and shutdown). */
  flush(): Promise<void>;
}

const MAX_COUNTED = 1 << 20;

export function createDeliveryProofs(init: DeliveryProofsInit): DeliveryProofs {
  const log = init.logger.child({ component: 'delivery-proofs' });
  const batch = init.batch ?? 50;
  const flushMs = init.flushMs ?? 20_000;
  const counted = new Map<string, { recipient: string; relayPeer: string; ids: Uint8Array[] }>();
  let unsubscribe: (() => void) | undefined;
  let timer: NodeJS.Timeout | undefined;
  let flushing: Promise<void> = Promise.resolve();

  /** The registry listing of the relay with this peer id, if it is registered. */
  function listingOf(peerId: string): RelayListing | undefined {
    const view = new StateView(init.chains.chat.committed.top.tree);
    for (const key of view.read<Uint8Array[]>(RELAY_INDEX) ?? []) {
      const listing = view.read<RelayListing>(relayKey(key));
      if (listing?.peer_id === peerId) return listing;
    }
    return undefined;
  }

  async function prove(entry: { recipient: string; relayPeer: string; ids: Uint8Array[] }): Promise<void> {
    const listing = listingOf(entry.relayPeer);
    if (!listing || Buffer.from(listing.key).toString('hex') === entry.recipient) return;
    const root = stateTreeFrom(entry.ids.map((id) => [id, new Uint8Array([1])] as const)).root;
    try {
      await init.submit(entry.recipient, { kind: 'delivery', relay: listing.key, root, count: entry.ids.length });
    } catch (err) {
      log.info({ err: (err as Error).message, relay: entry.relayPeer }, 'a proof of delivery was not submitted');
    }
  }

  function take(all: boolean): Array<{ recipient: string; relayPeer: string; ids: Uint8Array[] }> {
    const out = [];
    for (const [key, entry] of counted) {
      if (all || entry.ids.length >= batch) {
        counted.delete(key);
        out.push(entry);
      }
    }
    return out;
  }

  const run = (entries: ReturnType<typeof take>) => {
    flushing = flushing.then(async () => {
      for (const entry of entries) await prove(entry);
    });
    return flushing;
  };

  return {
    start() {
      unsubscribe = init.subscribe((recipient, relayPeer, ids) => {
        const key = `${recipient}/${relayPeer}`;
        const entry = counted.get(key) ?? { recipient, relayPeer, ids: [] };
        if (entry.ids.length + ids.length > MAX_COUNTED) return;
        entry.ids.push(...ids);
        counted.set(key, entry);
        if (entry.ids.length >= batch) void run(take(false));
      });
      timer = setInterval(() => void run(take(true)), flushMs);
      timer.unref();
    },
    async stop() {
      unsubscribe?.();
      if (timer) clearInterval(timer);
      await flushing;
    },
    flush: () => run(take(true)),
  };
}
