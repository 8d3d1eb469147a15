import { validatorSetHash } from './blocks.ts';
import type { ProofHeader } from './bridge-wire.ts';
import type { CommittedChain } from './committed-chain.ts';
import type { LightClient } from './light-client.ts';

/**
 * The last final block of `source` as a header the other chain's light client (`client`) can
 * verify: its certificate, the next set when it changes, and the certifying set when the client
 * does not trust it yet. Undefined when it cannot be shown yet (the set changed in this very
 * block: the next block can).
 */
export function headerFor(source: CommittedChain, client: LightClient): ProofHeader | undefined {
  const top = source.top;
  if (top.height === 0) return undefined;
  const found = source.block(top.height);
  if (!found) return undefined;
  const { block, certificate } = found;
  const header = block.header;
  const proof: ProofHeader = { header, cert: certificate, ...(block.next_set ? { next_set: block.next_set } : {}) };
  if (Buffer.compare(header.validators, client.next_hash) === 0) return proof;
  const current = source.validators;
  if (Buffer.compare(validatorSetHash(current.set, current.quorum), header.validators) !== 0) return undefined;
  return { ...proof, set: { set: current.set, quorum: current.quorum, faults: current.faults } };
}
