/**
 * Request/response over one long-lived libp2p stream per peer and protocol, with requests
 * pipelined: many frames can be in flight and answers come back in order. Opening a stream per
 * message would cost a round trip each; this keeps a busy conversation at wire speed.
 *
 * Both directions read through the frame reader and the node's frame budget, so neither a peer
 * we serve nor a peer we asked can make us hold more than the budget allows. The asking side is
 * frame-channel.ts, the answering side frame-responder.ts; both write through frame-write.ts.
 */
export {
  ChannelClosedError,
  FrameRefusedError,
  RequestTimeoutError,
  StreamIdleError,
  StreamRefusedError,
  WriteStalledError,
} from './frame-errors.ts';
export { channelOverStream, createChannelPool, type ChannelPool, type FrameChannel, type FrameReading } from './frame-channel.ts';
export { serveFrames, type FrameContext, type RefusalKind, type ServeOptions } from './frame-responder.ts';
export { StreamNotWritableError, writeFrame } from './frame-write.ts';
