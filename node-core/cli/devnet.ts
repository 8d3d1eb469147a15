import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import { z } from 'zod';
import { devnetGenesis, loadOrCreateValidatorKey, VALIDATOR_KEY_FILE } from '../chain/chain-setup.ts';
import { checkQuorum, quorumGuarantees } from '../chain/genesis.ts';
import { bytesToHex } from '../crypto/hex.ts';
import { signingPublicKey } from '../crypto/signing.ts';
import { loadOrCreatePeerKey } from '../p2p/peer-key.ts';
import { ensurePrivateDir } from '../util/private-files.ts';
import { UsageError } from './args.ts';
import type { CliIo } from './main.ts';

/**
 * `dchat devnet init` writes a shared network on this machine: both chains' genesis, and a data
 * directory with keys and a config.toml per node (validators and full nodes, on loopback ports
 * from --base-port). `dchat devnet up` starts them all and prints their API addresses; a signal
 * stops them all.
 */

export const DEVNET_HELP = `Usage: dchat devnet init --dir DIR [--validators N] [--full-nodes M] [--quorum Q] [--base-port PORT]
       dchat devnet up --dir DIR

init  writes DIR/genesis.json (chat and currency chains), DIR/<node>/ with keys and config.toml,
      and DIR/devnet.json. N validators (default 4) with quorum Q (default: the smallest quorum
      safe against f = floor((N-1)/3) Byzantine validators, 3 of 4); M full nodes (default 2).
      Node i listens on API port PORT+10i, p2p PORT+10i+1 and PORT+10i+2 (default PORT 18000).
up    starts every node of DIR (dchat --headless --config DIR/<node>/config.toml) and prints their
      API addresses and token files; Ctrl-C stops them all.
`;

const manifestSchema = z.object({
  nodes: z.array(z.object({ name: z.string(), role: z.enum(['validator', 'full']), dir: z.string(), config: z.string(), api: z.string(), p2p: z.string() })),
});
type Manifest = z.output<typeof manifestSchema>;

const BIN = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'dchat.js');

function intFlag(value: string | undefined, name: string, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${name} must be a whole number from ${min} to ${max}, not "${value}"`);
  return n;
}

const toml = (value: string) => JSON.stringify(value);

export async function devnetInit(dir: string, validators: number, fullNodes: number, quorumFlag: number | undefined, basePort: number, io: CliIo): Promise<Manifest> {
  const faults = Math.floor((validators - 1) / 3);
  const quorum = quorumFlag ?? Math.ceil((validators + faults + 1) / 2);
  const claimed = quorumFlag === undefined ? faults : Math.max(0, quorumGuarantees(validators, quorum).byzantine);
  checkQuorum(validators, quorum, claimed);
  if (fs.existsSync(path.join(dir, 'genesis.json'))) throw new UsageError(`${dir} already holds a devnet (genesis.json); choose another --dir`);
  ensurePrivateDir(dir);
  const names = [...Array.from({ length: validators }, (_, i) => `validator-${i}`), ...Array.from({ length: fullNodes }, (_, i) => `full-${i}`)];
  const nodes = await Promise.all(
    names.map(async (name, i) => {
      const nodeDir = path.join(dir, name);
      ensurePrivateDir(nodeDir);
      const peerId = peerIdFromPrivateKey(await loadOrCreatePeerKey(nodeDir)).toString();
      const key = name.startsWith('validator') ? loadOrCreateValidatorKey(path.join(nodeDir, VALIDATOR_KEY_FILE)) : undefined;
      const port = basePort + i * 10;
      return { name, nodeDir, peerId, key, port, p2p: `/ip4/127.0.0.1/tcp/${port + 1}/p2p/${peerId}` };
    }),
  );
  const set = nodes.filter((n) => n.key).map((n) => ({ name: n.name, public_key: bytesToHex(signingPublicKey(n.key!)), addresses: [n.p2p] }));
  const now = Date.now();
  const genesis = { chat: devnetGenesis('chat', 'devnet-chat', set, quorum, claimed, now), currency: devnetGenesis('currency', 'devnet-currency', set, quorum, claimed, now) };
  const genesisFile = path.join(dir, 'genesis.json');
  fs.writeFileSync(genesisFile, JSON.stringify(genesis, null, 2));
  const bootstrap = nodes.filter((n) => n.key).map((n) => n.p2p);
  const manifest: Manifest = { nodes: [] };
  for (const n of nodes) {
    const config = path.join(n.nodeDir, 'config.toml');
    const lines = [
      '# written by dchat devnet init',
      '[node]',
      `role = ${toml(n.key ? 'validator' : 'user')}`,
      `data_dir = ${toml(n.nodeDir)}`,
      '[server]',
      'host = "127.0.0.1"',
      `api_port = ${n.port}`,
      'p2p_host = "127.0.0.1"',
      `p2p_port = ${n.port + 1}`,
      `p2p_ws_port = ${n.port + 2}`,
      '[chain]',
      `genesis_file = ${toml(genesisFile)}`,
      '[relay]',
      `bootstrap_nodes = [${bootstrap.filter((b) => b !== n.p2p).map(toml).join(', ')}]`,
      '',
    ];
    fs.writeFileSync(config, lines.join('\n'), { mode: 0o600 });
    manifest.nodes.push({ name: n.name, role: n.key ? 'validator' : 'full', dir: n.nodeDir, config, api: `http://127.0.0.1:${n.port}`, p2p: n.p2p });
  }
  fs.writeFileSync(path.join(dir, 'devnet.json'), JSON.stringify(manifest, null, 2));
  const tolerance = claimed > 0 ? `tolerates ${claimed} Byzantine validator(s)` : `tolerates ${validators - quorum} crashed validator(s), no Byzantine one`;
  io.stdout(`devnet in ${dir}: ${validators} validators (quorum ${quorum}: ${tolerance}), ${fullNodes} full nodes\n`);
  for (const n of manifest.nodes) io.stdout(`  ${n.name.padEnd(12)} ${n.role.padEnd(9)} ${n.api}  ${n.config}\n`);
  return manifest;
}

export function readManifest(dir: string): Manifest {
  const file = path.join(dir, 'devnet.json');
  if (!fs.existsSync(file)) throw new UsageError(`${dir} holds no devnet (no devnet.json); run "dchat devnet init --dir ${dir}" first`);
  return manifestSchema.parse(JSON.parse(fs.readFileSync(file, 'utf8')));
}

async function devnetUp(dir: string, io: CliIo): Promise<number> {
  const manifest = readManifest(dir);
  const children: ChildProcess[] = manifest.nodes.map((n) => {
    const out = fs.openSync(path.join(n.dir, 'dchat.log'), 'a');
    return spawn(process.execPath, [BIN, '--headless', '--config', n.config], { stdio: ['ignore', out, out] });
  });
  for (const n of manifest.nodes) io.stdout(`${n.name.padEnd(12)} ${n.api}  token: ${path.join(n.dir, 'api-token')}  log: ${path.join(n.dir, 'dchat.log')}\n`);
  io.stdout('Ctrl-C stops them all.\n');
  const exited = children.map((child, i) => new Promise<void>((resolve) => child.once('exit', (code) => {
    io.stderr(`${manifest.nodes[i]!.name} exited (${code})\n`);
    resolve();
  })));
  const stop = () => {
    for (const child of children) child.kill('SIGTERM');
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  await Promise.all(exited);
  return 0;
}

export async function runDevnet(argv: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: { dir: { type: 'string' }, validators: { type: 'string' }, 'full-nodes': { type: 'string' }, quorum: { type: 'string' }, 'base-port': { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  const [command] = positionals;
  if (values.help || command === undefined) {
    io.stdout(DEVNET_HELP);
    return command === undefined && !values.help ? 2 : 0;
  }
  if (!values.dir) throw new UsageError('devnet needs --dir DIR');
  const dir = path.resolve(values.dir);
  if (command === 'init') {
    const validators = intFlag(values.validators, 'validators', 4, 1, 100);
    await devnetInit(dir, validators, intFlag(values['full-nodes'], 'full-nodes', 2, 0, 100), values.quorum === undefined ? undefined : intFlag(values.quorum, 'quorum', 1, 1, validators), intFlag(values['base-port'], 'base-port', 18000, 1024, 60000), io);
    return 0;
  }
  if (command === 'up') return devnetUp(dir, io);
  throw new UsageError(`unknown devnet command "${command}" (init or up)`);
}
