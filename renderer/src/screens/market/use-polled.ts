import { useCallback, useEffect, useRef, useState } from 'react';

/** The chains give a final block every moment and send no marketplace events: two seconds keeps a list current without a flood of calls (as the Wallet screen). */
export const REFRESH_MS = 2000;

/**
 * Reads something from the node now, again every REFRESH_MS, and again on reload() (after a
 * write). An answer that arrives after the inputs changed (another identity, another filter) is
 * dropped, so a list never shows another identity's orders.
 */
export function usePolled<T>(load: () => Promise<T>, key: string, every: number | null = REFRESH_MS) {
  const [state, setState] = useState<{ key: string; data: T | null; error: unknown }>({ key, data: null, error: null });
  const current = useRef(key);
  const loadRef = useRef(load);
  useEffect(() => {
    loadRef.current = load;
  }, [load]);
  const reload = useCallback(async () => {
    const asked = current.current;
    try {
      const data = await loadRef.current();
      if (current.current === asked) setState({ key: asked, data, error: null });
    } catch (error) {
      if (current.current === asked) setState((s) => ({ key: asked, data: s.key === asked ? s.data : null, error }));
    }
  }, []);
  useEffect(() => {
    current.current = key;
    void reload();
    if (every === null) return;
    const timer = setInterval(() => void reload(), every);
    return () => clearInterval(timer);
  }, [key, every, reload]);
  const fresh = state.key === key;
  return { data: fresh ? state.data : null, error: fresh ? state.error : null, reload };
}
