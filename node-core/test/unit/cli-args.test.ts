import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseCli, pickDchatArgs, UsageError } from '../../cli/args.ts';

describe('command-line flags', () => {
  it('parses flags into config overrides that name the flag and key', () => {
    const args = parseCli(['--headless', '--api-port', '0', '--data-dir=/tmp/x', '--config', 'c.toml']);
    assert.equal(args.headless, true);
    assert.equal(args.config, 'c.toml');
    assert.deepEqual(
      args.overrides.map((o) => [o.flag, o.key, o.value]),
      [
        ['--data-dir', 'node.data_dir', '/tmp/x'],
        ['--api-port', 'server.api_port', '0'],
      ],
    );
  });

  it('refuses unknown flags and missing values with a UsageError', () => {
    assert.throws(() => parseCli(['--nope']), UsageError);
    assert.throws(() => parseCli(['--data-dir', '']), /--data-dir needs a value/);
  });

  it('finds the dchat flags in an Electron command line and leaves the rest alone', () => {
    const electronArgv = ['--inspect=0', '--remote-debugging-port=0', '/opt/dchat', '--headless', '--data-dir', '/d', '--api-port=0', 'dchat://invite/abc', '--no-sandbox', '--role', 'relay'];
    const picked = pickDchatArgs(electronArgv);
    assert.deepEqual(picked, ['--headless', '--data-dir', '/d', '--api-port=0', '--role', 'relay']);
    const args = parseCli(picked);
    assert.equal(args.headless, true);
    assert.deepEqual(args.overrides.map((o) => o.key), ['node.data_dir', 'server.api_port', 'node.role']);
  });
});
