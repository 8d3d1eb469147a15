import { useCallback, useEffect, useState } from 'react';
import type { MethodOutput } from '../../../node-core/api/contract.ts';
import { useApp } from './store.ts';
import type { Wallet } from './wallet.ts';

export type RelayRegistry = MethodOutput<'relays.registry'>;
export type RelayListing = RelayRegistry['relays'][number];

/** A relay's stake reaches the chat chain's registry over the bridge within a second or two: five seconds keeps the list current without a flood of calls. */
const REFRESH_MS = 5000;

/**
 * The chat chain's relay registry and this identity's account (for the stake controls), read
 * while the Relay screen is open. Either may fail alone (chains not running yet): the error is
 * kept beside what was read last.
 */
export function useRelayRegistry() {
  const client = useApp((s) => s.client);
  const [registry, setRegistry] = useState<RelayRegistry | null>(null);
  const [wallet, setWallet] = useState<Wallet | null>(null);
  const [error, setError] = useState<unknown>(null);

  const reload = useCallback(async () => {
    if (!client) return;
    try {
      const [next, account] = await Promise.all([client.call('relays.registry', {}), client.call('wallet.get', {})]);
      setRegistry(next);
      setWallet(account);
      setError(null);
    } catch (err) {
      setError(err);
    }
  }, [client]);

  useEffect(() => {
    let current = true;
    const refresh = () => void (current && reload());
    refresh();
    const timer = setInterval(refresh, REFRESH_MS);
    return () => {
      current = false;
      clearInterval(timer);
    };
  }, [reload]);

  return { registry, wallet, error, reload };
}
