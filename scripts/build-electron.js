// Bundles the Electron main process (with node-core) and the preload for `electron .` and
// electron-builder. better-sqlite3 stays external: its native module loads from node_modules.
import { build } from 'esbuild';

const common = { bundle: true, platform: 'node', target: 'node22', sourcemap: false, logLevel: 'warning', legalComments: 'none' };

await build({
  ...common,
  entryPoints: ['electron/main.ts'],
  outfile: 'dist/electron/main.mjs',
  format: 'esm',
  external: ['electron', 'better-sqlite3'],
  // Some dependencies still use require(); give the ESM bundle one.
  banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
});

await build({
  ...common,
  entryPoints: ['electron/preload.ts'],
  outfile: 'dist/electron/preload.cjs',
  format: 'cjs',
  external: ['electron'],
});
console.log('built dist/electron/main.mjs and dist/electron/preload.cjs');
