// @ts-check
// The house rules of DESIGN.md §2 as lint rules, shared by eslint.config.js and the test that
// proves they catch violations (node-core/test/unit/lint-boundaries.test.ts).
import { builtinModules } from 'node:module';
import tseslint from 'typescript-eslint';

/** Node built-ins by every name they can be imported under. */
const nodeBuiltins = builtinModules.filter((m) => !m.startsWith('_')).flatMap((m) => [m, `node:${m}`]);

/** @type {import('eslint').Linter.Config[]} */
export const boundaryRules = [
  // House rule (DESIGN.md §2): node-core runs under plain Node, headless, and inside Electron's main
  // process unchanged, so it never imports Electron or anything from the UI or the shell.
  {
    files: ['node-core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'electron', message: 'node-core must run under plain Node: no Electron imports.' }],
          patterns: [
            { group: ['**/renderer/**', '**/renderer'], message: 'node-core never imports the renderer.' },
            { group: ['**/electron/**'], message: 'node-core never imports the Electron shell.' },
          ],
        },
      ],
    },
  },
  // House rule: the renderer talks only through the NodeApi client. It may import types from the
  // API contract, never Node built-ins, Electron, or node-core code that runs.
  {
    files: ['renderer/**/*.ts', 'renderer/**/*.tsx'],
    plugins: { '@typescript-eslint': tseslint.plugin },
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'electron', message: 'The renderer reaches the node only through the NodeApi client.' },
            ...nodeBuiltins.map((name) => ({ name, message: 'The renderer runs in a browser sandbox: no Node built-ins.' })),
          ],
          patterns: [
            {
              group: ['**/node-core/**', '**/node-core'],
              allowTypeImports: true,
              message: 'Only `import type` from the node-core API contract is allowed in the renderer.',
            },
            { group: ['**/electron/**'], message: 'The renderer never imports the Electron shell.' },
            { group: ['node:*'], message: 'The renderer runs in a browser sandbox: no Node built-ins.' },
          ],
        },
      ],
    },
  },
];
