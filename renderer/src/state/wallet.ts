import { create } from 'zustand';
import type { MethodOutput } from '../../../node-core/api/contract.ts';
import type { ApiClient } from '../api/client.ts';

export type Wallet = MethodOutput<'wallet.get'>;
export type WalletHistoryEntry = MethodOutput<'wallet.history'>['entries'][number];
export type SubmittedTransaction = MethodOutput<'wallet.transfer'>;
export type BridgePacket = MethodOutput<'bridge.packets'>['packets'][number];
/** The two ledgers funds move between over the bridge. */
export type ChainKind = 'chat' | 'currency';

/** What the Wallet screen asks the node to do; each waits (by default) until its block is final. */
export type WalletAction =
  | { readonly kind: 'transfer'; readonly to: string; readonly amount: number; readonly fee: number }
  | { readonly kind: 'stake' | 'unstake'; readonly amount: number; readonly fee: number }
  /** Funds moved to the same account on the other chain (a bridge packet, paid on the source chain with its minimum fee). */
  | { readonly kind: 'bridge'; readonly to_chain: ChainKind; readonly amount: number; readonly fee: number }
  | { readonly kind: 'faucet' };

/**
 * The Wallet screen's state: the account as the node last answered, its history and its bridge
 * operations (newest first; one still pending is followed by the same refresh). Only one
 * refresh runs at a time, so a slow node is not asked again and again by the screen's timer.
 */
interface WalletState {
  wallet: Wallet | null;
  history: readonly WalletHistoryEntry[] | null;
  bridge: readonly BridgePacket[] | null;
  refresh(client: ApiClient): Promise<void>;
  submit(client: ApiClient, action: WalletAction): Promise<SubmittedTransaction>;
  clear(): void;
}

const HISTORY_LIMIT = 50;
const BRIDGE_LIMIT = 20;
let refreshing: Promise<void> | null = null;

export const useWallet = create<WalletState>((set, get) => ({
  wallet: null,
  history: null,
  bridge: null,
  refresh(client) {
    refreshing ??= (async () => {
      try {
        const [wallet, history, bridge] = await Promise.all([
          client.call('wallet.get', {}),
          client.call('wallet.history', { limit: HISTORY_LIMIT }),
          client.call('bridge.packets', { limit: BRIDGE_LIMIT }),
        ]);
        set({ wallet, history: history.entries, bridge: bridge.packets });
      } finally {
        refreshing = null;
      }
    })();
    return refreshing;
  },
  async submit(client, action) {
    const submitted = await send(client, action);
    // The answer comes when the block is final: what it changed is there to read now (a refresh
    // begun before that would not show it, so it is waited out first).
    await refreshing?.catch(() => undefined);
    await get()
      .refresh(client)
      .catch(() => undefined);
    return submitted;
  },
  clear: () => set({ wallet: null, history: null, bridge: null }),
}));

function send(client: ApiClient, action: WalletAction): Promise<SubmittedTransaction> {
  switch (action.kind) {
    case 'transfer':
      return client.call('wallet.transfer', { to: action.to, amount: action.amount, fee: action.fee, wait: true });
    case 'stake':
      return client.call('wallet.stake', { amount: action.amount, fee: action.fee, wait: true });
    case 'unstake':
      return client.call('wallet.unstake', { amount: action.amount, fee: action.fee, wait: true });
    case 'faucet':
      return client.call('wallet.faucet', { wait: true });
    case 'bridge':
      // Waits for the source chain's final block; the packet's way on is followed in bridge.packets.
      return client.call('bridge.transfer', { to_chain: action.to_chain, amount: action.amount, wait: true });
  }
}
