import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { cleanEnv, DCHAT_BIN, tempDir } from '../helpers/spawn-node.ts';

/**
 * The log format follows where the log goes: a person at a terminal gets short readable lines
 * with the API token file and the web UI link standing out; a pipe (journald, a file, jq) gets
 * JSON lines. The terminal is a real pseudo-terminal: util-linux's `script` runs the node on one.
 */

const hasScript = (() => {
  try {
    execFileSync('sh', ['-c', 'command -v script'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

const BOLD = '\x1b[1m';
// eslint-disable-next-line no-control-regex
const stripAnsi = (text: string) => text.replace(/\x1b\[[0-9;]*m/g, '');
const quote = (arg: string) => `'${arg.replace(/'/g, `'\\''`)}'`;

interface Run {
  readonly output: string;
  readonly dataDir: string;
  readonly code: number | null;
}

/**
 * Runs a node (on a terminal when `onTerminal`) until it has logged the web UI link, then stops
 * it with SIGTERM (its pid from the data directory's lock file) and returns all it printed.
 */
async function runNode(options: { onTerminal: boolean; args?: readonly string[]; env?: Record<string, string> }): Promise<Run> {
  const dataDir = tempDir();
  const nodeArgs = [DCHAT_BIN, '--headless', '--data-dir', dataDir, '--api-port', '0', '--p2p-port', '0', '--p2p-ws-port', '0', ...(options.args ?? [])];
  const env = cleanEnv({ DCHAT_P2P_HOST: '127.0.0.1', TERM: 'xterm-256color', ...options.env });
  delete env.NO_COLOR;
  const child = options.onTerminal
    ? spawn('script', ['-qfec', [process.execPath, ...nodeArgs].map(quote).join(' '), '/dev/null'], { env, stdio: ['pipe', 'pipe', 'pipe'] })
    : spawn(process.execPath, nodeArgs, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d));
  child.stderr!.on('data', (d: Buffer) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const deadline = Date.now() + 20_000;
  while (!output.includes('open the web UI with this link') || !/\?token=[\w-]+/.test(output)) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      assert.fail(`the node did not get to its web UI link:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const pid = Number(fs.readFileSync(path.join(dataDir, 'dchat.pid'), 'utf8'));
  process.kill(pid, 'SIGTERM');
  const code = await exited;
  return { output, dataDir, code };
}

describe('log format', { skip: process.platform === 'win32' && 'no pseudo-terminals here' }, () => {
  it('on a terminal: short readable lines, the token file and the web UI link stand out', { skip: !hasScript && 'util-linux script is not installed (Debian: bsdutils)' }, async () => {
    const { output, dataDir, code } = await runNode({ onTerminal: true });
    assert.equal(code, 0, output);
    const lines = output.split(/\r?\n/).filter((l) => l.trim() !== '');
    const plain = lines.map(stripAnsi);
    assert.ok(plain.every((l) => !l.trimStart().startsWith('{')), `no JSON lines:\n${plain.join('\n')}`);
    assert.ok(plain.some((l) => /^\[\d\d:\d\d:\d\d\] INFO: dchat \S+ ready on http:\/\/127\.0\.0\.1:\d+$/.test(l)), plain.join('\n'));
    for (const l of plain) assert.ok(l.length <= 120, `a short line (${l.length}): ${l}`);
    assert.ok(plain.every((l) => !/"(pid|hostname|service)"|pid: /.test(l)), 'no fields only machines need');
    // What a person looks for is bold.
    const tokenFile = path.join(dataDir, 'api-token');
    assert.ok(lines.some((l) => l.includes('api_token_file') && l.includes(BOLD) && stripAnsi(l).endsWith(tokenFile)), lines.join('\n'));
    assert.ok(lines.some((l) => l.includes('web_ui') && l.includes(BOLD) && /\?token=[\w-]+$/.test(stripAnsi(l))), lines.join('\n'));
    assert.ok(plain.some((l) => /INFO: shutting down/.test(l)), 'the log goes on to the end in the same format');
  });

  it('through a pipe (journald, a file, jq): JSON lines', async () => {
    const { output, code } = await runNode({ onTerminal: false });
    assert.equal(code, 0, output);
    const entries = output.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>);
    const ready = entries.find((e) => String(e.msg).includes(' ready on '));
    assert.ok(ready && typeof ready.api_token_file === 'string' && ready.pid !== undefined, JSON.stringify(ready));
    assert.match(String(entries.find((e) => e.msg === 'open the web UI with this link')?.web_ui), /\?token=/);
  });

  it('--log-format and DCHAT_LOG_FORMAT override the choice either way', { skip: !hasScript && 'util-linux script is not installed' }, async () => {
    const json = await runNode({ onTerminal: true, args: ['--log-format', 'json'] });
    const lines = json.output.split(/\r?\n/).filter((l) => l.trim() !== '');
    assert.ok(lines.length > 3 && lines.every((l) => JSON.parse(l)), json.output);

    const pretty = await runNode({ onTerminal: false, env: { DCHAT_LOG_FORMAT: 'pretty' } });
    assert.match(pretty.output, /^\[\d\d:\d\d:\d\d\] INFO: dchat \S+ ready on /m);
    assert.ok(!pretty.output.includes('\x1b['), 'no colours into a pipe');
  });
});
