import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { runCli, startNode, tempDir } from '../helpers/spawn-node.ts';
import pkg from '../../../package.json' with { type: 'json' };

const mode = (file: string) => fs.statSync(file).mode & 0o777;
const hasCommand = (cmd: string) => {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};

describe('dchat CLI', () => {
  it('--version and --help exit 0', async () => {
    const version = await runCli(['--version']);
    assert.equal(version.code, 0);
    assert.equal(version.stdout.trim(), `dchat ${pkg.version}`);
    const help = await runCli(['--help']);
    assert.equal(help.code, 0);
    for (const flag of ['--headless', '--init-db', '--config', '--data-dir', '--api-host', '--api-port', '--log-level']) {
      assert.ok(help.stdout.includes(flag), `--help documents ${flag}`);
    }
  });

  it('exits 2 with one line for bad usage', async () => {
    for (const args of [['--bogus'], ['--api-port'], ['stray-positional']]) {
      const result = await runCli(args);
      assert.equal(result.code, 2, args.join(' '));
      assert.match(result.stderr.split('\n')[0]!, /^dchat: /);
    }
  });

  it('exits 2 naming the key, the value and what was expected for bad configuration', async () => {
    const cases: Array<{ args?: string[]; env?: Record<string, string>; expect: RegExp }> = [
      { args: ['--api-port', 'http'], expect: /server\.api_port = "http" \(from flag --api-port\): expected an integer from 0 to 65535/ },
      { env: { DCHAT_API_PORT: '99999' }, expect: /server\.api_port = 99999 \(from env DCHAT_API_PORT\)/ },
      { env: { DCHAT_MSG_TTL_HOURS: '-1' }, expect: /messages\.ttl_hours = -1 .*expected a number greater than 0/ },
      { env: { DCHAT_RATE_LIMIT_ENABLED: 'sometimes' }, expect: /security\.rate_limit_enabled = "sometimes".*true or false/ },
      { args: ['--log-level', 'chatty'], expect: /logging\.level = "chatty" \(from flag --log-level\): expected one of/ },
      { args: ['--config', '/nonexistent/config.toml'], expect: /config file \/nonexistent\/config\.toml: cannot read it/ },
    ];
    for (const c of cases) {
      const result = await runCli(['--data-dir', tempDir(), ...(c.args ?? [])], { env: c.env ?? {} });
      assert.equal(result.code, 2, `${JSON.stringify(c)} -> ${result.stderr}`);
      assert.match(result.stderr, c.expect);
      assert.equal(result.stderr.trim().split('\n').length, 1, 'one line');
    }
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'bad.toml'), '[server]\napi_port = "eighty"\n');
    const fromFile = await runCli(['--config', path.join(dir, 'bad.toml'), '--data-dir', dir]);
    assert.equal(fromFile.code, 2);
    assert.match(fromFile.stderr, /server\.api_port = "eighty" \(from config file .*bad\.toml\)/);
  });

  it('--init-db creates the schema, secrets and private files, and is idempotent', async (t) => {
    const dataDir = path.join(tempDir(), 'nested', 'data');
    const first = await runCli(['--init-db', '--data-dir', dataDir]);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /dchat\.db: created \(schema version \d+\)/);
    const second = await runCli(['--init-db', '--data-dir', dataDir]);
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stdout, /already up to date/);
    assert.equal(mode(dataDir), 0o700);
    for (const file of ['dchat.db', 'api-token', 'node-secret']) assert.equal(mode(path.join(dataDir, file)), 0o600, file);
    const token = fs.readFileSync(path.join(dataDir, 'api-token'), 'utf8');
    assert.match(token.trim(), /^[A-Za-z0-9_-]{43}$/);

    const db = new Database(path.join(dataDir, 'dchat.db'), { readonly: true });
    assert.equal(db.prepare('SELECT COUNT(*) FROM user_profiles').pluck().get(), 0);
    db.close();
    // The deployment guide's own check, with the sqlite3 command it names.
    if (!hasCommand('sqlite3')) {
      t.diagnostic('sqlite3 command not installed: the guide\'s sqlite3 check ran through better-sqlite3 only');
      return;
    }
    const out = execFileSync('sqlite3', [path.join(dataDir, 'dchat.db'), 'SELECT COUNT(*) as user_profiles FROM user_profiles;'], { encoding: 'utf8' });
    assert.equal(out.trim(), '0');
  });

  it('honours the deployment guide environment: DCHAT_DB_PATH is the directory that holds dchat.db', async () => {
    const dbPath = path.join(tempDir(), 'var-lib-dchat-data');
    const result = await runCli(['--init-db'], { env: { DCHAT_DB_PATH: dbPath, DCHAT_NODE_ROLE: "relay  # or 'user'" } });
    assert.equal(result.code, 0, result.stderr);
    assert.ok(fs.existsSync(path.join(dbPath, 'dchat.db')));
  });

  it('exits 1 with a clear line when the API port is in use', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      const result = await runCli(['--headless', '--data-dir', tempDir(), '--api-port', String(port)]);
      assert.equal(result.code, 1);
      assert.match(result.stderr, new RegExp(`cannot serve the API on 127\\.0\\.0\\.1:${port} \\(--api-port / server\\.api_port\\): the address is already in use`));
    } finally {
      blocker.close();
    }
  });

  it('exits 1 with one line naming the flag and key when a P2P port is in use', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as net.AddressInfo).port;
    const cases = [
      { args: ['--p2p-port', String(port), '--p2p-ws-port', '0'], setting: '--p2p-port / server.p2p_port' },
      { args: ['--p2p-port', '0', '--p2p-ws-port', String(port)], setting: '--p2p-ws-port / server.p2p_ws_port' },
    ];
    try {
      for (const c of cases) {
        const result = await runCli(['--headless', '--data-dir', tempDir(), '--api-port', '0', ...c.args], { env: { DCHAT_P2P_HOST: '127.0.0.1' } });
        assert.equal(result.code, 1, result.stderr);
        const escaped = c.setting.replace(/[./]/g, '\\$&');
        assert.match(result.stderr, new RegExp(`^dchat: cannot start: cannot listen for peers on 127\\.0\\.0\\.1:${port} \\(${escaped}\\): the address is already in use`));
        assert.equal(result.stderr.trim().split('\n').length, 1, `one line:\n${result.stderr}`);
        // Neither the terminal nor the log gets libp2p's stack.
        assert.doesNotMatch(result.stderr + result.stdout, /^\s+at /m);
        assert.doesNotMatch(result.stderr + result.stdout, /UnsupportedListenAddressesError|transportManager/);
      }
    } finally {
      blocker.close();
    }
  });

  it('refuses a second node on the same data directory, and takes over a stale lock', async () => {
    const node = await startNode();
    try {
      const second = await runCli(['--headless', '--data-dir', node.dataDir, '--api-port', '0']);
      assert.equal(second.code, 1);
      assert.match(second.stderr, new RegExp(`another dchat \\(pid ${node.child.pid}\\) is already using the data directory`));
    } finally {
      node.child.kill('SIGKILL');
      await node.exited;
    }
    assert.ok(fs.existsSync(path.join(node.dataDir, 'dchat.pid')), 'kill -9 leaves the pid file behind');
    const again = await startNode({ dataDir: node.dataDir });
    assert.equal((await again.api('/api/identities')).status, 200);
    assert.equal(await again.stop(), 0);
  });

  it('refuses a database written by a newer dchat', async () => {
    const dataDir = tempDir();
    assert.equal((await runCli(['--init-db', '--data-dir', dataDir])).code, 0);
    const db = new Database(path.join(dataDir, 'dchat.db'));
    const current = db.pragma('user_version', { simple: true }) as number;
    db.pragma(`user_version = ${current + 1}`);
    db.close();
    const result = await runCli(['--headless', '--data-dir', dataDir, '--api-port', '0']);
    assert.equal(result.code, 1);
    assert.match(result.stderr, new RegExp(`has schema version ${current + 1}, but this dchat understands versions up to ${current}`));
  });

  it('warns about unknown and reserved keys in its log, and keeps running', async () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'config.toml'), '[server]\nfrobnicate = true\n[chain]\nchat_chain_rpc = "http://chain:8545"\n');
    const node = await startNode({ dataDir: dir });
    try {
      const warnings = node.logs.filter((l) => l.level === 'warn').map((l) => String(l.msg));
      assert.ok(warnings.some((w) => w.includes('unknown key server.frobnicate (ignored)')), warnings.join('\n'));
      assert.ok(warnings.some((w) => w.includes('chain.chat_chain_rpc')), warnings.join('\n'));
    } finally {
      await node.stop();
    }
  });
});
