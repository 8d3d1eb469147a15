import pino from 'pino';
import { createStore, type Store } from '../../store/store.ts';
import { tempDir } from './spawn-node.ts';

export const silentLogger = pino({ level: 'silent' });

/** A real store on a real SQLite file in a fresh temporary directory. */
export function openTempStore(dataDir = tempDir()): Store {
  const store = createStore({ dataDir, logger: silentLogger });
  store.start();
  return store;
}
