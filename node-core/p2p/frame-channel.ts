import type { Libp2p, PeerId, Stream } from '@libp2p/interface';
import type { Multiaddr } from '@multiformats/multiaddr';
import type { BudgetOwner, BudgetRefusal, FrameBudget } from './frame-budget.ts';
import { ChannelClosedError, RequestTimeoutError } from './frame-errors.ts';
import { createFrameReader, type FrameReadError } from './frame-reader.ts';
import { guardListener, writeFrame } from './frame-write.ts';
import { ipKey } from './inbound-limits.ts';
import type { P2pLimits } from './limits.ts';

/** What reading frames needs: the limits that apply to every frame and the budget they draw on. */
export interface FrameReading {
  readonly limits: Pick<P2pLimits, 'maxFrameBytes' | 'frameDeadlineMs' | 'minFrameBytesPerSecond' | 'writeDeadlineMs'>;
  readonly budget: FrameBudget;
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

/** The asking side of a stream: requests written in order, answers matched to them in order. */
export function channelOverStream(stream: Stream, owner: BudgetOwner, reading: FrameReading): FrameChannel {
  const pending: Pending[] = [];
  let open = true;
  let writing: Promise<void> = Promise.resolve();

  const settleAll = (err: Error) => {
    open = false;
    reader.destroy();
    for (const p of pending.splice(0)) {
      clearTimeout(p.timer);
      p.reject(err);
    }
  };
  const fail = (err: Error) => {
    if (!open) return;
    settleAll(err);
    stream.abort(err);
  };

  const reader = createFrameReader({
    ...reading.limits,
    admit: (length) => reading.budget.admit(length, owner),
    onFrame(frame, ticket) {
      // The answer is the caller's from here on; the budget only covers what we buffer.
      ticket.release();
      const waiter = pending.shift();
      if (!waiter) return fail(new ChannelClosedError('the peer answered a request that was never made'));
      clearTimeout(waiter.timer);
      waiter.resolve(frame);
    },
    onRefused(reason: BudgetRefusal) {
      fail(new ChannelClosedError(`an answer was refused: the frame budget (${reason}) is spent`));
      return 'stop';
    },
    onError: (err: FrameReadError) => fail(new ChannelClosedError(`unreadable answer: ${err.message}`)),
  });
  const onListenerError = (err: Error) => fail(new ChannelClosedError(`the stream failed: ${err.message}`));
  stream.addEventListener('message', guardListener((evt) => reader.push(evt.data), onListenerError));
  stream.addEventListener('remoteCloseWrite', () => queueMicrotask(() => fail(new ChannelClosedError('the peer closed the stream'))));
  stream.addEventListener('close', (evt) => fail(new ChannelClosedError(`stream ended${evt.error ? `: ${evt.error.message}` : ''}`)));

  return {
    request(frame, timeoutMs = 10_000) {
      if (!open) return Promise.reject(new ChannelClosedError('channel is closed'));
      return new Promise<Uint8Array>((resolve, reject) => {
        const timer = setTimeout(() => fail(new RequestTimeoutError(`no answer within ${timeoutMs} ms`)), timeoutMs);
        pending.push({ resolve, reject, timer });
        writing = writing
          .then(() => writeFrame(stream, frame, reading.limits.writeDeadlineMs))
          .catch((err: Error) => fail(new ChannelClosedError(`write failed: ${err.message}`)));
      });
    },
    get open() {
      return open;
    },
    close() {
      if (!open) return;
      settleAll(new ChannelClosedError('channel closed'));
      void stream.close().catch(() => stream.abort(new Error('close failed')));
    },
  };
}

/** One channel per (peer, protocol), opened on first use and reopened after it fails. */
export interface ChannelPool {
  get(peer: PeerId | Multiaddr | Multiaddr[], protocol: string): Promise<FrameChannel>;
  closeAll(): void;
}

export function createChannelPool(libp2p: Libp2p, reading: FrameReading, dialTimeoutMs = 5000): ChannelPool {
  const channels = new Map<string, Promise<FrameChannel>>();
  const openChannel = async (peer: PeerId | Multiaddr | Multiaddr[], protocol: string): Promise<FrameChannel> => {
    const signal = AbortSignal.timeout(dialTimeoutMs);
    const connection = await libp2p.dial(peer, { signal });
    const stream = await connection.newStream(protocol, { signal });
    return channelOverStream(stream, { peer: connection.remotePeer.toString(), ip: ipKey(connection.remoteAddr) }, reading);
  };
  return {
    async get(peer, protocol) {
      const key = `${Array.isArray(peer) ? peer.map(String).join(',') : peer.toString()} ${protocol}`;
      const existing = channels.get(key);
      if (existing) {
        const channel = await existing.catch(() => undefined);
        if (channel?.open) return channel;
        channels.delete(key);
      }
      const opening = openChannel(peer, protocol);
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
