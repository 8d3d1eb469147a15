import type { FrameHandler, Network } from '../p2p/network.ts';
import type { Startable } from '../runtime/startable.ts';

/**
 * A request/response protocol served between start and stop. Stop unhandles it and then waits
 * for the requests already being answered, so nothing of it touches the store afterwards.
 */
export function createServedProtocol(network: Network, protocol: string, handler: FrameHandler, errorReply: Uint8Array): Startable {
  const answering = new Set<Promise<unknown>>();
  const tracked: FrameHandler = (frame, context) => {
    const answer = handler(frame, context);
    answering.add(answer);
    const forget = () => answering.delete(answer);
    answer.then(forget, forget);
    return answer;
  };
  return {
    async start() {
      await network.handle(protocol, tracked, errorReply);
    },
    async stop() {
      await network.unhandle(protocol);
      await Promise.allSettled([...answering]);
    },
  };
}
