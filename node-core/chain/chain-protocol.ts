import type { FrameHandler } from '../p2p/network.ts';
import { errorReply, okReply, parseRequest } from '../wire/protocols.ts';
import { headerOnly } from './chain-sync.ts';
import type { CommittedChain } from './committed-chain.ts';
import { chainRequestSchema, MAX_BLOCKS_PER_REQUEST } from './consensus-wire.ts';

/**
 * The block-sync protocol's serving side: where a chain is (status), its blocks with their
 * certificates, headers only, and snapshot chunks. One protocol for all chains; the request names
 * the chain. Answers are bounded by the request limits and the frame budget.
 */

const MAX_REPLY_BYTES = 1_800_000;

export function chainRequestHandler(chains: () => readonly CommittedChain[]): FrameHandler {
  return async (frame) => {
    const request = parseRequest(frame, chainRequestSchema);
    if (!request) return errorReply('malformed');
    const chain = chains().find((c) => c.chain === request.chain);
    if (!chain) return errorReply('not-found', `this node does not keep chain ${request.chain}`);
    switch (request.op) {
      case 'status':
        return okReply({ height: chain.top.height, lowest: chain.top.height === 0 ? 0 : chain.lowest, snapshots: chain.snapshotHeights().slice(0, 16) });
      case 'blocks':
      case 'headers': {
        const out: Array<[Uint8Array, Uint8Array]> = [];
        let bytes = 0;
        let height = request.from;
        const last = Math.min(chain.top.height, request.from + request.count - 1);
        // A state-synced node holds its lowest block without transactions: it serves from the one after.
        if (chain.lowest > 1 && request.from <= chain.lowest && request.from <= chain.top.height) return errorReply('not-found', `blocks up to ${chain.lowest} are not kept here (this node state-synced)`);
        while (height <= last && (request.op === 'headers' || out.length < MAX_BLOCKS_PER_REQUEST)) {
          const stored = chain.stored(height);
          if (!stored) break;
          const block = request.op === 'headers' ? headerOnly(stored.block) : stored.block;
          bytes += block.length + stored.certificate.length;
          if (bytes > MAX_REPLY_BYTES && out.length > 0) break;
          out.push([block, stored.certificate]);
          height++;
        }
        return okReply(request.op === 'headers' ? { headers: out } : { blocks: out });
      }
      case 'snapshot': {
        const chunk = chain.snapshotChunk(request.height, request.chunk);
        const header = chain.block(request.height);
        if (!chunk || !header) return errorReply('not-found', `no snapshot at height ${request.height}`);
        return okReply({ data: chunk.data, chunks: chunk.chunks, root: header.block.header.state });
      }
    }
  };
}
