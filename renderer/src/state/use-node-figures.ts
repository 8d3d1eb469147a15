import { useEffect } from 'react';
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
