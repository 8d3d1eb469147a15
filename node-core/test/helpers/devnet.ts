import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { devnetInit } from '../../cli/devnet.ts';
import type { ChainsInfo } from '../../domain/chain-model.ts';
import { json, waitFor } from './p2p-net.ts';
import { startNode, tempDir, type RunningNode } from './spawn-node.ts';

/** A devnet written by `dchat devnet init` (the real code), its nodes started as real processes. */
export interface Devnet {
  readonly dir: string;
  readonly names: string[];
  readonly nodes: Map<string, RunningNode>;
  /** Starts a node; `env` adds to the devnet's environment for this node only. */
  start(name: string, env?: Record<string, string>): Promise<RunningNode>;
  node(name: string): RunningNode;
  info(name: string): Promise<ChainsInfo>;
}

const silent = { stdout: () => undefined, stderr: () => undefined };

/** Where a node runs when not on loopback: its address, and the command it runs under. */
export interface Placement {
  readonly host: string;
  readonly wrapper: readonly string[];
}

export async function createDevnet(validators: number, fullNodes: number, env: Record<string, string> = {}, placement?: (name: string) => Placement): Promise<Devnet> {
  const dir = tempDir('dchat-devnet-');
  // Ports named in the genesis and bootstrap lists: a random block of them on loopback.
  // Below Linux's ephemeral range (32768+), where outgoing connections of other processes could take a port first.
  const basePort = 20_000 + Math.floor(Math.random() * 1_200) * 10;
  const manifest = await devnetInit(dir, validators, fullNodes, undefined, basePort, silent);
  if (placement) place(dir, manifest.nodes, placement);
  const nodes = new Map<string, RunningNode>();
  const entry = (name: string) => manifest.nodes.find((n) => n.name === name)!;
  const start = async (name: string, extra: Record<string, string> = {}) => {
    const n = entry(name);
    const port = Number(new URL(n.api).port);
    const where = placement?.(name);
    const node = await startNode({
      dataDir: n.dir,
      args: ['--config', n.config, '--api-port', String(port), '--p2p-port', String(port + 1), '--p2p-ws-port', String(port + 2)],
      env: { DCHAT_LOG_LEVEL: 'info', ...env, ...extra, ...(where ? { DCHAT_P2P_HOST: where.host, DCHAT_API_HOST: where.host } : {}) },
      timeoutMs: 60_000,
      ...(where ? { wrapper: where.wrapper } : {}),
    });
    nodes.set(name, node);
    return node;
  };
  return {
    dir,
    names: manifest.nodes.map((n) => n.name),
    nodes,
    start,
    node: (name) => nodes.get(name)!,
    info: async (name) => json<ChainsInfo>(nodes.get(name)!.api('/api/chains')),
  };
}

/** Rewrites the loopback p2p addresses `devnet init` wrote (genesis, bootstrap lists) to each node's host. */
function place(dir: string, nodes: ReadonlyArray<{ name: string; p2p: string; config: string }>, placement: (name: string) => Placement): void {
  const files = [path.join(dir, 'genesis.json'), ...nodes.map((n) => n.config)];
  for (const file of files) {
    let text = fs.readFileSync(file, 'utf8');
    for (const n of nodes) text = text.replaceAll(n.p2p, n.p2p.replace('/ip4/127.0.0.1/', `/ip4/${placement(n.name).host}/`));
    fs.writeFileSync(file, text);
  }
}

/** Every named node has the same currency block at every height up to `height` (no fork). */
export async function agree(net: Devnet, names: readonly string[], height: number): Promise<void> {
  for (let h = 1; h <= height; h++) {
    const hashes = await Promise.all(names.map(async (n) => (await json<{ hash: string }>(net.node(n).api(`/api/chains/currency/blocks/${h}`))).hash));
    assert.equal(new Set(hashes).size, 1, `one block at height ${h} on ${names.join(', ')}: ${hashes.join(' ')}`);
  }
}

/** Waits until every named node holds the currency chain at `height` or above. */
export async function allAtLeast(net: Devnet, names: readonly string[], height: number, timeoutMs = 30_000): Promise<void> {
  await waitFor(`${names.join(', ')} at currency height ${height}`, async () => {
    const heights = await Promise.all(names.map(async (n) => (await net.info(n)).currency.final_height));
    return heights.every((h) => h >= height) || undefined;
  }, timeoutMs);
}

export const devnetPath = (net: Devnet, name: string, file: string) => path.join(net.dir, name, file);

/**
 * Takes a stopped validator's key away (role "user": it serves the chain it holds and adds
 * nothing), or gives it back. A single-validator chain then stands still for a syncing node.
 */
export function keyAway(net: Devnet, name: string, away: boolean): void {
  const [from, to] = away ? ['validator-key', 'validator-key.away'] : ['validator-key.away', 'validator-key'];
  fs.renameSync(devnetPath(net, name, from), devnetPath(net, name, to));
  const config = devnetPath(net, name, 'config.toml');
  const [was, now] = away ? ['role = "validator"', 'role = "user"'] : ['role = "user"', 'role = "validator"'];
  fs.writeFileSync(config, fs.readFileSync(config, 'utf8').replace(was, now));
}

/** Makes the devnet's currency chain produce blocks as fast as it can (before any node starts). */
export function noBlockIntervals(net: Devnet): void {
  setGenesisParams(net, 'currency', { block_interval_ms: 0, empty_block_interval_ms: 0 });
}

/** Changes a chain's genesis parameters (before any node starts). */
export function setGenesisParams(net: Devnet, kind: 'chat' | 'currency', params: Record<string, number>): void {
  const file = path.join(net.dir, 'genesis.json');
  const genesis = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<'chat' | 'currency', { params: Record<string, number> }>;
  Object.assign(genesis[kind].params, params);
  fs.writeFileSync(file, JSON.stringify(genesis));
}
