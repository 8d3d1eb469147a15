import type { Connection, Libp2p, PeerId, Stream } from '@libp2p/interface';
import type { Multiaddr } from '@multiformats/multiaddr';
import type { Logger } from 'pino';
import type { BudgetOwner, BudgetRefusal, BudgetTicket, FrameBudget } from './frame-budget.ts';
import { createFrameReader, encodeVarint, FrameStalledError, FrameTooLargeError, type FrameReadError } from './frame-reader.ts';
import { ipKey, type InboundLimits, type StreamRefusal } from './inbound-limits.ts';
import type { P2pLimits } from './limits.ts';
import type { Misbehaviour, PeerGuard } from './peer-guard.ts';

/**
 * Request/response over one long-lived libp2p stream per peer and protocol, with requests
 * pipelined: many frames can be in flight and answers come back in order. Opening a stream per
 * message would cost a round trip each; this keeps a busy conversation at wire speed.
 *
 * Both directions read through the frame reader and the node's frame budget, so neither a peer
 * we serve nor a peer we asked can make us hold more than the budget allows.
 */

export class ChannelClosedError extends Error {
  override readonly name = 'ChannelClosedError';
}
export class RequestTimeoutError extends Error {
  override readonly name = 'RequestTimeoutError';
}
/** An inbound stream refused before anything was read from it. */
export class StreamRefusedError extends Error {
  override readonly name = 'StreamRefusedError';
  readonly reason: StreamRefusal | 'budget';
  constructor(reason: StreamRefusal | 'budget') {
    super(`stream refused: ${reason}`);
    this.reason = reason;
  }
}
/** A frame the budget could not take. */
export class FrameRefusedError extends Error {
  override readonly name = 'FrameRefusedError';
  readonly reason: BudgetRefusal;
  constructor(reason: BudgetRefusal, length: number) {
    super(`a frame of ${length} bytes was refused: ${reason === 'node' ? "the node's" : `the ${reason}'s`} frame budget is spent`);
    this.reason = reason;
  }
}
/** A stream closed for sending nothing. */
export class StreamIdleError extends Error {
  override readonly name = 'StreamIdleError';
}
/** The peer did not take our answer within the write deadline. */
export class WriteStalledError extends Error {
  override readonly name = 'WriteStalledError';
}

/** Writes one length-prefixed frame; waits (at most `deadlineMs`) only if the stream is full. */
export async function writeFrame(stream: Stream, frame: Uint8Array, deadlineMs: number): Promise<void> {
  stream.send(encodeVarint(frame.byteLength));
  if (stream.send(frame)) return;
  try {
    await stream.onDrain({ signal: AbortSignal.timeout(deadlineMs) });
  } catch (err) {
    if ((err as Error).name === 'TimeoutError' || (err as Error).name === 'AbortError') throw new WriteStalledError(`the peer took no data for ${deadlineMs} ms`);
    throw err;
  }
}

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

export function channelOverStream(stream: Stream, owner: BudgetOwner, reading: FrameReading): FrameChannel {
  const pending: Pending[] = [];
  let open = true;
  let writing: Promise<void> = Promise.resolve();

  const fail = (err: Error) => {
    if (!open) return;
    open = false;
    reader.destroy();
    for (const p of pending.splice(0)) {
      clearTimeout(p.timer);
      p.reject(err);
    }
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
  stream.addEventListener('message', (evt) => reader.push(evt.data));
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
      open = false;
      reader.destroy();
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

export function createChannelPool(libp2p: Libp2p, reading: FrameReading, dialTimeoutMs = 5000): ChannelPool {
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
      const opening = (async () => {
        const signal = AbortSignal.timeout(dialTimeoutMs);
        const connection = await libp2p.dial(peer, { signal });
        const stream = await connection.newStream(protocol, { signal });
        return channelOverStream(stream, { peer: connection.remotePeer.toString(), ip: ipKey(connection.remoteAddr) }, reading);
      })();
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

export type RefusalKind = 'stream' | 'frame';

export interface ServeOptions extends FrameReading {
  readonly protocol: string;
  readonly limits: FrameReading['limits'] & Pick<P2pLimits, 'firstFrameMs' | 'idleStreamMs' | 'maxInFlightPerStream' | 'smallFrameBytes'>;
  readonly guard: PeerGuard;
  readonly inbound: InboundLimits;
  readonly logger: Logger;
  /** Frame sent back when a request is refused (too fast, over budget) or its handler failed. */
  readonly errorReply: Uint8Array;
  /** Counts what was refused, for the metrics. */
  readonly onRefused: (kind: RefusalKind, reason: string) => void;
}

interface Answer {
  readonly answer: Promise<Uint8Array>;
  readonly ticket: BudgetTicket | null;
}

const PENALTY_OF_READ_ERROR = (err: FrameReadError): Misbehaviour =>
  err instanceof FrameStalledError ? 'stalled' : err instanceof FrameTooLargeError ? 'too-large' : 'malformed';

/**
 * Serves one inbound stream: reads frames, handles them concurrently (the handler decides what
 * must be ordered), writes the answers in request order. What a frame holds — its bytes while it
 * arrives, then while it is handled, then its answer until written — is drawn from the budget;
 * a frame the budget cannot take is answered with `errorReply` and its body dropped unread.
 * Reading pauses while too many answers are pending (the peer's sending then stops at the
 * muxer's window). Broken framing, a stalled frame, a stream left unused, or one ended in the
 * middle of a frame count against the peer.
 */
export function serveFrames(
  stream: Stream,
  connection: Connection,
  handler: (frame: Uint8Array, context: FrameContext) => Promise<Uint8Array>,
  options: ServeOptions,
): Promise<void> {
  const { guard, limits, protocol, budget } = options;
  const peer = connection.remotePeer.toString();
  const owner: BudgetOwner = { peer, ip: ipKey(connection.remoteAddr) };

  const refuse = (reason: StreamRefusal | 'budget') => {
    options.onRefused('stream', reason);
    stream.abort(new StreamRefusedError(reason));
    return Promise.resolve();
  };
  if (!budget.hasRoom()) return refuse('budget');
  const slot = options.inbound.openStream(owner);
  if (typeof slot === 'string') {
    if (slot === 'peer-streams') guard.penalize(peer, protocol, 'too-many-streams');
    return refuse(slot);
  }

  return new Promise<void>((resolve) => {
    const answers: Answer[] = [];
    let frames = 0;
    let finished = false;
    let writing = false;
    let paused = false;
    let remoteEnded = false;
    let readerEnded = false;
    let idleTimer: NodeJS.Timeout | undefined;

    const clearIdle = () => {
      if (idleTimer) clearTimeout(idleTimer);
      idleTimer = undefined;
    };

    const teardown = () => {
      if (finished) return;
      finished = true;
      clearIdle();
      reader.destroy();
      for (const a of answers.splice(0)) a.ticket?.release();
      slot.release();
      resolve();
    };

    const abort = (err: Error, penalty?: Misbehaviour) => {
      if (finished) return;
      if (penalty) guard.penalize(peer, protocol, penalty);
      stream.abort(err);
      teardown();
    };

    const finishIfDone = () => {
      if (finished || !readerEnded || writing || answers.length > 0) return;
      void stream.close().catch((err: Error) => stream.abort(err)).finally(teardown);
    };

    // A stream nobody uses still costs a slot: a fresh one must carry a frame soon (honest
    // channels send right after opening), and a quiet one is closed after a while (the peer's
    // pool reopens it when needed).
    const armIdle = () => {
      clearIdle();
      if (finished || readerEnded || writing || answers.length > 0 || reader.midFrame) return;
      const fresh = frames === 0;
      idleTimer = setTimeout(
        () => (fresh ? abort(new StreamIdleError(`no frame within ${limits.firstFrameMs} ms`), 'idle') : abort(new StreamIdleError('idle'))),
        fresh ? limits.firstFrameMs : limits.idleStreamMs,
      );
      idleTimer.unref();
    };

    const pump = async () => {
      if (writing) return;
      writing = true;
      clearIdle();
      try {
        while (answers.length > 0 && !finished) {
          const head = answers[0]!;
          const frame = await head.answer;
          if (finished) return;
          head.ticket?.charge(frame.byteLength);
          await writeFrame(stream, frame, limits.writeDeadlineMs);
          answers.shift();
          head.ticket?.release();
          if (paused && answers.length < limits.maxInFlightPerStream && !finished) {
            paused = false;
            if (stream.readStatus === 'paused') stream.resume();
            maybeEnd();
          }
        }
      } catch (err) {
        return abort(err as Error, err instanceof WriteStalledError ? 'stalled' : undefined);
      } finally {
        writing = false;
      }
      finishIfDone();
      armIdle();
    };

    const queue = (answer: Answer) => {
      frames++;
      answers.push(answer);
      if (answers.length >= limits.maxInFlightPerStream && !paused && stream.readStatus === 'readable') {
        paused = true;
        stream.pause();
      }
      void pump();
    };

    const reader = createFrameReader({
      ...limits,
      admit: (length) => budget.admit(length, owner),
      onFrame(frame, ticket) {
        const answer = guard.allow(peer, protocol)
          ? handler(frame, { peer, connection }).catch((err: Error) => {
              options.logger.error({ err, peer, protocol }, 'a protocol handler failed');
              return options.errorReply;
            })
          : Promise.resolve(options.errorReply);
        queue({ answer, ticket });
      },
      onRefused(reason, length) {
        options.onRefused('frame', reason === 'node' ? 'budget' : `${reason}-share`);
        // A small frame refused because the node is full is answered and skipped, so an honest
        // channel survives (and is not blamed: a full node is not its doing). Anything else ends
        // the stream, so the body is never even sent to us in full, and counts a little against
        // the peer: big frames at a full node are how memory is attacked.
        if (reason === 'node' && length <= limits.smallFrameBytes) {
          queue({ answer: Promise.resolve(options.errorReply), ticket: null });
          return 'skip';
        }
        queueMicrotask(() => abort(new FrameRefusedError(reason, length), 'over-budget'));
        return 'stop';
      },
      onError(err) {
        if (err instanceof FrameStalledError) options.onRefused('frame', 'stalled');
        abort(err, PENALTY_OF_READ_ERROR(err));
      },
    });

    // Data the muxer delivers after the end marker (same frame) or that waited while reading
    // was paused still belongs to the stream, so the end is taken once it has all been read.
    const maybeEnd = () => {
      if (finished || readerEnded || !remoteEnded || paused || stream.readBufferLength > 0) return;
      readerEnded = true;
      clearIdle();
      if (reader.end()) {
        options.onRefused('frame', 'unfinished');
        guard.penalize(peer, protocol, 'unfinished');
      }
      finishIfDone();
    };

    stream.addEventListener('message', (evt) => {
      reader.push(evt.data);
      if (reader.midFrame) clearIdle();
      else if (!writing && answers.length === 0) armIdle();
    });
    stream.addEventListener('remoteCloseWrite', () => {
      remoteEnded = true;
      queueMicrotask(maybeEnd);
    });
    stream.addEventListener('close', teardown);
    armIdle();
  });
}
