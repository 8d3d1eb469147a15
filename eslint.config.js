// @ts-check
import { builtinModules } from 'node:module';
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/** Node built-ins by every name they can be imported under. */
const nodeBuiltins = builtinModules.filter((m) => !m.startsWith('_')).flatMap((m) => [m, `node:${m}`]);

export default tseslint.config(
  { ignores: ['node_modules/', '.tsbuild/', 'dist/', 'out/', 'release/', 'test-results/', 'playwright-report/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: { ...globals.node },
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
      eqeqeq: ['error', 'always'],
      'no-console': 'error',
    },
  },
  {
    files: ['**/*.js'],
    ...tseslint.configs.disableTypeChecked,
  },
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
    languageOptions: { globals: { ...globals.browser } },
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
  {
    files: ['node-core/cli/**/*.ts', 'bench/**/*.ts', '**/*.test.ts', 'node-core/test/**/*.ts', 'e2e/**/*.ts'],
    rules: { 'no-console': 'off' },
  },
  {
    // node:test's describe() and it() return promises the runner itself awaits.
    files: ['**/*.test.ts'],
    rules: { '@typescript-eslint/no-floating-promises': 'off' },
  },
);
