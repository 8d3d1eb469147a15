import { useEffect, useState } from 'react';
import { useApp } from './store.ts';

const REFRESH_MS = 5000;

/** Keeps the node's status, peers and relay figures fresh while a page that shows them is open. */
export function useNodeFigures(): void {
  const loadNode = useApp((s) => s.loadNode);
  useEffect(() => {
    const refresh = () => void loadNode().catch(() => undefined);
    refresh();
    const timer = setInterval(refresh, REFRESH_MS);
    return () => clearInterval(timer);
  }, [loadNode]);
}

/**
 * How many peers the node is connected to (null: its networking is off; undefined: not known yet),
 * for the header: asked of the node every few seconds while the UI is connected to it.
 */
export function usePeerCount(connected: boolean): number | null | undefined {
  const client = useApp((s) => s.client);
  const [count, setCount] = useState<number | null | undefined>(undefined);
  useEffect(() => {
    if (!client || !connected) return;
    let current = true;
    const refresh = () =>
      void client.call('node.status', {}).then(
        (status) => current && setCount(status.p2p ? status.peers.connected : null),
        () => undefined,
      );
    refresh();
    const timer = setInterval(refresh, REFRESH_MS);
    return () => {
      current = false;
      clearInterval(timer);
    };
  }, [client, connected]);
  return count;
}
