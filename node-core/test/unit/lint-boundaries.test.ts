import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';
import { boundaryRules } from '../../../eslint.boundaries.js';
import { REPO_ROOT } from '../helpers/spawn-node.ts';

/** Lints a snippet as if it lived at `file`, with only the house-rule boundaries enabled. */
async function violations(file: string, code: string): Promise<string[]> {
  const eslint = new ESLint({
    cwd: REPO_ROOT,
    overrideConfigFile: true,
    overrideConfig: [{ files: ['**/*.ts', '**/*.tsx'], languageOptions: { parser: tseslint.parser } }, ...boundaryRules],
  });
  const [result] = await eslint.lintText(code, { filePath: path.join(REPO_ROOT, file) });
  return result!.messages.map((m) => m.message);
}

describe('house-rule lint boundaries', () => {
  it('node-core may not import electron, the renderer or the Electron shell', async () => {
    assert.match((await violations('node-core/x.ts', "import { app } from 'electron';\n"))[0] ?? '', /no Electron imports/);
    assert.match((await violations('node-core/x.ts', "import { App } from '../renderer/App.tsx';\n"))[0] ?? '', /never imports the renderer/);
    assert.match((await violations('node-core/x.ts', "import { main } from '../electron/main.ts';\n"))[0] ?? '', /never imports the Electron shell/);
    assert.deepEqual(await violations('node-core/x.ts', "import fs from 'node:fs';\n"), []);
  });

  it('the domain model imports nothing of node-core, and components do not import the API layer', async () => {
    assert.match((await violations('node-core/domain/x.ts', "import { encodeCbor } from '../p2p/codec.ts';\n"))[0] ?? '', /bottom layer/);
    assert.match((await violations('node-core/domain/x.ts', "import { app } from 'electron';\n"))[0] ?? '', /no Electron imports/);
    assert.deepEqual(await violations('node-core/domain/x.ts', "import type { Message } from './model.ts';\n"), []);
    assert.match((await violations('node-core/messaging/x.ts', "import { ChatNotFoundError } from '../api/errors.ts';\n"))[0] ?? '', /below the API layer/);
    assert.match((await violations('node-core/store/repositories/x.ts', "import type { Message } from '../../api/contract.ts';\n"))[0] ?? '', /below the API layer/);
    assert.match((await violations('node-core/messaging/x.ts', "import { main } from '../../electron/main.ts';\n"))[0] ?? '', /never imports the Electron shell/);
    assert.deepEqual(await violations('node-core/messaging/x.ts', "import { ChatNotFoundError } from '../domain/errors.ts';\n"), []);
    assert.deepEqual(await violations('node-core/api/http/x.ts', "import { createRouter } from '../router.ts';\n"), []);
  });

  it('the renderer may not import Node, Electron, or node-core code that runs', async () => {
    assert.match((await violations('renderer/x.tsx', "import fs from 'node:fs';\n"))[0] ?? '', /no Node built-ins/);
    assert.match((await violations('renderer/x.tsx', "import fs from 'fs';\n"))[0] ?? '', /no Node built-ins/);
    assert.match((await violations('renderer/x.ts', "import { ipcRenderer } from 'electron';\n"))[0] ?? '', /only through the NodeApi client/);
    assert.match((await violations('renderer/x.ts', "import { createRouter } from '../node-core/api/router.ts';\n"))[0] ?? '', /Only `import type`/);
  });

  it('the renderer may import types from the API contract', async () => {
    assert.deepEqual(await violations('renderer/x.ts', "import type { Message } from '../node-core/api/contract.ts';\n"), []);
  });
});
