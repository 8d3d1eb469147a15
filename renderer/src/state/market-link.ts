import { create } from 'zustand';
import { useApp } from './store.ts';

/**
 * A listing to show on the Marketplace screen, asked for from elsewhere (a listing shared in a
 * chat, "View"), and as which local identity: the one that speaks in that chat, so Buy pays from
 * the account that can then talk to the seller there.
 */
interface MarketLinkState {
  readonly request: { readonly listingId: string; readonly identityId: string; readonly seq: number } | null;
}

export const useMarketLink = create<MarketLinkState>()(() => ({ request: null }));

let seq = 0;

/** Opens the Marketplace on a listing's detail. */
export function viewListing(listingId: string, identityId: string): void {
  useMarketLink.setState({ request: { listingId, identityId, seq: ++seq } });
  useApp.getState().setView('market');
}
