import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { freePort } from '../helpers/net.ts';
import { cleanEnv, REPO_ROOT, tempDir } from '../helpers/spawn-node.ts';

/**
 * The README's "Chatting between nodes" example, run as written: its shell block, in bash, from
 * the project directory, with real relay and user nodes. Only its ports and its directory are
 * swapped for free ones (a developer's own node may hold 8081), and the nodes listen on loopback
 * only; every command, flag and variable is the README's.
 */

const README = path.join(REPO_ROOT, 'README.md');

const has = (command: string) => {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};
const missing = ['bash', 'curl', 'jq'].filter((command) => !has(command));

/** The first ```sh block after the heading. */
function exampleUnder(heading: string): string {
  const text = fs.readFileSync(README, 'utf8');
  const section = text.slice(text.indexOf(`\n## ${heading}\n`));
  const match = /```sh\n([\s\S]*?)```/.exec(section);
  assert.ok(match, `README has a sh block under "## ${heading}"`);
  return match[1]!;
}

/** Every port the example names, each replaced by a free one; its directory by a temporary one. */
async function onFreePorts(script: string, dir: string): Promise<string> {
  const ports = new Set([...script.matchAll(/(?:--(?:api|p2p|p2p-ws)-port |localhost:|\/tcp\/)(\d{2,5})\b/g)].map((m) => m[1]!));
  let out = script;
  for (const port of ports) out = out.replace(new RegExp(`\\b${port}\\b`, 'g'), String(await freePort()));
  const demoDir = /^D=(\S+?);/m.exec(script)?.[1];
  assert.ok(demoDir, 'the example keeps its nodes under $D');
  return out.replaceAll(demoDir, dir);
}

describe('README: Chatting between nodes', () => {
  const dir = tempDir('dchat-readme-');
  after(() => {
    // A failed run must not leave its nodes behind.
    for (const name of ['r', 'a', 'b']) {
      try {
        process.kill(Number(fs.readFileSync(path.join(dir, name, 'dchat.pid'), 'utf8')), 'SIGKILL');
      } catch {
        // not running
      }
    }
  });

  it('runs as written on one machine: a relay, two nodes, a message, and one kept for the offline node', { skip: missing.length > 0 && `not installed: ${missing.join(', ')}` }, async () => {
    const script = await onFreePorts(exampleUnder('Chatting between nodes'), dir);
    const child = spawn('bash', ['-e', '-c', script], { cwd: REPO_ROOT, env: cleanEnv({ DCHAT_P2P_HOST: '127.0.0.1' }), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 150_000);
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    clearTimeout(timer);
    const logs = ['r', 'a', 'b'].map((n) => `--- ${n}.log\n${fs.readFileSync(path.join(dir, `${n}.log`), 'utf8').slice(-3000)}`).join('\n');
    assert.equal(code, 0, `the example failed:\n${stderr}\n${stdout.slice(-3000)}\n${logs}`);
    // Its last command lists B's messages: both arrived, the second through the relay.
    assert.match(stdout, /hi Bob\nwhile you were away\n$/);
    // And its "stop all three" stops them.
    const deadline = Date.now() + 10_000;
    while (['r', 'a', 'b'].some((n) => fs.existsSync(path.join(dir, n, 'dchat.pid'))) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(['r', 'a', 'b'].filter((n) => fs.existsSync(path.join(dir, n, 'dchat.pid'))), [], 'every node stopped');
  });
});
