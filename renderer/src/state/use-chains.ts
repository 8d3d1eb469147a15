import { useEffect, useState } from 'react';
import type { MethodOutput } from '../../../node-core/api/contract.ts';
import { useApp } from './store.ts';

export type ChainsInfo = MethodOutput<'chains.info'>;
export type ChainInfo = ChainsInfo['chat'];

const REFRESH_MS = 2000;

/** node.status carries the chains too on nodes that have them; older nodes lack the field. */
function chainsOfStatus(status: unknown): ChainsInfo | null {
  if (typeof status !== 'object' || status === null || !('chains' in status)) return null;
  const chains = (status as { chains?: unknown }).chains;
  return typeof chains === 'object' && chains !== null && 'chat' in chains && 'currency' in chains ? (chains as ChainsInfo) : null;
}

/**
 * Both ledgers as this node holds them, asked of the node (chains.info) every two seconds while a
 * page shows them; where that call is not there, what node.status says, else null.
 */
export function useChains(): ChainsInfo | null {
  const client = useApp((s) => s.client);
  const status = useApp((s) => s.status);
  const [asked, setAsked] = useState<ChainsInfo | null>(null);
  useEffect(() => {
    if (!client) return;
    let current = true;
    const refresh = () =>
      void client.call('chains.info', {}).then(
        (info) => current && setAsked(info),
        () => current && setAsked(null),
      );
    refresh();
    const timer = setInterval(refresh, REFRESH_MS);
    return () => {
      current = false;
      clearInterval(timer);
    };
  }, [client]);
  return asked ?? chainsOfStatus(status);
}
