// @ts-check
// The house rules of docs/ARCHITECTURE.md ("Rules of the house") as lint rules, shared by eslint.config.js and the test that
// proves they catch violations (node-core/test/unit/lint-boundaries.test.ts).
import { builtinModules } from 'node:module';
import tseslint from 'typescript-eslint';

/** Node built-ins by every name they can be imported under. */
const nodeBuiltins = builtinModules.filter((m) => !m.startsWith('_')).flatMap((m) => [m, `node:${m}`]);

/**
 * One config for node-core files: ESLint replaces a rule's options when a later config matches
 * the same file, so every node-core config carries the shared restrictions plus its own.
 * @param {string[]} files
 * @param {Array<{ group: string[]; message: string }>} extra
 * @param {string[]} [ignores]
 * @returns {import('eslint').Linter.Config}
 */
function nodeCoreRule(files, extra, ignores = []) {
  return {
    files,
    ignores,
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'electron', message: 'node-core must run under plain Node: no Electron imports.' }],
          patterns: [
            { group: ['**/renderer/**', '**/renderer'], message: 'node-core never imports the renderer.' },
            { group: ['**/electron/**'], message: 'node-core never imports the Electron shell.' },
            ...extra,
          ],
        },
      ],
    },
  };
}

/** @type {import('eslint').Linter.Config[]} */
export const boundaryRules = [
  // node-core runs under plain Node, headless, and inside Electron's main process unchanged, so it
  // never imports Electron or anything from the UI or the shell. Its layers form a DAG: the domain
  // model imports nothing of node-core, and components never import the API layer above them
  // (the API maps their domain errors to statuses; they do not know HTTP exists).
  nodeCoreRule(['node-core/**/*.ts'], []),
  nodeCoreRule(['node-core/domain/**/*.ts'], [{ group: ['../*', '../**'], message: 'The domain model is the bottom layer: it imports nothing else of node-core.' }]),
  nodeCoreRule(
    ['node-core/*/**/*.ts'],
    [{ group: ['**/api/*', '**/api/**'], message: 'Components sit below the API layer: throw domain errors (domain/errors.ts) and use domain types (domain/model.ts).' }],
    ['node-core/api/**', 'node-core/cli/**', 'node-core/domain/**', 'node-core/test/**'],
  ),
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
