import type { Connection, Libp2p, PeerId, Stream } from '@libp2p/interface';
import type { Multiaddr } from '@multiformats/multiaddr';
import { lpStream } from '@libp2p/utils';
import type { Logger } from 'pino';
import type { PeerGuard } from './peer-guard.ts';

/**
 * Request/response over one long-lived libp2p stream per peer and protocol, with requests
 * pipelined: many frames can be in flight and answers come back in order. Opening a stream per
 * message would cost a round trip each; this keeps a busy conversation at wire speed.
 */

export class ChannelClosedError extends Error {
  override readonly name = 'ChannelClosedError';
}
export class RequestTimeoutError extends Error {
  override readonly name = 'RequestTimeoutError';
}

export interface FrameChannel {
  request(frame: Uint8Array, timeoutMs?: number): Promise<Uint8Array>;
  readonly open: boolean;
  close(): void;
}

interface Pending {
  resolve(frame: Uint8Array): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
}

export function channelOverStream(stream: Stream, maxFrameBytes: number): FrameChannel {
  const lp = lpStream(stream, { maxDataLength: maxFrameBytes });
  const pending: Pending[] = [];
  let open = true;
  let writing: Promise<void> = Promise.resolve();

  const fail = (err: Error) => {
    if (!open) return;
    open = false;
    for (const p of pending.splice(0)) {
      clearTimeout(p.timer);
      p.reject(err);
    }
    stream.abort(err);
  };

  void (async () => {
    try {
      for (;;) {
        const frame = await lp.read();
        const waiter = pending.shift();
        if (!waiter) throw new Error('the peer answered a request that was never made');
        clearTimeout(waiter.timer);
        waiter.resolve(frame.subarray());
      }
    } catch (err) {
      fail(new ChannelClosedError(`stream ended: ${(err as Error).message}`));
    }
  })();

  return {
    request(frame, timeoutMs = 10_000) {
      if (!open) return Promise.reject(new ChannelClosedError('channel is closed'));
      return new Promise<Uint8Array>((resolve, reject) => {
        const timer = setTimeout(() => fail(new RequestTimeoutError(`no answer within ${timeoutMs} ms`)), timeoutMs);
        pending.push({ resolve, reject, timer });
        writing = writing.then(() => lp.write(frame)).catch((err: Error) => fail(new ChannelClosedError(`write failed: ${err.message}`)));
      });
    },
    get open() {
      return open;
    },
    close() {
      if (!open) return;
      open = false;
      for (const p of pending.splice(0)) {
        clearTimeout(p.timer);
        p.reject(new ChannelClosedError('channel closed'));
      }
      void stream.close().catch(() => stream.abort(new Error('close failed')));
    },
  };
}

/** One channel per (peer, protocol), opened on first use and reopened after it fails. */
export interface ChannelPool {
  get(peer: PeerId | Multiaddr | Multiaddr[], protocol: string): Promise<FrameChannel>;
  closeAll(): void;
}

export function createChannelPool(libp2p: Libp2p, maxFrameBytes: number, dialTimeoutMs = 5000): ChannelPool {
  const channels = new Map<string, Promise<FrameChannel>>();
  return {
    async get(peer, protocol) {
      const key = `${Array.isArray(peer) ? peer.map(String).join(',') : peer.toString()} ${protocol}`;
      const existing = channels.get(key);
      if (existing) {
        const channel = await existing.catch(() => undefined);
        if (channel?.open) return channel;
        channels.delete(key);
      }
      const opening = libp2p
        .dialProtocol(peer, protocol, { signal: AbortSignal.timeout(dialTimeoutMs) })
        .then((stream) => channelOverStream(stream, maxFrameBytes));
      channels.set(key, opening);
      opening.catch(() => channels.delete(key));
      return opening;
    },
    closeAll() {
      for (const channel of channels.values()) void channel.then((c) => c.close(), () => undefined);
      channels.clear();
    },
  };
}

export interface FrameContext {
  readonly peer: string;
  readonly connection: Connection;
}

export interface ServeOptions {
  readonly protocol: string;
  readonly maxFrameBytes: number;
  readonly guard: PeerGuard;
  readonly logger: Logger;
  /** Requests processed at once per stream; reading pauses beyond it (backpressure). */
  readonly maxInFlight?: number;
  /** Frame sent back when a request is refused (too fast) or its handler failed. */
  readonly errorReply: Uint8Array;
}

/**
 * Serves one inbound stream: reads frames, handles them concurrently (the handler decides what
 * must be ordered), writes the answers in request order. A frame over the size limit ends the
 * stream before it is buffered whole and counts against the peer.
 */
export async function serveFrames(
  stream: Stream,
  connection: Connection,
  handler: (frame: Uint8Array, context: FrameContext) => Promise<Uint8Array>,
  options: ServeOptions,
): Promise<void> {
  const peer = connection.remotePeer.toString();
  const lp = lpStream(stream, { maxDataLength: options.maxFrameBytes });
  const maxInFlight = options.maxInFlight ?? 256;
  const answers: Array<Promise<Uint8Array>> = [];
  let wake: (() => void) | undefined;
  let readerDone = false;

  const writer = (async () => {
    for (;;) {
      const next = answers[0];
      if (!next) {
        if (readerDone) return;
        await new Promise<void>((resolve) => (wake = resolve));
        continue;
      }
      const answer = await next;
      void answers.shift();
      await lp.write(answer);
    }
  })();

  try {
    for (;;) {
      while (answers.length >= maxInFlight) await new Promise((r) => setTimeout(r, 1));
      let frame;
      try {
        frame = await lp.read();
      } catch (err) {
        const name = (err as Error).name;
        if (name === 'InvalidDataLengthError' || name === 'InvalidDataLengthLengthError' || name === 'InvalidMessageLengthError') {
          options.guard.penalize(peer, options.protocol, 'too-large');
          stream.abort(err as Error);
        }
        break;
      }
      const bytes = frame.subarray();
      const answer = options.guard.allow(peer, options.protocol)
        ? handler(bytes, { peer, connection }).catch((err: Error) => {
            options.logger.error({ err, peer, protocol: options.protocol }, 'a protocol handler failed');
            return options.errorReply;
          })
        : Promise.resolve(options.errorReply);
      answers.push(answer);
      wake?.();
    }
  } finally {
    readerDone = true;
    wake?.();
    await writer.catch(() => undefined);
    await stream.close().catch(() => undefined);
  }
}
