import type { Telemetry } from '../runtime/telemetry.ts';

/** What the chains record: heights, blocks, finality latency, mempool size, votes, evidence. */
export interface ChainMetrics {
  block(chain: string, via: 'consensus' | 'sync', txs: number): void;
  finality(chain: string, seconds: number): void;
  vote(chain: string, type: 'proposal' | 'prevote' | 'precommit'): void;
  evidence(chain: string): void;
}

export function createChainMetrics(telemetry: Telemetry, read: { height(chain: 'chat' | 'currency'): number; mempool(chain: 'chat' | 'currency'): number }, kindOf: (chain: string) => 'chat' | 'currency'): ChainMetrics {
  const height = telemetry.gauge<'chain'>({ name: 'dchat_chain_height', help: 'Height of the last final block this node holds, per chain (chat, currency).', labels: ['chain'] });
  const mempool = telemetry.gauge<'chain'>({ name: 'dchat_chain_mempool_transactions', help: 'Transactions waiting for a block, per chain.', labels: ['chain'] });
  const blocks = telemetry.counter<'chain' | 'via'>({ name: 'dchat_chain_blocks_total', help: 'Final blocks applied, by how they came (consensus or sync).', labels: ['chain', 'via'] });
  const txs = telemetry.counter<'chain'>({ name: 'dchat_chain_transactions_total', help: 'Transactions in final blocks.', labels: ['chain'] });
  const finality = telemetry.histogram<'chain'>({
    name: 'dchat_chain_finality_seconds',
    help: 'From a transaction entering this node to the block holding it being final here.',
    labels: ['chain'],
    buckets: [0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 1, 2, 5, 10],
  });
  const votes = telemetry.counter<'chain' | 'type'>({ name: 'dchat_chain_votes_sent_total', help: 'Proposals and votes this validator signed and sent.', labels: ['chain', 'type'] });
  const evidence = telemetry.counter<'chain'>({ name: 'dchat_chain_evidence_total', help: 'Equivocation evidence this node saw.', labels: ['chain'] });
  return {
    block(chain, via, count) {
      const kind = kindOf(chain);
      blocks.inc({ chain: kind, via });
      txs.inc({ chain: kind }, count);
      height.set(read.height(kind), { chain: kind });
      mempool.set(read.mempool(kind), { chain: kind });
    },
    finality: (chain, seconds) => finality.observe(seconds, { chain: kindOf(chain) }),
    vote: (chain, type) => votes.inc({ chain: kindOf(chain), type }),
    evidence: (chain) => evidence.inc({ chain: kindOf(chain) }),
  };
}
