import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError, defaultDataDir, loadConfig } from '../../config/load.ts';
import { levelFromRustLog, stripInlineComment } from '../../config/env.ts';
import { RESERVED_KEYS, schemaKeys } from '../../config/schema.ts';
import { REPO_ROOT, tempDir } from '../helpers/spawn-node.ts';

const fixture = (name: string) => path.join(REPO_ROOT, 'node-core', 'test', 'fixtures', name);

function writeToml(text: string): string {
  const file = path.join(tempDir(), 'config.toml');
  fs.writeFileSync(file, text);
  return file;
}

function configError(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
    return err.message;
  }
  assert.fail('expected a ConfigError');
}

describe('config precedence', () => {
  it('uses the defaults when nothing is set', () => {
    const { config, warnings } = loadConfig({ env: {}, flags: [] });
    assert.equal(config.server.host, '127.0.0.1');
    assert.equal(config.server.api_port, 8080);
    assert.equal(config.messages.ttl_hours, 72);
    assert.equal(config.messages.max_size_mb, 100);
    assert.equal(config.relay.max_peers, 100);
    assert.equal(config.security.rate_limit_requests_per_sec, 100);
    assert.equal(config.logging.level, 'info');
    assert.deepEqual(warnings, []);
  });

  it('layers defaults < config.toml < environment < flags', () => {
    const file = writeToml('[server]\napi_port = 9000\nhost = "0.0.0.0"\nrequest_timeout_secs = 5\n[logging]\nlevel = "warn"\n');
    const fromFile = loadConfig({ configPath: file, env: {} });
    assert.equal(fromFile.config.server.api_port, 9000);
    assert.equal(fromFile.config.server.request_timeout_secs, 5);

    const fromEnv = loadConfig({ configPath: file, env: { DCHAT_API_PORT: '9100', DCHAT_LOG_LEVEL: 'debug' } });
    assert.equal(fromEnv.config.server.api_port, 9100);
    assert.equal(fromEnv.config.server.host, '0.0.0.0', 'keys the environment does not set keep the file value');
    assert.equal(fromEnv.config.logging.level, 'debug');
    assert.equal(fromEnv.sources.get('server.api_port'), 'env DCHAT_API_PORT');

    const fromFlag = loadConfig({
      configPath: file,
      env: { DCHAT_API_PORT: '9100' },
      flags: [{ flag: '--api-port', key: 'server.api_port', value: '9200', type: 'int' }],
    });
    assert.equal(fromFlag.config.server.api_port, 9200);
    assert.equal(fromFlag.sources.get('server.api_port'), 'flag --api-port');
  });

  it('finds config.toml through DCHAT_CONFIG and in the data directory', () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'config.toml'), '[server]\napi_port = 7777\n');
    assert.equal(loadConfig({ env: { DCHAT_DATA_DIR: dir } }).config.server.api_port, 7777);
    const other = writeToml('[server]\napi_port = 7778\n');
    assert.equal(loadConfig({ env: { DCHAT_DATA_DIR: dir, DCHAT_CONFIG: other } }).config.server.api_port, 7778);
  });

  it('resolves the data directory from flag, env, file and the platform default', () => {
    const cwd = tempDir();
    assert.equal(loadConfig({ env: {}, cwd, flags: [{ flag: '--data-dir', key: 'node.data_dir', value: 'rel', type: 'string' }] }).dataDir, path.join(cwd, 'rel'));
    assert.equal(loadConfig({ env: { DCHAT_DB_PATH: '/var/lib/dchat/data' } }).dataDir, '/var/lib/dchat/data');
    const file = writeToml('[database]\npath = "data"\n');
    assert.equal(loadConfig({ configPath: file, env: {} }).dataDir, path.join(path.dirname(file), 'data'));
    assert.equal(defaultDataDir({ XDG_DATA_HOME: '/x' }, 'linux', '/home/u'), '/x/dchat');
    assert.equal(defaultDataDir({}, 'linux', '/home/u'), '/home/u/.local/share/dchat');
    assert.equal(defaultDataDir({}, 'darwin', '/Users/u'), '/Users/u/Library/Application Support/dchat');
  });

  it('understands the production guide .env file, inline comments and RUST_LOG included', () => {
    const env: Record<string, string> = {};
    for (const line of fs.readFileSync(fixture('production.env'), 'utf8').split('\n')) {
      const m = /^([A-Z_]+)=(.*)$/.exec(line);
      if (m) env[m[1]!] = m[2]!;
    }
    const { config, dataDir, warnings } = loadConfig({ env });
    assert.equal(config.node.role, 'relay');
    assert.equal(config.node.network, 'production');
    assert.equal(config.node.chain_id, 'dchat-mainnet-v1');
    assert.equal(dataDir, '/var/lib/dchat/data');
    assert.equal(config.server.host, '0.0.0.0');
    assert.equal(config.server.api_port, 8080);
    assert.equal(config.server.p2p_port, 30333);
    assert.equal(config.relay.max_peers, 100);
    assert.equal(config.relay.uptime_target, 0.99);
    assert.equal(config.messages.ttl_hours, 72);
    assert.equal(config.messages.max_size_mb, 100);
    assert.equal(config.security.rate_limit_enabled, true);
    assert.equal(config.security.rate_limit_requests_per_sec, 100);
    assert.equal(config.security.tls_cert_path, '/etc/dchat/tls/cert.pem');
    assert.equal(config.security.tls_enabled, false, 'a certificate path alone does not switch TLS on');
    assert.equal(config.logging.level, 'debug', 'RUST_LOG=info,dchat=debug means debug for dchat');
    assert.equal(config.logging.file_path, '/var/log/dchat/dchat.log');
    assert.ok(warnings.some((w) => w.includes('reserved') && w.includes('database.backup_path')));
  });

  it('loads the deployment guides\' config.toml files without unknown keys', () => {
    for (const name of ['phase5-config.toml', 'k8s-configmap-config.toml']) {
      const { config, warnings } = loadConfig({ configPath: fixture(name), env: {} });
      assert.equal(config.server.api_port, 9000);
      assert.equal(config.server.metrics_port, 9001);
      assert.deepEqual(warnings.filter((w) => w.includes('unknown')), [], name);
    }
    const phase5 = loadConfig({ configPath: fixture('phase5-config.toml'), env: {} }).config;
    assert.equal(phase5.bridge.validator_quorum, 2);
    assert.equal(phase5.marketplace.escrow_timeout_secs, 86400);
    assert.deepEqual(phase5.security.cors_allowed_origins, ['https://app.dchat.dev', 'https://www.dchat.dev']);
    assert.equal(phase5.security.rate_limit_requests_per_sec, 1000);
    assert.equal(phase5.accessibility.keyboard_shortcut_conflict_check, true);
  });

  it('takes the first environment name that is set when several feed one key, and says so', () => {
    const { config, warnings } = loadConfig({ env: { DCHAT_API_HOST: '127.0.0.2', DCHAT_HOST: '0.0.0.0' } });
    assert.equal(config.server.host, '127.0.0.2');
    assert.ok(warnings.some((w) => w.includes('DCHAT_HOST is ignored because DCHAT_API_HOST')));
  });

  it('parses env values: booleans, lists, numbers', () => {
    const { config } = loadConfig({
      env: { DCHAT_RATE_LIMIT_ENABLED: 'false', CORS_ALLOWED_ORIGINS: 'https://a.example, https://b.example', DCHAT_MSG_MAX_SIZE_MB: '0.5' },
    });
    assert.equal(config.security.rate_limit_enabled, false);
    assert.deepEqual(config.security.cors_allowed_origins, ['https://a.example', 'https://b.example']);
    assert.equal(config.messages.max_size_mb, 0.5);
    assert.equal(stripInlineComment("relay  # or 'user'"), 'relay');
    assert.equal(stripInlineComment('a#b'), 'a#b');
    assert.equal(levelFromRustLog('info,dchat=debug'), 'debug');
    assert.equal(levelFromRustLog('warn'), 'warn');
  });
});

describe('config errors name the key, the value, its source and what was expected', () => {
  it('rejects a non-numeric port from the environment', () => {
    assert.equal(
      configError(() => loadConfig({ env: { DCHAT_API_PORT: 'eighty' } })),
      'invalid configuration: server.api_port = "eighty" (from env DCHAT_API_PORT): expected an integer from 0 to 65535',
    );
  });

  it('rejects an out-of-range flag', () => {
    assert.match(
      configError(() => loadConfig({ env: {}, flags: [{ flag: '--api-port', key: 'server.api_port', value: '70000', type: 'int' }] })),
      /server\.api_port = 70000 \(from flag --api-port\): expected an integer from 0 to 65535/,
    );
  });

  it('rejects a wrong type in the file', () => {
    const file = writeToml('[relay]\nmax_peers = "many"\n');
    assert.match(configError(() => loadConfig({ configPath: file, env: {} })), new RegExp(`relay\\.max_peers = "many" \\(from config file ${file}\\): expected an integer greater than 0`));
  });

  it('rejects an unknown enum value with the allowed ones', () => {
    assert.match(configError(() => loadConfig({ env: { DCHAT_NODE_ROLE: 'boss' } })), /node\.role = "boss" .*expected one of "user", "relay"/);
    assert.match(configError(() => loadConfig({ env: { DCHAT_LOG_LEVEL: 'loud' } })), /logging\.level = "loud".*expected one of "trace"/);
    assert.match(configError(() => loadConfig({ env: { DCHAT_ENABLE_METRICS: 'maybe' } })), /observability\.metrics_enabled = "maybe".*expected true or false/);
    assert.match(configError(() => loadConfig({ env: { DCHAT_LOG_FORMAT: 'yaml' } })), /logging\.format = "yaml" \(from env DCHAT_LOG_FORMAT\): expected one of "auto", "json", "pretty"/);
  });

  it('reports TOML syntax errors with the file, line, column, the line itself and a caret under the column', () => {
    const file = writeToml('[server]\napi_port = = 3\n');
    assert.equal(
      configError(() => loadConfig({ configPath: file, env: {} })),
      [`config file ${file}: invalid TOML at line 2, column 12: invalid value`, '  2 | api_port = = 3', '    |            ^'].join('\n'),
    );
    // The caret line repeats the line's tabs, so it lands under the column however wide a tab is.
    const tabbed = writeToml('[server]\n\thost = "a" "b"\n');
    const lines = configError(() => loadConfig({ configPath: tabbed, env: {} })).split('\n');
    assert.match(lines[0]!, /invalid TOML at line 2, column 13: /);
    assert.equal(lines[1], '  2 | \thost = "a" "b"');
    assert.equal(lines[2], `    | \t${' '.repeat(11)}^`);
    // An unclosed table header on the first line, a long line cut around the column.
    assert.match(configError(() => loadConfig({ configPath: writeToml('[server\n'), env: {} })), /line 1, column 8: .*\n {2}1 \| \[server\n {4}\| {8}\^$/);
    const long = writeToml(`[node]\nnetwork = "${'x'.repeat(300)}" oops\n`);
    const cut = configError(() => loadConfig({ configPath: long, env: {} })).split('\n');
    assert.ok(cut[1]!.length < 120 && cut[1]!.startsWith('  2 | …'), cut[1]);
    assert.equal(cut[2]!.indexOf('^'), cut[1]!.indexOf('oops'), 'the caret stays under the offending text');
  });

  it('reports a missing or unreadable config file', () => {
    assert.match(configError(() => loadConfig({ configPath: '/nonexistent/dchat.toml', env: {} })), /cannot read it \(no such file\)/);
  });

  it('requires certificate paths when TLS is on, and a file path for file logging', () => {
    assert.match(configError(() => loadConfig({ env: { DCHAT_TLS_ENABLED: 'true' } })), /security\.tls_cert_path = \(not set\): required when security\.tls_enabled = true/);
    const file = writeToml('[logging]\noutput = "file"\n');
    assert.match(configError(() => loadConfig({ configPath: file, env: {} })), /logging\.file_path .*required when logging\.output = "file"/);
  });

  it('rejects a section that is not a table', () => {
    const file = writeToml('server = 3\n');
    assert.match(configError(() => loadConfig({ configPath: file, env: {} })), /\[server\] must be a table/);
  });
});

describe('config warnings', () => {
  it('names unknown keys, sections and DCHAT_ variables, ignores them, and suggests the nearest known name', () => {
    const file = writeToml('[server]\napi_prot = 1\nttl_hours = 5\nfrobnicate = true\n[sever]\nhost = "x"\n[wat]\nx = 1\n');
    const { config, warnings } = loadConfig({ configPath: file, env: { DCHAT_API_PROT: '1', DCHAT_WHATEVER_ELSE: '1' } });
    assert.equal(config.server.api_port, 8080);
    assert.equal(config.messages.ttl_hours, 72, 'a key in the wrong section is not applied');
    const about = (what: string) => warnings.find((w) => w.includes(what));
    assert.equal(about('api_prot'), `config file ${file}: unknown key server.api_prot (ignored) — did you mean api_port?`);
    assert.match(about('ttl_hours') ?? '', /unknown key server\.ttl_hours \(ignored\) — did you mean messages\.ttl_hours\?$/);
    assert.match(about('frobnicate') ?? '', /unknown key server\.frobnicate \(ignored\)$/, 'nothing near: no suggestion');
    assert.match(about('[sever]') ?? '', /unknown section \[sever\] \(ignored\) — did you mean \[server\]\?$/);
    assert.match(about('[wat]') ?? '', /unknown section \[wat\] \(ignored\)$/);
    assert.equal(about('DCHAT_API_PROT'), 'environment: unknown variable DCHAT_API_PROT (ignored) — did you mean DCHAT_API_PORT?');
    assert.equal(about('DCHAT_WHATEVER_ELSE'), 'environment: unknown variable DCHAT_WHATEVER_ELSE (ignored)');
  });

  it('announces reserved keys that are set', () => {
    const file = writeToml('[bridge]\nvalidator_quorum = 3\n');
    const { warnings } = loadConfig({ configPath: file, env: {} });
    assert.ok(warnings.some((w) => w.includes('bridge.validator_quorum') && w.includes('no effect')));
  });
});

describe('config.example.toml', () => {
  const example = path.join(REPO_ROOT, 'config.example.toml');
  it('loads cleanly and documents every key', () => {
    const text = fs.readFileSync(example, 'utf8');
    const { warnings } = loadConfig({ configPath: example, env: {} });
    assert.deepEqual(warnings, [], 'a copy of the example starts without a single warning');
    for (const [section, keys] of schemaKeys()) {
      assert.ok(text.includes(`[${section}]`), `[${section}] is documented`);
      for (const key of keys) assert.match(text, new RegExp(`^#? ?${key} = `, 'm'), `${section}.${key} is documented`);
    }
  });

  it('marks every reserved key as RESERVED', () => {
    const text = fs.readFileSync(example, 'utf8');
    for (const dotted of Object.keys(RESERVED_KEYS)) {
      const [section, key] = dotted.split('.') as [string, string];
      const body = text.split(`\n[${section}]\n`)[1]!.split(/^\[/m)[0]!;
      const lines = body.split('\n');
      const at = lines.findIndex((l) => new RegExp(`^#? ?${key} = `).test(l));
      const comment = lines.slice(Math.max(0, at - 6), at).join('\n');
      assert.match(comment, /RESERVED/, `${dotted} is marked RESERVED`);
    }
  });
});

describe('server.memory_mode', () => {
  it('defaults to V8 sizing, takes "lean" from DCHAT_MEMORY_MODE, and names the key for a wrong value', () => {
    assert.equal(loadConfig({ env: {} }).config.server.memory_mode, 'throughput');
    assert.equal(loadConfig({ env: { DCHAT_MEMORY_MODE: 'lean' } }).config.server.memory_mode, 'lean');
    assert.throws(() => loadConfig({ env: { DCHAT_MEMORY_MODE: 'tiny' } }), /server\.memory_mode/);
  });
});

describe('database.url', () => {
  it('takes DATABASE_URL, and refuses a URL that is not postgres:// by name without echoing its password', () => {
    assert.equal(loadConfig({ env: { DATABASE_URL: 'postgres://dchat:pw@db:5432/dchat' } }).config.database.url, 'postgres://dchat:pw@db:5432/dchat');
    assert.equal(loadConfig({ env: { DATABASE_MAX_CONNECTIONS: '7' } }).config.database.max_connections, 7);
    assert.throws(
      () => loadConfig({ env: { DATABASE_URL: 'mysql://dchat:hunter2@db/dchat' } }),
      (err: Error) => /database\.url = "mysql:\/\/dchat:\*\*\*@db\/dchat".*expected a postgres:\/\//.test(err.message) && !err.message.includes('hunter2'),
    );
  });
});
