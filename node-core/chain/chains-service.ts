import path from 'node:path';
import type { Logger } from 'pino';
import { bytesToHex } from '../crypto/hex.ts';
import { signingPublicKey } from '../crypto/signing.ts';
import { encodeCbor } from '../p2p/codec.ts';
import type { ChainInfo, ChainKindName, ChainsInfo } from '../domain/chain-model.ts';
import { ChainUnavailableError } from '../domain/errors.ts';
import type { Network } from '../p2p/network.ts';
import { createLifecycle, type Startable } from '../runtime/startable.ts';
import type { Telemetry } from '../runtime/telemetry.ts';
import type { Store } from '../store/store.ts';
import { errorReply } from '../wire/protocols.ts';
import { chainRepositoryDefinition } from './chain-repository.ts';
import { createChainMetrics } from './chain-metrics.ts';
import { createChainNode, type ChainNode } from './chain-node.ts';
import { chainRequestHandler } from './chain-protocol.ts';
import { loadOrCreateValidatorKey, resolveGenesis, VALIDATOR_KEY_FILE } from './chain-setup.ts';
import { createCommittedChain } from './committed-chain.ts';
import { CHAIN_PROTOCOL, type ChainRequest } from './consensus-wire.ts';
import type { Execution } from './ledger.ts';
import { openSignGuard } from './sign-guard.ts';

/**
 * The node's two ledgers, composed: each chain's committed state, mempool and consensus, the
 * shared block-sync protocol, and the figures the API and /status show. A validator signs with
 * its validator key (through each chain's sign guard); a node whose key is not in a chain's set
 * follows it as a full node, verifying every certificate.
 */

export interface ChainsInit {
  readonly dataDir: string;
  readonly store: Store;
  readonly network: Network | undefined;
  readonly logger: Logger;
  readonly telemetry: Telemetry;
  readonly genesisFile: string | undefined;
  readonly validatorKeyFile: string | undefined;
  readonly snapshotInterval: number;
  /** `--role validator`: the key must then be in a chain's set. */
  readonly requireValidator: boolean;
  onBlock?(kind: ChainKindName, execution: Execution): void;
}

export interface Chains extends Startable {
  readonly chat: ChainNode;
  readonly currency: ChainNode;
  readonly local: boolean;
  byKind(kind: ChainKindName): ChainNode;
  info(): ChainsInfo;
  /** 0–1 over both chains. */
  syncProgress(): number;
  readonly validatorPublicKey: string;
  /** The validator key: it also signs this node's relaying transactions (its own account on each chain). */
  readonly validatorKey: Uint8Array;
}

export class NotAValidatorError extends Error {
  override readonly name = 'NotAValidatorError';
}

export function createChains(init: ChainsInit): Chains {
  const log = init.logger.child({ component: 'chains' });
  const keyFile = init.validatorKeyFile ? path.resolve(init.validatorKeyFile) : path.join(init.dataDir, VALIDATOR_KEY_FILE);
  const validatorKey = loadOrCreateValidatorKey(keyFile);
  const { genesis, local } = resolveGenesis(init.dataDir, init.genesisFile, validatorKey);
  const repository = init.store.register(chainRepositoryDefinition);
  const kinds = { [genesis.chat.chain_id]: 'chat', [genesis.currency.chain_id]: 'currency' } as Record<string, ChainKindName>;
  const nodes = {} as Record<ChainKindName, ChainNode>;
  const metrics = createChainMetrics(init.telemetry, { height: (k) => nodes[k].committed.top.height, mempool: (k) => nodes[k].mempool.size }, (chain) => kinds[chain] ?? 'chat');
  const ask = async (peer: string, request: ChainRequest): Promise<Uint8Array> => {
    if (!init.network) throw new ChainUnavailableError('networking is off');
    const channel = await init.network.channels.get(init.network.target(peer, []), CHAIN_PROTOCOL);
    return channel.request(encodeCbor(request), 20_000);
  };
  for (const kind of ['chat', 'currency'] as const) {
    const g = genesis[kind];
    const committed = createCommittedChain(g, repository, init.snapshotInterval, genesis[kind === 'chat' ? 'currency' : 'chat']);
    const guard = openSignGuard(path.join(init.dataDir, 'chain', `${g.chain_id}.sign-state.json`));
    nodes[kind] = createChainNode({
      committed,
      network: init.network,
      secretKey: validatorKey,
      guard,
      logger: log,
      metrics,
      ask,
      onBlock: (execution) => init.onBlock?.(kind, execution),
    });
  }
  const served = {
    async start() {
      if (!init.network) return;
      await init.network.handle(CHAIN_PROTOCOL, chainRequestHandler(() => [nodes.chat.committed, nodes.currency.committed]), errorReply('internal'));
    },
    async stop() {
      await init.network?.unhandle(CHAIN_PROTOCOL);
    },
  };
  const lifecycle = createLifecycle(
    [
      { name: 'chat-chain', component: nodes.chat },
      { name: 'currency-chain', component: nodes.currency },
      { name: 'chain-protocol', component: served },
    ],
    (name, err) => log.warn({ err, component: name }, 'a chain did not stop cleanly'),
  );

  function infoOf(kind: ChainKindName): ChainInfo {
    const node = nodes[kind];
    const { committed } = node;
    const top = committed.top;
    const set = committed.validators;
    const known = node.knownHeight;
    const self = node.engine.self;
    const position = node.engine.position;
    return {
      chain_id: committed.chain,
      kind,
      height: known,
      final_height: top.height,
      hash: bytesToHex(top.hash),
      state_root: bytesToHex(top.tree.root),
      time: top.time,
      validators: set.set.length,
      quorum: set.quorum,
      byzantine_faults: set.faults,
      sync_progress: known === 0 ? 1 : Math.min(1, top.height / known),
      syncing: node.syncing,
      mempool: node.mempool.size,
      role: self === undefined ? 'full' : 'validator',
      validator: self === undefined ? null : { index: self, round: position.round, step: position.step },
      local,
    };
  }

  return {
    chat: nodes.chat,
    currency: nodes.currency,
    local,
    byKind: (kind) => nodes[kind],
    async start() {
      await lifecycle.start();
      if (init.requireValidator && nodes.chat.engine.self === undefined && nodes.currency.engine.self === undefined) {
        await lifecycle.stop();
        throw new NotAValidatorError(`node.role is validator but the key in ${keyFile} is not a validator of ${genesis.chat.chain_id} or ${genesis.currency.chain_id}`);
      }
    },
    stop: () => lifecycle.stop(),
    info: () => ({ chat: infoOf('chat'), currency: infoOf('currency') }),
    syncProgress() {
      const a = infoOf('chat');
      const b = infoOf('currency');
      return Math.min(a.sync_progress, b.sync_progress);
    },
    validatorPublicKey: bytesToHex(signingPublicKey(validatorKey)),
    validatorKey,
  };
}
